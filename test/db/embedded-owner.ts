import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/start-embedded.ts');

/**
 * Starts the embedded server on `dataDir` in a child process (its owner, until killed) and resolves with the
 * child's pid and the URL it printed.
 */
export function startOwner(dataDir: string): Promise<{ pid: number; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n') && child.pid) resolve({ pid: child.pid, url: out.trim() });
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => reject(new Error(`owner exited with ${code}: ${err}`)));
  });
}

/** One statement on its own connection: the rows. */
export async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
