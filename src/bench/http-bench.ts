import { createRequire } from 'node:module';
import { createHistogram } from 'node:perf_hooks';
import { KgdbError } from '../errors.js';
import { type Progress, silentProgress } from '../progress.js';
import type { ArmName, ArmServer, CacheCounts, NamespaceCounts } from './arm-server.js';
import { uniqueUrls } from './unique-urls.js';

/**
 * Glossary (docs/benchmarks.md)
 * - server: one real HTTP server per arm, each in its own child process (arm-server.ts); autocannon, the load
 *   generator, runs in this process. One load at a time; the other server idles.
 * - case: what the load asks for. one-url: the default page again and again (after the first request, cache
 *   hits where the arm caches its answers); unique-url: a new URL every request (unique-urls.ts, misses);
 *   304: the default page with If-None-Match set to its ETag.
 * - run: one case on one server at one concurrency for the set duration, measured from the client (autocannon)
 *   and the server (its cache counters read before and after).
 */

const HTTP_CASES = ['one-url', 'unique-url', '304'] as const;
type HttpCaseName = (typeof HTTP_CASES)[number];

const DEFAULT_PAGE = '/api/genes/';

/** Where each arm keeps its list answers: the namespace whose hit ratio says whether a run hit or missed. */
const ANSWER_NAMESPACE: Record<ArmName, string | null> = { views: 'gene_list', legacy: null };

export interface HttpBenchOptions {
  /** Concurrent connections, one run per value and case and arm. */
  connections: number[];
  durationSeconds: number;
  /** An untimed run of this many seconds per case and arm before its first timed one; 0 = none. */
  warmupSeconds: number;
}

interface Latency {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface RunResult {
  connections: number;
  /** Responses received during the run (autocannon does not wait for those still in flight at its end). */
  responses: number;
  duration_s: number;
  req_per_s: number;
  /** null: no response arrived within the run (a first request slower than the whole run). */
  latency_ms: Latency | null;
  /** Connection errors, timeouts not included. */
  errors: number;
  /** No response within autocannon's 10 s. */
  timeouts: number;
  /** Responses with another status than the case expects (200; 304 for the 304 case). */
  unexpected_status: number;
  status_codes: Record<string, number>;
  /** Response bytes (headers and body) per second. */
  bytes_per_s: number;
  cache: {
    /** The namespace holding the arm's list answers; null: the arm does not cache them. */
    answer_namespace: string | null;
    /** hits / (hits + misses + bypassed) in that namespace during the run; null when it has none. */
    hit_ratio: number | null;
    /** Every namespace read during the run, counted on the server. */
    namespaces: CacheCounts;
  };
}

export interface Unsupported {
  supported: false;
  reason: string;
}

export interface RunPair {
  connections: number;
  /** Which arm ran first (alternates from one pair to the next). */
  first: ArmName;
  legacy: RunResult | Unsupported;
  views: RunResult | Unsupported;
  /** views / legacy; null when either arm could not run. */
  views_over_legacy: { req_per_s: number; p50: number } | null;
}

export interface HttpCaseResult {
  name: HttpCaseName;
  description: string;
  expected_status: number;
  runs: RunPair[];
}

export interface HttpBenchReport {
  started_at: string;
  /** The command that reproduces the run (output options left out). */
  command: string;
  dataset: { genes: number; evidence: number; scored_genes: number; database: string };
  environment: {
    node: string;
    postgres: string;
    platform: string;
    cpu: string;
    memory_gb: number;
    /** One-minute load average before the first run: what else the machine was doing (the runs add their own). */
    load_average: number;
    pool_size: number;
    redis: boolean;
  };
  options: { connections: number[]; duration_s: number; warmup_s: number };
  cases: HttpCaseResult[];
}

// ---- autocannon -------------------------------------------------------------------------------------------

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  headers?: Record<string, string>;
  requests?: { method: 'GET'; setupRequest: (request: { path: string }) => { path: string } }[];
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
  on(event: 'tick', listener: () => void): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

/** Loaded on first use: autocannon is a devDependency, and only this mode needs it. */
function loadAutocannon(): Autocannon {
  try {
    return createRequire(import.meta.url)('autocannon') as Autocannon;
  } catch (raw) {
    throw new KgdbError('UNAVAILABLE', {
      detail: 'the HTTP benchmark needs autocannon, a devDependency: run npm install in the checkout',
      cause: raw,
    });
  }
}

interface Load {
  server: ArmServer;
  connections: number;
  seconds: number;
  headers?: Record<string, string>;
  /** A new path per request; absent: the default page every time. */
  nextPath?: () => string;
}

interface ClientSide {
  responses: number;
  duration_s: number;
  statuses: Map<number, number>;
  bytes: number;
  errors: number;
  timeouts: number;
  latency: Latency | null;
}

/**
 * One autocannon run. Latencies come from its per-response event at microsecond resolution (its own
 * histogram keeps whole milliseconds, too coarse for a cache hit); `tick` is once a second.
 */
function runLoad(autocannon: Autocannon, load: Load, progress: Progress): Promise<ClientSide> {
  const histogram = createHistogram();
  const statuses = new Map<number, number>();
  let bytes = 0;
  return new Promise((resolve, reject) => {
    const nextPath = load.nextPath;
    const instance = autocannon(
      {
        url: `${load.server.origin}${DEFAULT_PAGE}`,
        connections: load.connections,
        duration: load.seconds,
        ...(load.headers && { headers: load.headers }),
        ...(nextPath && { requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: nextPath() }) }] }),
      },
      (err, result) => {
        if (err) return reject(err);
        const ms = (p: number) => Math.round(histogram.percentile(p)) / 1000;
        resolve({
          responses: histogram.count,
          duration_s: result.duration,
          statuses,
          bytes,
          errors: result.errors - result.timeouts,
          timeouts: result.timeouts,
          latency:
            histogram.count === 0
              ? null
              : { p50: ms(50), p90: ms(90), p99: ms(99), max: histogram.max / 1000 },
        });
      },
    );
    instance.on('response', (_client, status, size, ms) => {
      histogram.record(Math.max(1, Math.round(ms * 1000)));
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      bytes += size;
    });
    instance.on('tick', () => progress.advance(1));
  });
}

