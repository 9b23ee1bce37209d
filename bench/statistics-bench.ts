/**
 * The statistics routes against a running server, cache misses and hits reported apart.
 *
 *   KGDB_TOKEN=<admin token> npx tsx bench/statistics-bench.ts [--url http://127.0.0.1:8000] [--runs 10]
 *
 * Per request variant: --runs misses (the `statistics` cache namespace cleared through the admin API before each)
 * and --runs hits (the same request again). Reports min / p50 / max of the handler's own `meta.query_duration_ms`
 * (SQL and shaping) and of the client's wall time. Results to stdout.
 */
const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at === -1 ? fallback : (args[at + 1] ?? fallback);
};
const base = option('url', 'http://127.0.0.1:8000');
const runs = Number(option('runs', '10'));
const token = process.env.KGDB_TOKEN;
if (!token || !Number.isInteger(runs) || runs < 1) {
  console.error(
    'usage: KGDB_TOKEN=<admin token> npx tsx bench/statistics-bench.ts [--url URL] [--runs N ≥ 1]',
  );
  process.exit(2);
}

const VARIANTS = [
  '/api/statistics/evidence-composition',
  '/api/statistics/evidence-composition?filter[hide_zero_scores]=false',
  '/api/statistics/evidence-composition?filter[tier]=comprehensive_support,minimal_evidence',
  '/api/statistics/source-distributions',
  '/api/statistics/source-distributions?filter[hide_zero_scores]=false',
  '/api/statistics/source-distributions?filter[tier]=comprehensive_support,minimal_evidence',
  '/api/statistics/source-overlaps',
  '/api/statistics/summary',
];

async function clearCache(): Promise<void> {
  const res = await fetch(`${base}/api/admin/cache/statistics`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${token}` },
  });
  if (!res.ok) throw new Error(`clearing the statistics cache: ${res.status} ${await res.text()}`);
}

async function timed(path: string): Promise<{ handler: number; wall: number }> {
  const started = performance.now();
  const res = await fetch(`${base}${path}`);
  const body = (await res.json()) as { meta?: { query_duration_ms?: number } };
  const wall = performance.now() - started;
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body)}`);
  return { handler: body.meta?.query_duration_ms ?? Number.NaN, wall };
}

const summary = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return [sorted[0], at(0.5), sorted[sorted.length - 1]].map((v) => (v ?? Number.NaN).toFixed(1)).join(' / ');
};

console.log(`${base}, ${runs} runs each; min / p50 / max in ms`);
console.log('| request | miss: handler | miss: wall | hit: wall |');
console.log('|---|---:|---:|---:|');
for (const path of VARIANTS) {
  const misses: { handler: number; wall: number }[] = [];
  const hits: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    await clearCache();
    misses.push(await timed(path));
    hits.push((await timed(path)).wall);
  }
  console.log(
    `| \`${path.replace('/api/statistics/', '')}\` | ${summary(misses.map((m) => m.handler))} | ${summary(misses.map((m) => m.wall))} | ${summary(hits)} |`,
  );
}
