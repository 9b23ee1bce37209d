import { withIndexesRebuilt } from '../../db/bulk-load.js';
import { type Pool, type PoolClient, withTransaction } from '../../db/pool.js';
import { type Progress, silentProgress } from '../../progress.js';
import { COPY_SQL } from './demo-copy-lines.js';
import { annotationLines, curationLines, evidenceLines, geneLines, logLines } from './demo-lines.js';
import { logPlan } from './demo-logs.js';
import { type DemoOptions, defaultNow, validateDemoOptions } from './demo-options.js';
import {
  assertNoGenes,
  clearDemoData,
  copyPhase,
  ensureLogPartitions,
  lockForSeeding,
  syncIdentities,
  writeDemoUsers,
} from './demo-writer.js';
import { planEvidenceCounts } from './evidence-plan.js';
import { logSpanStart } from './log-time.js';

/** Rows written and the time it took, for the CLI to print. */
export interface DemoSummary {
  genes: number;
  evidence: number;
  logs: number;
  /** Demo accounts present after the seed (admin, curator, viewers). */
  users: number;
  ms: number;
}

/** Seeds an empty database; a database with genes is a CONFLICT (see replaceDemo). */
export async function seedDemo(pool: Pool, options: DemoOptions, progress?: Progress): Promise<DemoSummary> {
  return runSeed(pool, options, false, progress ?? silentProgress);
}

/** Deletes all genes (with their evidence), all system logs and the demo accounts, then seeds; one transaction. */
export async function replaceDemo(
  pool: Pool,
  options: DemoOptions,
  progress?: Progress,
): Promise<DemoSummary> {
  return runSeed(pool, options, true, progress ?? silentProgress);
}

async function runSeed(
  pool: Pool,
  options: DemoOptions,
  replace: boolean,
  progress: Progress,
): Promise<DemoSummary> {
  validateDemoOptions(options);
  const started = performance.now();
  const nowMs = (options.now ?? defaultNow(new Date())).getTime();
  // Planned before the transaction: for 50,000 genes it is ~60 ms of CPU no lock needs to wait for.
  const counts = planEvidenceCounts(options.seed, options.genes, options.evidence);

  const users = await withTransaction(pool, async (client) => {
    await lockForSeeding(client);
    if (replace) await clearDemoData(client);
    else await assertNoGenes(client);
    return writeDemoTables(client, options, counts, nowMs, progress);
  });

  // After commit: ANALYZE inside the transaction would hold its locks longer, and the planner should
  // see the new row counts before the first request (a 5 M-row system_logs otherwise looks empty).
  progress.start('analyze', 1);
  await pool.query('analyze genes, gene_evidence, gene_curations, gene_annotations, users, system_logs');
  progress.advance(1);
  progress.done();

  const { genes, evidence, logs } = options;
  return { genes, evidence, logs, users, ms: Math.round(performance.now() - started) };
}

/** Every demo table, in foreign-key order, inside the caller's transaction; returns the demo user count. */
async function writeDemoTables(
  client: PoolClient,
  { seed, genes, evidence, logs }: DemoOptions,
  counts: Uint8Array,
  nowMs: number,
  progress: Progress,
): Promise<number> {
  // Index builds sort in memory up to this limit (default 64 MB) instead of spilling to disk.
  await client.query("set local maintenance_work_mem = '256MB'");
  const demoUsers = await writeDemoUsers(client, nowMs);
  const phase = (label: string, total: number, sql: string, lines: Iterable<string>, expect?: number) =>
    copyPhase(client, progress, { label, total, sql, lines, expect });
  await withIndexesRebuilt(client, progress, 'genes', () =>
    phase('genes', genes, COPY_SQL.genes, geneLines(seed, genes, nowMs), genes),
  );
  await withIndexesRebuilt(client, progress, 'gene_evidence', () =>
    phase('evidence', evidence, COPY_SQL.evidence, evidenceLines(seed, counts, nowMs), evidence),
  );
  // Curations and annotations are a few percent of the genes' size: materialised to know their totals.
  const curations = [...curationLines(seed, genes, nowMs)];
  await phase('curations', curations.length, COPY_SQL.curations, curations, curations.length);
  const annotations = [...annotationLines(seed, genes, nowMs)];
  await phase('annotations', annotations.length, COPY_SQL.annotations, annotations, annotations.length);
  const plan = logPlan(seed, logs, nowMs, genes, demoUsers);
  if (logs > 0) await ensureLogPartitions(client, logSpanStart(nowMs), nowMs);
  await withIndexesRebuilt(client, progress, 'system_logs', () =>
    phase('logs', logs, COPY_SQL.logs, logLines(plan), logs),
  );
  await syncIdentities(client);
  return demoUsers.count;
}
