import type { Command } from 'commander';

/**
 * `kgdb backup FILE` and `kgdb restore FILE`. Only commander's types at the top: the implementation (pg streams,
 * tar, the migrations and views) is imported when one of the two runs, so it adds nothing to every other
 * command's start.
 */
export function registerBackup(program: Command): void {
  program
    .command('backup')
    .argument('<file>', 'the archive to write (a gzip-compressed tar)')
    .description(
      'Write every kgdb table from one consistent snapshot into a compressed archive with a manifest',
    )
    .option('--force', 'overwrite FILE when it exists')
    .addHelpText(
      'after',
      `
Written to FILE.partial and renamed when complete, so FILE is never a partial archive. Materialized views are
not in it (a restore rebuilds them). The archive holds password and token hashes and the JWT secret: it is
created readable by its owner only. Format and guarantees: docs/backup.md.
Exit codes: 0 written; 1 nothing written (FILE exists without --force, database unreachable, an error).`,
    )
    .action((file: string, opts: { force?: boolean }) => backupCommand(file, opts.force === true));

  program
    .command('restore')
    .argument('<file>', 'an archive written by kgdb backup')
    .description(
      'Load an archive into an empty database (or, with --replace, over an existing one) in one transaction',
    )
    .option('--replace', 'replace the contents of every kgdb table of a database that holds rows')
    .addHelpText(
      'after',
      `
The archive is verified first (manifest, format and schema version, every table's rows and sha256); a damaged
or cut archive, or one from a newer kgdb, is refused before the database is touched. The load is one
transaction: a failure or a kill leaves the database as it was. Then the migrations newer than the archive run,
the views are applied and the materialized views refreshed. Stop the kgdb servers that use the database
first, or restart them after: a server that stays up may keep the feature flags it held (a warning on stderr
counts the servers connected at the end).
Exit codes: 0 restored; 1 nothing restored (invalid or newer archive; a database with rows and no --replace,
CONFLICT naming the tables; an error).`,
    )
    .action((file: string, opts: { replace?: boolean }) => restoreCommand(file, opts.replace === true));
}

async function backupCommand(file: string, force: boolean): Promise<void> {
  const { runCommand, withDatabase } = await import('./run.js');
  await runCommand(async (ctx) => {
    const [{ runBackup }, { formatBackupSummary }, { progressBar }] = await Promise.all([
      import('../../backup/backup.js'),
      import('../../backup/summary.js'),
      import('./progress-bar.js'),
    ]);
    // No migrate first: a backup records the schema as it is (the one to take before migrating).
    await withDatabase(ctx, async (db) => {
      const summary = await runBackup(db.pool, { file, force, progress: progressBar(ctx.logger) });
      process.stdout.write(formatBackupSummary(summary));
    });
  });
}

async function restoreCommand(file: string, replace: boolean): Promise<void> {
  const { runCommand, withDatabase } = await import('./run.js');
  await runCommand(async (ctx) => {
    const [{ runRestore }, { formatRestoreSummary, restoreWarning }, { progressBar }, { archiveSize }] =
      await Promise.all([
        import('../../backup/restore.js'),
        import('../../backup/summary.js'),
        import('./progress-bar.js'),
        import('../../backup/output-file.js'),
      ]);
    // A mistyped FILE must not first start (or initialise) the embedded server.
    await archiveSize(file);
    // No migrate first: the restore brings the schema to the archive's version itself, then forward.
    await withDatabase(ctx, async (db) => {
      const progress = progressBar(ctx.logger);
      const summary = await runRestore(db.pool, { file, replace, logger: ctx.logger, progress });
      process.stdout.write(formatRestoreSummary(summary));
      const warning = restoreWarning(summary);
      if (warning) process.stderr.write(warning);
    });
  });
}
