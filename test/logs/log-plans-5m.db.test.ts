import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withIndexesRebuilt } from '../../src/db/bulk-load.js';
import { withClient } from '../../src/db/pool.js';
import { type LogQueryParams, parseLogQuery } from '../../src/logs/log-query.js';
import type { LogQuery } from '../../src/logs/log-repository.js';
import type { LogSortField } from '../../src/logs/log-sort.js';
import { buildBranchListsSql, needsBranchLists, toBranchLists } from '../../src/logs/views/log-branch-sql.js';
import { buildLogCountSql, buildLogPageSql } from '../../src/logs/views/log-list-sql.js';
import type { SqlQuery } from '../../src/logs/views/log-sql-base.js';
import { VIEW_LOG_RELATION } from '../../src/logs/views/view-log-repository.js';
import { silentProgress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { MATRIX_SORTS, type MatrixFilter, matrixFilters } from './admin-log-matrix.js';
import { ensureLogView } from './log-fixture.js';
import { insertGeneratedLogs } from './log-sql-rows.js';

// Every filter × sort first page of the views arm at 5,000,000 rows, judged by facts of its executed plans that
// a busy machine cannot change: which partitions and indexes it reads, how many rows and buffers. Never time.

const ROWS = 5_000_000;
/** Whole hours, so the data and the matrix's time ranges line up the same way every run. */
const NOW = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);

/** What one admin index of system_logs serves; each sort reads its own (plus the primary key). */
const SORT_INDEX: Record<LogSortField, string> = {
  timestamp: 'system_logs_adm_level_idx',
  level: 'system_logs_adm_level_idx',
  source: 'system_logs_adm_level_idx',
  path: 'system_logs_adm_path_idx',
  method: 'system_logs_adm_method_idx',
  status_code: 'system_logs_adm_status_idx',
  duration_ms: 'system_logs_adm_duration_idx',
};
const PRIMARY_KEY = 'system_logs_pkey';
const REQUEST_ID = 'system_logs_request_id_idx';

/**
 * Upper bounds on one first page's work: a few thousand rows and buffers, out of 5 M rows in ~70,000 heap
 * pages and ~200,000 index pages. The largest are an hour's rows read whole and sorted (a short time range with
 * the path or duration sort, log-branch-sql.ts) and the 23 (level, logger) branches of the path sort.
 */
const MAX_PAGE_BUFFERS = 8_000;
const MAX_PAGE_ROWS = 10_000;
const MAX_LISTS_BUFFERS = 2_000;
const MAX_COUNT_BUFFERS = 2_000;
/** A sequential scan is only ever acceptable on a partition this small (the empty weeks ahead, the default). */
const SMALL_PARTITION = 1_000;

let db: TestDatabase;
let requestId: string;
/** Partition and index names → their parent's, and each partition's bounds and row count. */
let indexParent: Map<string, string>;
let partitions: Map<string, { from: Date | null; to: Date | null; rows: number }>;

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

/** Every node that ran (a pruned or never-started child is not there, or has no loops). */
function nodesOf(plan: PlanNode): PlanNode[] {
  const children = (plan.Plans ?? []).flatMap(nodesOf);
  return plan['Actual Loops'] > 0 ? [plan, ...children] : children;
}

const buffers = (plan: PlanNode) => (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);

let statements = 0;
/**
 * The executed plan of the statement as production runs it: a named statement with bound values, planned
 * under the pool's plan_cache_mode (src/db/pool.ts) like the reader's own (src/logs/views/log-reader.ts). The
 * plan comes back from auto_explain (analyze, buffers, no timing) as a notice on the same connection.
 */