// ---- runs -------------------------------------------------------------------------------------------------

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
/** Ratios span 0.001 to 1000: three significant digits keep both ends. */
const significant = (x: number) => Number(x.toPrecision(3));

/** What changed between two readings of a server's cache counters, namespaces that did not move left out. */
export function countsBetween(before: CacheCounts, after: CacheCounts): CacheCounts {
  const out: CacheCounts = {};
  for (const [ns, a] of Object.entries(after)) {
    const b: NamespaceCounts = before[ns] ?? { hits: 0, misses: 0, bypassed: 0 };
    const d = { hits: a.hits - b.hits, misses: a.misses - b.misses, bypassed: a.bypassed - b.bypassed };
    if (d.hits + d.misses + d.bypassed > 0) out[ns] = d;
  }
  return out;
}

function hitRatio(counts: CacheCounts, namespace: string | null): number | null {
  const ns = namespace === null ? undefined : counts[namespace];
  if (!ns) return null;
  const reads = ns.hits + ns.misses + ns.bypassed;
  return reads === 0 ? null : round(ns.hits / reads, 4);
}

/** A measured run: the server settles afterwards, and its counters are read around the load and settling. */
async function measure(
  autocannon: Autocannon,
  load: Load,
  expectedStatus: number,
  progress: Progress,
): Promise<RunResult> {
  const before = await load.server.cacheCounts();
  const client = await runLoad(autocannon, load, progress);
  // Requests in flight when the load stopped still run on the server and read its cache: they count too.
  await load.server.settle();
  const namespaces = countsBetween(before, await load.server.cacheCounts());
  const answerNamespace = ANSWER_NAMESPACE[load.server.arm];
  const statusCodes = Object.fromEntries([...client.statuses].sort(([a], [b]) => a - b));
  return {
    connections: load.connections,
    responses: client.responses,
    duration_s: client.duration_s,
    req_per_s: round(client.responses / client.duration_s, 1),
    latency_ms: client.latency,
    errors: client.errors,
    timeouts: client.timeouts,
    unexpected_status: client.responses - (client.statuses.get(expectedStatus) ?? 0),
    status_codes: statusCodes,
    bytes_per_s: Math.round(client.bytes / client.duration_s),
    cache: {
      answer_namespace: answerNamespace,
      hit_ratio: hitRatio(namespaces, answerNamespace),
      namespaces,
    },
  };
}

/** One GET of the default page, which must answer 200: its ETag, if it sends one. */
async function probe(server: ArmServer): Promise<string | null> {
  // Uncompressed, as autocannon asks (fetch would offer gzip and br): the tag its requests can match.
  const res = await fetch(`${server.origin}${DEFAULT_PAGE}`, { headers: { 'accept-encoding': 'identity' } });
  const body = await res.text();
  if (res.status !== 200) {
    throw new Error(
      `the ${server.arm} server answered GET ${DEFAULT_PAGE} ${res.status}: ${body.slice(0, 300)}`,
    );
  }
  return res.headers.get('etag');
}

