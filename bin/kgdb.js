#!/usr/bin/env node
// Runs the compiled build (dist/, made by `npm install` through the "prepare" script) when it is current, else
// the TypeScript sources through tsx: a contributor's edit to src/ is live without a rebuild, only slower to start.
import { existsSync, readdirSync, statSync } from 'node:fs';
import module from 'node:module';

// Node 22.1+ keeps compiled bytecode between runs, so a start parses less; Node 20 has no such cache.
module.enableCompileCache?.();

const root = new URL('../', import.meta.url);
const stamp = new URL('dist/.build-stamp', root);

/** Newest modification time under a folder (milliseconds); a few hundred stat calls. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    latest = Math.max(latest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return latest;
}

const built = existsSync(stamp) && statSync(stamp).mtimeMs >= newest(new URL('src/', root));
if (built && process.env.KGDB_TSX !== '1') {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
