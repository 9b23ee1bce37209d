import os from 'node:os';
import type { Command } from 'commander';
import type { Release } from '../../releases/release-repository.js';

/**
 * `kgdb releases create` and `kgdb releases list`. Only commander's types at the top: the freeze (and the export
 * code the checksum runs) is imported when the command runs.
 */
export function registerReleases(program: Command): void {
  const releases = program
    .command('releases')
    .description('Frozen, citable releases of the scored gene list (docs/api.md, "Releases")');

  releases
    .command('create')
    .description('Freeze the scored gene list into a new release (a draft unless --publish)')
    .requiredOption('--version <version>', 'CalVer version, YYYY.MM or YYYY.MM.PATCH (e.g. 2026.12)')
    .option('--notes <text>', 'release notes')
    .option('--publish', 'publish at once instead of creating a draft')
    .addHelpText(
      'after',
      `
Freezes every gene with a score above 0 (what the gene list shows by default) as of the last refresh of the
gene_scores matview (a running server refreshes it after every change; without one, run kgdb views refresh
first), in one transaction: nothing is written on any error. Applies the declared views first when missing. Prints the version, the gene count and
the SHA-256 of the release's CSV export (GET /api/releases/{version}/export?format=csv).
Exit codes: 0 created; 1 nothing created (bad version, version exists: CONFLICT, an error).`,
    )
    .action((opts: { version: string; notes?: string; publish?: boolean }) => createCommand(opts));

  releases
    .command('list')
    .description('Every release, newest first: version, status, genes, created, checksum')
    .action(() => listCommand());
}

function describe(r: Release): string {
  return `${r.version}  ${r.status}  ${r.gene_count} genes  ${r.created_at.toISOString()}  sha256 ${r.export_checksum}`;
}

async function createCommand(opts: { version: string; notes?: string; publish?: boolean }): Promise<void> {
  const { runCommand, withMigratedDatabase } = await import('./run.js');
  await runCommand(async (ctx) => {
    const { checkReleaseInput } = await import('../../releases/release-input.js');
    // Checked before the database opens: a typo costs no server start.
    const input = checkReleaseInput(opts.version, opts.notes);
    const [{ createRelease }, { applyViews }, { VIEWS }] = await Promise.all([
      import('../../releases/freeze.js'),
      import('../../views/apply.js'),
      import('../../views/defs/index.js'),
    ]);
    await withMigratedDatabase(ctx, async (db) => {
      // The freeze reads the declared views: a database only ever seeded or imported by the CLI has none yet
      // (no DDL when they are in sync).
      await applyViews(db.pool, VIEWS, { logger: ctx.logger });
      const release = await createRelease(db.pool, {
        ...input,
        publish: opts.publish === true,
        actor: { name: `cli:${os.userInfo().username}`, userId: null },
      });
      process.stdout.write(`${describe(release)}\n`);
    });
  });
}

async function listCommand(): Promise<void> {
  const { runWithDatabase } = await import('./run.js');
  await runWithDatabase(async (db) => {
    const { listReleases } = await import('../../releases/release-repository.js');
    const { releases } = await listReleases(db.pool, { limit: 1_000_000, offset: 0 });
    for (const release of releases) process.stdout.write(`${describe(release)}\n`);
    if (releases.length === 0) process.stderr.write('no releases\n');
  });
}
