import { lockSession, unlockSession } from '../db/advisory.js';
import { SCHEMA_LOCK } from '../db/migrate.js';
import { type Pool, type PoolClient, withClient } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import { silentProgress } from '../progress.js';
import { type ApplyOptions, type ApplyReport, emptyReport, summary } from './apply-report.js';
import {
  catalogDependencies,
  catalogDependents,
  liveColumns,
  liveRelations,
  triggeredTables,
} from './catalog.js';
import { inTransaction } from './client-transaction.js';
import { refreshLockName } from './refresh-matview.js';
import { recordRefreshed } from './refresh-state.js';
import { buildRegistry, type Registry } from './registry.js';
import { type AppliedView, forgetApplied, readApplied, recordApplied } from './registry-store.js';
import type { ViewDef } from './view-def.js';
import {
  createChangeTriggerSql,
  createIndexSql,
  createViewSql,
  describeSql,
  dropChangeTriggerSql,
  dropViewSql,
  isAppendOnly,
  refreshSql,
  viewVersion,
} from './view-sql.js';
import { edgeProblems, viewState } from './view-state.js';

interface Context {
  client: PoolClient;
  registry: Registry;
  applied: Map<string, AppliedView>;
  options: ApplyOptions;
  report: ApplyReport;
  /** Views this apply dropped; a declared one among them is recreated, not "created". */
  droppedHere: Set<string>;
  /** Plain views replaced in place: the matviews reading them hold data computed by the old SQL. */
  replacedInPlace: Set<string>;
  exec(sql: string): Promise<void>;
}

/**
 * Brings the database to the declarations in one transaction under the schema lock (waits for a concurrent
 * migrate or apply). Registry problems (cycles, bad concurrent-refresh indexes) throw before any DDL; any
 * later failure rolls everything back.
 */
export async function applyViews(
  pool: Pool,
  views: readonly ViewDef[],
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  const registry = buildRegistry(views);
  return withClient(pool, async (client) => {
    const held: string[] = [];
    const unlockAll = async () => {
      for (const name of held.reverse()) {
        await unlockSession(client, name).catch(() => {
          // The session is gone, and its advisory locks with it.
        });
      }
    };
    try {
      await lockSession(client, SCHEMA_LOCK);
      held.push(SCHEMA_LOCK);
      // A refresh holds its matview, then reads the views below it; an apply replaces those views, then drops
      // or refreshes the matview: a deadlock. Taking every refresh lock first (in name order, waiting for a
      // running refresh) rules it out, and refreshers skip until we commit.
      for (const name of await matviewNames(client, registry)) {
        await lockSession(client, refreshLockName(name));
        held.push(refreshLockName(name));
      }
      return await inTransaction(client, () => applyInTransaction(client, registry, options));
    } finally {
      await unlockAll();
    }
  });
}

/** Declared matviews and those the registry applied earlier (prune may drop them), sorted. */
async function matviewNames(client: PoolClient, registry: Registry): Promise<string[]> {
  const declared = registry.ordered.filter((v) => v.kind === 'materialized').map((v) => v.name);
  const applied = [...(await readApplied(client)).values()].filter((v) => v.kind === 'materialized');
  return [...new Set([...declared, ...applied.map((v) => v.name)])].sort();
}

/** Notified at commit of an apply that executed DDL. */
export const VIEWS_APPLIED_CHANNEL = 'kgdb_views_applied';