interface CaseLoad {
  expectedStatus: number;
  /** The load's shape on one server, or why the case cannot run there. */
  shape(server: ArmServer): Promise<Pick<Load, 'headers' | 'nextPath'> | Unsupported>;
}

const CASE_DESCRIPTIONS: Record<HttpCaseName, string> = {
  'one-url': `GET ${DEFAULT_PAGE} every request`,
  'unique-url': 'GET /api/genes/ with sort, page size, page and filter[min_score] new on every request',
  '304': `GET ${DEFAULT_PAGE} with If-None-Match: its ETag`,
};

function caseLoad(name: HttpCaseName): CaseLoad {
  if (name === 'one-url') return { expectedStatus: 200, shape: async () => ({}) };
  if (name === 'unique-url') {
    // One cursor per server for the whole bench: a URL one run sent is never sent to that server again.
    const cursors = new Map<ArmName, () => string>();
    return {
      expectedStatus: 200,
      shape: async (server) => {
        const next = cursors.get(server.arm) ?? uniqueUrls();
        cursors.set(server.arm, next);
        return { nextPath: next };
      },
    };
  }
  return {
    expectedStatus: 304,
    shape: async (server) => {
      const etag = await probe(server);
      return etag === null
        ? { supported: false, reason: `GET ${DEFAULT_PAGE} sends no ETag` }
        : { headers: { 'if-none-match': etag } };
    },
  };
}

const isRun = (r: RunResult | Unsupported): r is RunResult => !('supported' in r);

function ratios(legacy: RunResult | Unsupported, views: RunResult | Unsupported) {
  if (!isRun(legacy) || !isRun(views) || !legacy.latency_ms || !views.latency_ms) return null;
  return {
    req_per_s: significant(views.req_per_s / legacy.req_per_s),
    p50: significant(views.latency_ms.p50 / legacy.latency_ms.p50),
  };
}

/**
 * Every case on both servers: per case an untimed warm-up on each, then for each concurrency a pair of runs,
 * one per arm, back to back, the arm that goes first alternating from pair to pair so neither always inherits
 * the other's aftermath (each server settles after its run, so none is left running).
 */
export async function runHttpBench(
  servers: Record<ArmName, ArmServer>,
  options: HttpBenchOptions,
  progress: Progress = silentProgress,
): Promise<HttpCaseResult[]> {
  const autocannon = loadAutocannon();
  // Fails before any load when an arm cannot answer; on the views server it also caches the default page.
  for (const server of Object.values(servers)) await probe(server);
  const perArm = options.warmupSeconds + options.connections.length * options.durationSeconds;
  progress.start('HTTP benchmark (seconds of load)', HTTP_CASES.length * 2 * perArm);
  const results: HttpCaseResult[] = [];
  let pair = 0;
  for (const name of HTTP_CASES) {
    const load = caseLoad(name);
    const shapes = {} as Record<ArmName, Awaited<ReturnType<CaseLoad['shape']>>>;
    for (const arm of ['legacy', 'views'] as const) {
      const server = servers[arm];
      const shape = await load.shape(server);
      shapes[arm] = shape;
      if ('supported' in shape) progress.advance(perArm);
      else if (options.warmupSeconds > 0) {
        const first = options.connections[0] ?? 1;
        await runLoad(
          autocannon,
          { server, connections: first, seconds: options.warmupSeconds, ...shape },
          progress,
        );
        await server.settle();
      }
    }
    const runs: RunPair[] = [];
    for (const connections of options.connections) {
      const order: ArmName[] = pair++ % 2 === 0 ? ['legacy', 'views'] : ['views', 'legacy'];
      const got = {} as Record<ArmName, RunResult | Unsupported>;
      for (const arm of order) {
        const shape = shapes[arm];
        got[arm] =
          'supported' in shape
            ? shape
            : await measure(
                autocannon,
                { server: servers[arm], connections, seconds: options.durationSeconds, ...shape },
                load.expectedStatus,
                progress,
              );
      }
      runs.push({
        connections,
        first: order[0] as ArmName,
        legacy: got.legacy,
        views: got.views,
        views_over_legacy: ratios(got.legacy, got.views),
      });
    }
    results.push({ name, description: CASE_DESCRIPTIONS[name], expected_status: load.expectedStatus, runs });
  }
  progress.done();
  return results;
}
