// The files the compiled build reads beside its modules, which tsc does not copy: the migrations (SQL) and
// the operator console's page, script and styles. Run by `npm run build` after tsc.
import { cpSync, writeFileSync } from 'node:fs';

const ASSETS = ['db/migrations', 'console/public'];

for (const dir of ASSETS)
  cpSync(new URL(`../src/${dir}`, import.meta.url), new URL(`../dist/${dir}`, import.meta.url), {
    recursive: true,
  });
// bin/kgdb.js runs dist/ only when this stamp is newer than every source file (else tsx runs src/).
writeFileSync(new URL('../dist/.build-stamp', import.meta.url), `${new Date().toISOString()}\n`);