async function applyInTransaction(
  client: PoolClient,
  registry: Registry,
  options: ApplyOptions,
): Promise<ApplyReport> {
  const report = emptyReport();
  const ctx: Context = {
    client,
    registry,
    applied: await readApplied(client),
    options,
    report,
    droppedHere: new Set(),
    replacedInPlace: new Set(),
    exec: async (sql) => {
      options.logger?.debug({ sql }, 'views: ddl');
      report.ddl.push(sql);
      await client.query(sql);
    },
  };
  const progress = options.progress ?? silentProgress;
  progress.start('apply views', registry.ordered.length);
  try {
    if (options.prune) await prune(ctx);
    for (const def of registry.ordered) {
      await ensureView(ctx, def);
      progress.advance(1);
    }
    // A declared view the catalog showed reading a dropped view, without declaring it, was dropped after its
    // turn came; create it now so the edge check below reports the real problem instead of "missing".
    for (const def of registry.ordered) {
      if (ctx.droppedHere.has(def.name)) await ensureView(ctx, def);
    }
    await refreshStaleMatviews(ctx);
    await checkEdges(ctx);
    await reconcileTriggers(ctx);
    // Delivered at commit: whatever read the old definitions (caches in every instance) must let go.
    if (report.ddl.length > 0) await client.query('select pg_notify($1, $2)', [VIEWS_APPLIED_CHANNEL, '']);
  } finally {
    progress.done();
  }
  if (report.ddl.length > 0) options.logger?.info(summary(report), 'views applied');
  return report;
}

async function ensureView(ctx: Context, def: ViewDef): Promise<void> {
  const live = (await liveRelations(ctx.client, [def.name])).get(def.name);
  const state = viewState(def, live, ctx.applied.get(def.name));
  if (state === 'in_sync') return;
  if (!live) {
    await createView(ctx, def);
    (ctx.droppedHere.delete(def.name) ? ctx.report.recreated : ctx.report.created).push(def.name);
    return;
  }
  if (live.kind !== 'view' && live.kind !== 'materialized') {
    throw new KgdbError('CONFLICT', {
      detail: `${def.name} exists as a ${live.kind}, not a view; the registry never drops tables. Rename one of them.`,
    });
  }
  if (state === 'drifted') ctx.report.drifted.push(def.name);
  if (def.kind === 'view' && live.kind === 'view' && (await appendsOnly(ctx.client, def))) {
    await ctx.exec(createViewSql(def, true));
    await recordApplied(ctx.client, def.name, def.kind, viewVersion(def));
    ctx.report.replaced.push(def.name);
    ctx.replacedInPlace.add(def.name);
    return;
  }
  await dropWithDependents(ctx, def.name, live.kind);
  await createView(ctx, def);
  ctx.droppedHere.delete(def.name);
  ctx.report.recreated.push(def.name);
}

/** Compares the live columns with what the new body would produce, without creating anything. */
async function appendsOnly(client: PoolClient, def: ViewDef): Promise<boolean> {
  const described = await client.query(describeSql(def));
  const next = described.fields.map((f) => ({
    name: f.name,
    typeOid: f.dataTypeID,
    typmod: f.dataTypeModifier,
  }));
  return isAppendOnly(await liveColumns(client, def.name), next);
}

/** Creates the view; a matview is populated here (WITH DATA) and gets its indexes, then counts as refreshed. */
async function createView(ctx: Context, def: ViewDef): Promise<void> {
  const started = performance.now();
  await ctx.exec(createViewSql(def));
  for (const ix of def.indexes ?? []) await ctx.exec(createIndexSql(def.name, ix));
  if (def.kind === 'materialized') await recordRefreshed(ctx.client, def.name, performance.now() - started);
  await recordApplied(ctx.client, def.name, def.kind, viewVersion(def));
}

/**
 * Drops `name` and every view that reads it according to the catalog (pg_depend), dependents first. Declared
 * dependents come back when their turn in topological order comes; an unknown one stops the apply unless
 * cascade. No DROP … CASCADE: a non-view dependent (a function taking the row type) makes the server refuse.
 */
