import type { Command } from 'commander';
import type { ApplyReport } from '../../views/apply-report.js';
import type { RefreshResult } from '../../views/refresh-matview.js';
import type { ViewStatusReport } from '../../views/status.js';
import { runWithDatabase } from './run.js';

export function registerViews(program: Command): void {
  const views = program.command('views').description('The declared views: status, apply, refresh');

  views
    .command('status')
    .description(
      'List every declared view with its state, dependencies and, for matviews, rows and staleness',
    )
    .option('--json', 'print the report as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 every view in sync, 1 a view is drifted, missing or outdated (or an error).',
    )
    .action((opts: { json?: boolean }) =>
      runWithDatabase(async (db) => {
        const { VIEWS } = await import('../../views/defs/index.js');
        const { viewStatus } = await import('../../views/status.js');
        const report = await viewStatus(db.pool, VIEWS);
        process.stdout.write(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report));
        process.exitCode = report.ok ? 0 : 1;
      }),
    );

  views
    .command('apply')
    .description(
      'Create missing views, replace changed or drifted ones (with their dependents), in one transaction',
    )
    .option('--prune', 'drop views the registry created earlier and no longer declares')
    .option('--cascade', 'drop catalog dependents the registry does not declare instead of failing')
    .addHelpText('after', '\nExit codes: 0 applied (or nothing to do), 1 failed and nothing was changed.')
    .action((opts: { prune?: boolean; cascade?: boolean }) =>
      runWithDatabase(async (db, { logger }) => {
        const { VIEWS } = await import('../../views/defs/index.js');
        const { applyViews } = await import('../../views/apply.js');
        const { progressBar } = await import('./progress-bar.js');
        const report = await applyViews(db.pool, VIEWS, {
          prune: opts.prune === true,
          cascade: opts.cascade === true,
          logger,
          progress: progressBar(logger),
        });
        process.stdout.write(formatApply(report));
      }),
    );

  views
    .command('refresh')
    .argument('[name]', 'one materialized view (default: all); matviews reading it are refreshed after it')
    .description('Refresh materialized views in dependency order; skips one another process is refreshing')
    .option('--force', 'wait for a refresh running elsewhere instead of skipping')
    .addHelpText(
      'after',
      '\nExit codes: 0 every view refreshed or skipped, 1 a refresh failed (or an error).',
    )
    .action((name: string | undefined, opts: { force?: boolean }) =>
      runWithDatabase(async (db, { logger }) => {
        const { VIEWS } = await import('../../views/defs/index.js');
        const { createRefresher } = await import('../../views/refresher.js');
        const { progressBar } = await import('./progress-bar.js');
        const refresher = createRefresher({ pool: db.pool, views: VIEWS, listen: false, logger });
        const results = await refresher.refresh(name === undefined ? undefined : [name], {
          force: opts.force === true,
          progress: progressBar(logger),
        });
        process.stdout.write(results.map(formatRefresh).join(''));
        process.exitCode = results.some((r) => r.outcome === 'failed') ? 1 : 0;
      }),
    );
}

function formatStatus(report: ViewStatusReport): string {
  const rows = report.views.map((v) => [
    v.name,
    v.kind,
    v.state,
    v.dependsOn.join(', ') || '-',
    v.kind === 'materialized' ? String(v.rowCount ?? '-') : '',
    v.kind === 'materialized' ? (v.lastRefreshedAt?.toISOString() ?? 'never') : '',
    v.kind === 'materialized' && v.stalenessSeconds != null ? `${Math.round(v.stalenessSeconds)} s` : '',
  ]);
  const header = ['view', 'kind', 'state', 'depends on', 'rows', 'last refresh', 'staleness'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  let out = line(header) + rows.map(line).join('');
  if (report.undeclared.length > 0)
    out += `\nno longer declared (apply --prune drops): ${report.undeclared.join(', ')}\n`;
  if (report.unmanaged.length > 0) out += `\nnot managed by the registry: ${report.unmanaged.join(', ')}\n`;
  return (
    out + (report.ok ? '\nall views in sync\n' : '\nsome views are not in sync: run `kgdb views apply`\n')
  );
}

function formatApply(r: ApplyReport): string {
  if (r.ddl.length === 0) return 'no changes\n';
  const parts: [string, string[]][] = [
    ['created', r.created],
    ['replaced', r.replaced],
    ['recreated', r.recreated],
    ['repopulated', r.refreshed],
    ['dropped', r.dropped],
    ['drift fixed', r.drifted],
    ['triggers added', r.triggersAdded],
    ['triggers removed', r.triggersRemoved],
  ];
  const lines = parts
    .filter(([, names]) => names.length > 0)
    .map(([label, names]) => `${label}: ${names.join(', ')}`);
  return `${lines.join('\n')}\n(${r.ddl.length} statements in one transaction)\n`;
}

function formatRefresh(r: RefreshResult): string {
  if (r.outcome === 'refreshed') {
    return `${r.name}: refreshed${r.concurrently ? ' concurrently' : ''} in ${Math.round(r.durationMs)} ms\n`;
  }
  if (r.outcome === 'skipped')
    return `${r.name}: skipped (another refresh is running; --force waits for it)\n`;
  return `${r.name}: failed: ${r.error ?? 'unknown error'}\n`;
}
