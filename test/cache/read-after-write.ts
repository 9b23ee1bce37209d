import type { TestDatabase } from '../helpers/db.js';
import { type CachedApp, UNSCORED, writeAndAwaitInvalidation } from './cache-fixture.js';

/**
 * The read-after-write loop of cache-invalidation.db.test.ts: random writes through plain SQL to tables the
 * cached routes read live, each followed (once its invalidation has arrived) by the read that must show it.
 */

/** A seeded PRNG (mulberry32): failures replay with the same sequence. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Read = (url: string, status?: number) => Promise<unknown>;

interface Step {
  /** Read first, so the entry the write has to clear is in the cache. */
  urls: string[];
  /** The table the write changes (its invalidation is what the read waits for). */
  table: 'genes' | 'gene_evidence';
  write(): Promise<void>;
  /** Reads after the invalidation; returns what was stale, or undefined. */
  check(read: Read): Promise<string | undefined>;
}

/** The randomized writes: each goes to a table a cached route reads live, and says what the read must show. */
export function stepMaker(
  pool: TestDatabase['pool'],
  ids: Map<string, number>,
  evidence: { id: string; symbol: string }[],
  random: () => number,
) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const names = new Map(UNSCORED.map((s) => [s, s] as const));
  const hpo = new Set<string>();
  let marker = 0;
  const setAliases = (key: string, value: string) =>
    pool.query('update genes set aliases = array[$1::text] where id = $2', [value, ids.get(key)]);

  const makers: Array<() => Step> = [
    // gene_evidence → gene_evidence namespace: the row's evidence_data as the evidence route shows it.
    () => {
      const row = pick(evidence);
      const m = ++marker;
      const url = `/api/genes/${row.symbol}/evidence`;
      return {
        table: 'gene_evidence',
        urls: [url],
        write: async () => {
          await pool.query(
            `update gene_evidence set evidence_data = evidence_data || jsonb_build_object('marker', $1::int) where id = $2::bigint`,
            [m, row.id],
          );
        },
        check: async (read) => {
          const body = (await read(url)) as {
            data: { id: string; attributes: { evidence_data: { marker?: number } } }[];
          };
          const got = body.data.find((d) => d.id === row.id)?.attributes.evidence_data.marker;
          return got === m ? undefined : `${url}: marker ${got}, wrote ${m}`;
        },
      };
    },
    // genes → gene_detail (an unscored gene is read live from genes through gene_list_detailed).
    () => {
      const key = pick(UNSCORED);
      const m = `a${++marker}`;
      const url = `/api/genes/${names.get(key)}`;
      return {
        table: 'genes',
        urls: [url],
        write: async () => {
          await setAliases(key, m);
        },
        check: async (read) => {
          const got = ((await read(url)) as { data: { attributes: { aliases: string[] } } }).data.attributes
            .aliases;
          return got.join() === m ? undefined : `${url}: aliases ${got}, wrote ${m}`;
        },
      };
    },
    // genes → gene_list (a list request that shows the unscored gene).
    () => {
      const key = pick(UNSCORED);
      const m = `l${++marker}`;
      const url = `/api/genes/?filter[hide_zero_scores]=false&filter[ids]=${ids.get(key)}`;
      return {
        table: 'genes',
        urls: [url],
        write: async () => {
          await setAliases(key, m);
        },
        check: async (read) => {
          const got = ((await read(url)) as { data: { attributes: { aliases: string[] } }[] }).data[0]
            ?.attributes.aliases;
          return got?.join() === m ? undefined : `${url}: aliases ${got}, wrote ${m}`;
        },
      };
    },
    // gene_evidence insert/delete → the evidence count of a gene.
    () => {
      const key = pick(UNSCORED);
      const url = `/api/genes/${names.get(key)}/evidence`;
      const had = hpo.has(key);
      return {
        table: 'gene_evidence',
        urls: [url],
        write: async () => {
          if (had)
            await pool.query(`delete from gene_evidence where gene_id = $1 and source_name = 'HPO'`, [
              ids.get(key),
            ]);
          else
            await pool.query(
              `insert into gene_evidence (gene_id, source_name, evidence_data) values ($1, 'HPO', '{"hpo_terms": ["HP:1"]}')`,
              [ids.get(key)],
            );
          if (had) hpo.delete(key);
          else hpo.add(key);
        },
        check: async (read) => {
          const got = ((await read(url)) as { meta: { evidence_count: number } }).meta.evidence_count;
          return got === (had ? 0 : 1) ? undefined : `${url}: evidence_count ${got}, expected ${had ? 0 : 1}`;
        },
      };
    },
    // genes rename → the old symbol is a 404 (detail and evidence; both were cached as found), the new one found.
    () => {
      const key = pick(UNSCORED);
      const old = names.get(key) as string;
      const next = `${key}_R${++marker}`;
      return {
        table: 'genes',
        urls: [`/api/genes/${old}`, `/api/genes/${old}/evidence`, `/api/genes/${next}`],
        write: async () => {
          await pool.query('update genes set approved_symbol = $1 where id = $2', [next, ids.get(key)]);
          names.set(key, next);
        },
        check: async (read) => {
          await read(`/api/genes/${old}`, 404);
          await read(`/api/genes/${old}/evidence`, 404);
          const body = (await read(`/api/genes/${next}/evidence`)) as { meta: { gene_symbol: string } };
          return body.meta.gene_symbol === next
            ? undefined
            : `rename ${old} → ${next}: ${body.meta.gene_symbol}`;
        },
      };
    },
  ];
  return () => pick(makers)();
}

export interface Lane {
  db: TestDatabase;
  ids: Map<string, number>;
  cached: CachedApp;
}

/** Runs `iterations` prime → write → invalidation → read steps; returns the stale reads and how many primes loaded. */
export async function runLane(lane: Lane, seed: number, iterations: number) {
  const { rows: evidence } = await lane.db.pool.query<{ id: string; symbol: string }>(
    `select ge.id::text as id, g.approved_symbol as symbol from gene_evidence ge join genes g on g.id = ge.gene_id`,
  );
  const next = stepMaker(lane.db.pool, lane.ids, evidence, prng(seed));
  const { app, caching } = lane.cached;
  const stale: string[] = [];
  const read: Read = async (url, status = 200) => {
    const res = await app.inject({ method: 'GET', url });
    if (res.statusCode !== status) stale.push(`${url}: status ${res.statusCode}, expected ${status}`);
    return res.json();
  };
  // The views arm's namespaces: a sampled comparison's legacy run reads legacy_gene_facts, not these.
  const loads = () =>
    caching.cache
      .stats()
      .namespaces.filter((ns) => ns.namespace !== 'legacy_gene_facts')
      .reduce((sum, ns) => sum + ns.misses + ns.bypassed, 0);
  let primed = 0;
  let primedLoads = 0;
  for (let i = 0; i < iterations; i++) {
    const step = next();
    // Load, then read again: the second read must come from memory, so the write below has something to clear.
    for (const url of step.urls) await app.inject({ method: 'GET', url });
    const before = loads();
    for (const url of step.urls) await app.inject({ method: 'GET', url });
    primed += step.urls.length;
    primedLoads += loads() - before;
    await writeAndAwaitInvalidation([caching.cache], `table:${step.table}`, () => step.write());
    const problem = await step.check(read);
    if (problem) stale.push(problem);
  }
  return { stale, primed, primedLoads };
}