async function dropWithDependents(ctx: Context, name: string, kind: 'view' | 'materialized'): Promise<void> {
  const dependents = await catalogDependents(ctx.client, name);
  const isPrunable = (n: string) =>
    ctx.options.prune === true && ctx.applied.has(n) && !ctx.registry.byName.has(n);
  const unknown = dependents.filter((d) => !ctx.registry.byName.has(d.name) && !isPrunable(d.name));
  if (unknown.length > 0 && !ctx.options.cascade) {
    const names = unknown.map((d) => `${d.kind === 'materialized' ? 'materialized view' : 'view'} ${d.name}`);
    throw new KgdbError('CONFLICT', {
      detail: `Cannot drop ${name}: the catalog shows ${names.join(', ')} reading it, and the view registry does not declare ${unknown.length === 1 ? 'it' : 'them'}. Declare ${unknown.length === 1 ? 'it' : 'them'}, or apply with --cascade to drop ${unknown.length === 1 ? 'it' : 'them'}.`,
    });
  }
  const forgotten: string[] = [];
  for (const d of dependents) {
    if (d.kind === 'other')
      throw new KgdbError('CONFLICT', { detail: `${d.name} depends on ${name} and is not a view` });
    await ctx.exec(dropViewSql(d.name, d.kind));
    ctx.droppedHere.add(d.name);
    if (!ctx.registry.byName.has(d.name)) forgotten.push(d.name);
  }
  await ctx.exec(dropViewSql(name, kind));
  ctx.droppedHere.add(name);
  if (!ctx.registry.byName.has(name)) forgotten.push(name);
  ctx.report.dropped.push(...forgotten);
  await forgetApplied(ctx.client, forgotten);
}

/** Drops views the registry created earlier and no longer declares (what reads them first). */
async function prune(ctx: Context): Promise<void> {
  const undeclared = [...ctx.applied.keys()].filter((n) => !ctx.registry.byName.has(n)).sort();
  const live = await liveRelations(ctx.client, undeclared);
  const gone = undeclared.filter((n) => !live.has(n));
  await forgetApplied(ctx.client, gone);
  for (const name of undeclared) {
    const rel = live.get(name);
    const kind = rel?.kind;
    if (ctx.droppedHere.has(name) || (kind !== 'view' && kind !== 'materialized')) continue;
    await dropWithDependents(ctx, name, kind);
  }
}

/** Matviews downstream of a view replaced in place still hold rows computed by the old SQL. */
async function refreshStaleMatviews(ctx: Context): Promise<void> {
  const stale = new Set([...ctx.replacedInPlace].flatMap((n) => ctx.registry.dependentsOf(n)));
  const fresh = new Set([...ctx.report.created, ...ctx.report.recreated]);
  for (const def of ctx.registry.ordered) {
    if (def.kind !== 'materialized' || !stale.has(def.name) || fresh.has(def.name)) continue;
    const started = performance.now();
    await ctx.exec(refreshSql(def.name, false));
    await recordRefreshed(ctx.client, def.name, performance.now() - started);
    ctx.report.refreshed.push(def.name);
  }
}

async function checkEdges(ctx: Context): Promise<void> {
  const names = ctx.registry.ordered.map((v) => v.name);
  const problems = edgeProblems(ctx.registry.ordered, await catalogDependencies(ctx.client, names));
  if (problems.length > 0) {
    throw new KgdbError('INVALID_INPUT', {
      detail: `View dependencies differ from the catalog:\n- ${problems.join('\n- ')}`,
    });
  }
}

/**
 * Every base table a declared view reads gets the statement-level notify trigger (the refresher and cache
 * invalidation listen); tables no view reads any more lose it. Views and foreign names get none.
 */
async function reconcileTriggers(ctx: Context): Promise<void> {
  const tables = await liveRelations(ctx.client, ctx.registry.baseTables);
  const wanted = new Set(ctx.registry.baseTables.filter((t) => tables.get(t)?.kind === 'table'));
  const present = new Set(await triggeredTables(ctx.client));
  for (const t of [...wanted].filter((t) => !present.has(t))) {
    await ctx.exec(createChangeTriggerSql(t));
    ctx.report.triggersAdded.push(t);
  }
  for (const t of [...present].filter((t) => !wanted.has(t))) {
    await ctx.exec(dropChangeTriggerSql(t));
    ctx.report.triggersRemoved.push(t);
  }
}
