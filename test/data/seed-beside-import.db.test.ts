import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerImport } from '../../src/cli/commands/import.js';
import { registerSeed } from '../../src/cli/commands/seed.js';
import { runKgdb } from '../auth/auth-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// `kgdb seed --demo` into a database that holds imported genes: refused with the reason and the way out,
// the import untouched.

let db: TestDatabase;
let dir: string;
const savedEnv = { ...process.env };

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-seed-import-'));
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  process.env = { ...savedEnv };
  vi.restoreAllMocks();
});

const kgdb = (...args: string[]) => runKgdb(db.url, [registerImport, registerSeed], args);

async function snapshot(): Promise<unknown[]> {
  const { rows } = await db.pool.query(
    `select g.id, g.hgnc_id, g.approved_symbol, count(e.id)::int as evidence, count(*) over ()::int as genes,
            (select count(*)::int from system_logs) as logs
       from genes g left join gene_evidence e on e.gene_id = g.id group by g.id order by g.id`,
  );
  return rows;
}

describe('kgdb seed --demo beside imported genes', () => {
  it('is refused with why (demo ids, real kidney genes with invented evidence) and what to do; nothing written', async () => {
    const panels = path.join(dir, 'panels.json');
    await writeFile(
      panels,
      JSON.stringify({
        provider_name: 'Lab A',
        scraped_at: '2025-08-24T19:36:00',
        genes: [
          { symbol: 'PKD1', hgnc_id: 'HGNC:9008', panels: ['Cystic'] },
          { symbol: 'ABCA4', hgnc_id: 'HGNC:34', panels: ['Retina'] },
          { symbol: 'NPHS2', panels: ['Nephrotic'] },
        ],
      }),
    );
    expect((await kgdb('import', panels)).exitCode).toBe(0);
    const imported = await snapshot();
    expect(imported).toHaveLength(3);

    const { stdout, stderr, exitCode } = await kgdb('seed', '--demo', '--genes', '200', '--logs', '10');
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatchInlineSnapshot(`
      "CONFLICT: The database has 3 genes, 2 of which the demo generator never writes (ABCA4, NPHS2): imported data. The demo is not added beside them: it is a whole synthetic dataset numbered from gene id 1 whose first 100 genes are real kidney genes with invented evidence; 2 of them are here already (PKD1, NPHS2), so it would collide with these genes or blend invented evidence into their scores. Seed an empty database instead: another data dir (KGDB_DATA_DIR=.kgdb-demo npx kgdb seed --demo) or another DATABASE_URL. --replace would delete all 3 genes, the imported ones too, with their evidence and all logs
      "
    `);
    expect(await snapshot()).toEqual(imported);
  });
});