async function explain(sql: SqlQuery): Promise<PlanNode> {
  return withClient(db.pool, async (client) => {
    const plans: string[] = [];
    const onNotice = (notice: { message?: string }) => {
      const at = notice.message?.indexOf('plan:') ?? -1;
      if (notice.message && at >= 0) plans.push(notice.message.slice(at + 'plan:'.length));
    };
    client.on('notice', onNotice);
    try {
      await client.query(`load 'auto_explain'`);
      for (const setting of [
        'auto_explain.log_min_duration = 0',
        'auto_explain.log_analyze = on',
        'auto_explain.log_buffers = on',
        'auto_explain.log_timing = off',
        'auto_explain.log_format = json',
        'client_min_messages = log',
      ]) {
        await client.query(`set ${setting}`);
      }
      await client.query({ name: `plan_${statements++}`, text: sql.text, values: sql.values });
      await client.query('reset all');
    } finally {
      client.removeListener('notice', onNotice);
    }
    const plan = (JSON.parse(plans.at(-1) ?? '{}') as { Plan?: PlanNode }).Plan;
    if (!plan) throw new Error(`no plan for ${sql.text}`);
    return plan;
  });
}

interface Facts {
  /** Partitions read, by name. */
  partitions: Set<string>;
  /** Parent index names used on a partition holding more than SMALL_PARTITION rows. */
  indexes: Set<string>;
  /** Sequential scans of partitions holding more than SMALL_PARTITION rows. */
  bigSeqScans: string[];
  /** Rows all scan nodes returned, over all their loops. */
  rowsRead: number;
  buffers: number;
}

function factsOf(plan: PlanNode): Facts {
  const facts: Facts = {
    partitions: new Set(),
    indexes: new Set(),
    bigSeqScans: [],
    rowsRead: 0,
    buffers: buffers(plan),
  };
  for (const node of nodesOf(plan)) {
    const relation = node['Relation Name'];
    if (!relation || !partitions.has(relation)) continue;
    facts.partitions.add(relation);
    facts.rowsRead += node['Actual Rows'] * node['Actual Loops'];
    const big = (partitions.get(relation)?.rows ?? 0) > SMALL_PARTITION;
    if (node['Node Type'] === 'Seq Scan' && big) facts.bigSeqScans.push(relation);
    const index = node['Index Name'];
    if (index && big) facts.indexes.add(indexParent.get(index) ?? index);
  }
  return facts;
}

/** The partitions a time range may touch: those overlapping it, and the default one unless weeks cover it. */
function partitionsFor(range: NonNullable<MatrixFilter['range']>): Set<string> {
  const end = range.end ?? new Date(8.64e15);
  return new Set(
    [...partitions]
      .filter(([, p]) => p.from === null || (p.from <= end && (p.to === null || p.to > range.start)))
      .map(([name]) => name),
  );
}

async function plansOf(q: LogQuery) {
  let lists: ReturnType<typeof toBranchLists> | undefined;
  let listFacts: Facts | undefined;
  if (needsBranchLists(q)) {
    const sql = buildBranchListsSql(VIEW_LOG_RELATION, q);
    listFacts = factsOf(await explain(sql));
    const { rows } = await db.pool.query<Parameters<typeof toBranchLists>[0]>(sql.text, sql.values);
    lists = rows[0] && toBranchLists(rows[0]);
  }
  const page = factsOf(await explain(buildLogPageSql(VIEW_LOG_RELATION, q, lists)));
  const count = factsOf(await explain(buildLogCountSql(VIEW_LOG_RELATION, q, lists)));
  return { listFacts, page, count };
}

let seedMs = 0;
beforeAll(async () => {
  const started = performance.now();
  db = await createTestDatabase(2);
  await ensureLogView(db.pool);
  await withClient(db.pool, async (client) => {
    await client.query(
      `select kgdb_system_logs_ensure_partitions($1::timestamptz - interval '30 days', $1::timestamptz)`,
      [NOW],
    );
    // A throwaway database: without WAL the load and the index builds take a fifth less time. Plans are the same.
    const { rows: weeks } = await client.query<{ name: string }>(
      'select name from kgdb_system_logs_partitions()',
    );
    for (const { name } of weeks)
      await client.query(`alter table ${client.escapeIdentifier(name)} set unlogged`);
    await client.query("set maintenance_work_mem = '256MB'");
    // Two halves on two connections: the generation is CPU-bound, and the machine has two cores.
    const half = ROWS / 2;
    await withIndexesRebuilt(client, silentProgress, 'system_logs', () =>
      Promise.all([
        insertGeneratedLogs(client, ROWS, NOW, { last: half }),
        withClient(db.pool, (other) => insertGeneratedLogs(other, ROWS, NOW, { first: half + 1 })),
      ]),
    );
  });
  await db.pool.query('vacuum (analyze) system_logs');
  seedMs = performance.now() - started;
  const { rows: ids } = await db.pool.query<{ id: string }>(
    `select request_id as id from system_logs where request_id is not null and timestamp < $1::timestamptz - interval '10 days' limit 1`,
    [NOW],
  );
  requestId = ids[0]?.id ?? 'missing';
  const { rows: idx } = await db.pool.query<{ child: string; parent: string }>(
    `select c.relname as child, p.relname as parent
       from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where c.relkind = 'i'`,
  );
  indexParent = new Map(idx.map((r) => [r.child, r.parent]));
  const { rows: parts } = await db.pool.query<{
    name: string;
    from_ts: Date | null;
    to_ts: Date | null;
    rows: number;
  }>(
    `select p.name, p.from_ts, p.to_ts, greatest(c.reltuples, 0)::float8 as rows
       from kgdb_system_logs_partitions() p join pg_class c on c.relname = p.name`,
  );
  partitions = new Map(parts.map((r) => [r.name, { from: r.from_ts, to: r.to_ts, rows: r.rows }]));
}, 600_000);
afterAll(async () => {
  await db?.drop();
});

describe(`admin-log first pages at ${ROWS.toLocaleString('en')} rows`, { timeout: 600_000 }, () => {
  it('loaded the rows into weekly partitions, none into the default one', async () => {
    // Printed, not asserted: how long the 5 M rows took to generate, index and vacuum on this machine.
    process.stdout.write(
      `log-plans-5m: ${ROWS} rows generated, indexed and vacuumed in ${Math.round(seedMs)} ms\n`,
    );
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from system_logs_default');
    expect(rows[0]?.n).toBe(0);
    expect([...partitions.values()].filter((p) => p.rows > 0).length).toBeGreaterThanOrEqual(5);
  });

  for (const filter of matrixFilters(NOW, 'chosen after loading')) {
    it(`${filter.name}: every sort reads its own index in the partitions it needs, a bounded number of rows`, async () => {
      for (const sort of MATRIX_SORTS) {
        const params: LogQueryParams = {
          ...filter.params,
          ...sort,
          ...(filter.params.request_id && { request_id: requestId }),
        };
        const q = parseLogQuery(params);
        const label = `${filter.name}, ${sort.sort_by} ${sort.sort_order}`;
        const { listFacts, page, count } = await plansOf(q);
        for (const [what, facts, maxBuffers] of [
          ['page', page, MAX_PAGE_BUFFERS],
          ['count', count, MAX_COUNT_BUFFERS],
          ...(listFacts ? [['lists', listFacts, MAX_LISTS_BUFFERS] as const] : []),
        ] as const) {
          expect(facts.bigSeqScans, `${label}: ${what} seq scans`).toEqual([]);
          expect(facts.buffers, `${label}: ${what} buffers`).toBeLessThanOrEqual(maxBuffers);
          if (filter.range) {
            const allowed = partitionsFor(filter.range);
            expect(
              [...facts.partitions].filter((p) => !allowed.has(p)),
              `${label}: ${what} pruning`,
            ).toEqual([]);
          }
        }
        expect(page.rowsRead, `${label}: rows read`).toBeLessThanOrEqual(MAX_PAGE_ROWS);
        const own = q.requestId !== undefined ? REQUEST_ID : SORT_INDEX[q.sortBy];
        const others = [...page.indexes].filter((i) => i !== own && i !== PRIMARY_KEY);
        expect(others, `${label}: page indexes`).toEqual([]);
      }
    });
  }
});
