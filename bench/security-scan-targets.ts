/**
 * The security scan's targets: one per query, path and JSON-body parameter in the running server's
 * /openapi.json, each with a request that answers 2xx unmodified (values below, else from the schema).
 */

export interface Target {
  /** `GET /api/genes query:sort` */
  name: string;
  method: string;
  /** Sample request; a path parameter carries sqlmap's injection marker `*` after its value. */
  url: string;
  in: 'query' | 'path' | 'body';
  param: string;
  /** JSON body (required fields and the tested one), if the route takes one. */
  body?: Record<string, unknown>;
  /** Sent with the admin API token. */
  admin: boolean;
}

/** The five parameters most likely to reach SQL text: sort/filter builders and free-text matches. */
export const SHORT_TARGETS = [
  'GET /api/genes query:sort',
  'GET /api/genes query:filter[search]',
  'GET /api/genes/{gene_symbol} path:gene_symbol',
  'GET /api/admin/logs query:source',
  'GET /api/admin/logs query:sort_by',
];

/**
 * Not scanned: the login limit (10 a minute per address) would answer sqlmap with 429s; creating, publishing and
 * deleting a release change state once, so no request of theirs answers 2xx twice (their SQL binds every value;
 * the scan's release is created in dynamicSamples and its version scanned on every read route).
 */
const SKIPPED_ROUTES = new Set([
  'POST /api/auth/login',
  'POST /api/releases/',
  'POST /api/releases/{version}/publish',
  'DELETE /api/releases/{version}',
]);

/** The published release the release routes are scanned against. */
const SCAN_RELEASE = '2000.1';

/**
 * Query parameters sent with every target of a route (unless tested). The admin log's first page would
 * otherwise show the scan's own requests, a page sqlmap finds too dynamic to compare: it ends where the scan began.
 */
const BASE_QUERIES: Record<string, (now: Date) => [string, unknown][]> = {
  'GET /api/admin/logs': (now) => [['end_time', now.toISOString()]],
};

/** Body fields sent with every target of a route whose body needs at least one of its optional fields. */
const BASE_BODIES: Record<string, Record<string, unknown>> = {
  'PATCH /api/admin/feature-flags/{key}': { description: 'security scan' },
};

interface Schema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  anyOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  parameters?: { in: string; name: string; required?: boolean; schema?: Schema }[];
  requestBody?: { content: Record<string, { schema?: Schema }> };
  security?: unknown[];
}

/** Values that make each request succeed; keyed `route name` first, then `name`. */
function staticSamples(now: Date): Record<string, unknown> {
  const hourAgo = new Date(now.getTime() - 3_600_000).toISOString();
  return {
    'page[number]': 1,
    'page[size]': 20,
    'filter[search]': 'pkd',
    query: 'PKD1',
    queries: ['PKD1', 'HGNC:9009'],
    'filter[min_score]': 10,
    'filter[max_score]': 90,
    'filter[min_count]': 1,
    'filter[max_count]': 7,
    'filter[source]': 'PanelApp',
    'filter[tier]': 'comprehensive_support',
    'filter[group]': 'well_supported',
    'filter[ids]': '1,2,3',
    'filter[hide_zero_scores]': true,
    sort: '-evidence_score',
    gene_symbol: 'PKD1',
    sources: 'PanelApp,HPO',
    detail: false,
    level: 'INFO',
    source: 'kgdb.request',
    start_time: hourAgo,
    end_time: now.toISOString(),
    limit: 10,
    offset: 0,
    sort_by: 'timestamp',
    sort_order: 'desc',
    hours: 24,
    // Older than a year: nothing, so the baseline deletes no rows the other targets read.
    '/api/admin/logs/cleanup days': 365,
    window_seconds: 3600,
    '/api/admin/shadow-tests/validate-migration window_seconds': 86_400,
    samples: 5,
    sample: 0,
    samples_per_endpoint: 1,
    min_samples: 1,
    min_match_rate: 0.9,
    max_latency_ratio: 2,
    mode: 'ab',
    '/api/admin/shadow-tests/validate-migration source': 'live',
    namespace: 'gene_detail',
    key: 'enable_shadow_testing',
    // PATCH keeps the gradual flag gradual: its step, steps and percentage (one of the steps) stay valid.
    '/api/admin/feature-flags/{key} key': 'use_database_views',
    flag: 'enable_shadow_testing',
    reason: 'security scan',
    description: 'security scan',
    enabled: true,
    strategy: 'gradual',
    percentage: 10,
    step: 1,
    steps: [0, 10, 25, 50, 75, 100],
    auto_promote: false,
    bake_seconds: 600,
    '/api/admin/cache/warm sources': ['statistics'],
    force_refresh: false,
    page: 1,
    page_size: 10,
  };
}

async function getJson(url: string, token: string): Promise<unknown> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Values only the running server knows: an experiment name, a log cursor and request id, an event id, a cache key, a release. */
async function dynamicSamples(base: string, token: string): Promise<Record<string, unknown>> {
  const results = (await getJson(`${base}/api/admin/shadow-tests/results`, token)) as {
    experiments: { experiment: string }[];
  };
  const experiment = results.experiments[0]?.experiment ?? 'gene_list';
  const logs = (await getJson(`${base}/api/admin/logs/?limit=1`, token)) as {
    logs: { request_id: string | null }[];
    pagination: { next_cursor: string | null };
  };
  const events = (await getJson(
    `${base}/api/admin/feature-flags/enable_shadow_testing/events?limit=1`,
    token,
  )) as { data: { id: number }[] };
  await fetch(`${base}/api/genes/PKD1`); // puts PKD1 into gene_detail
  // 201, or 409 when a previous scan of this database made it already.
  await fetch(`${base}/api/releases/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ version: SCAN_RELEASE, publish: true }),
  });
  return {
    version: SCAN_RELEASE,
    a: SCAN_RELEASE,
    b: SCAN_RELEASE,
    experiment,
    endpoint: experiment,
    endpoints: [experiment],
    cursor: logs.pagination.next_cursor ?? '',
    request_id: logs.logs[0]?.request_id ?? '',
    before: (events.data[0]?.id ?? 1) + 1,
    '/api/admin/cache/{namespace}/{key} key': 'PKD1',
  };
}

function fromSchema(schema: Schema | undefined): unknown {
  if (!schema) return 'x';
  if (schema.anyOf?.[0]) return fromSchema(schema.anyOf[0]);
  if (schema.enum?.length) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (schema.type === 'integer' || schema.type === 'number') return schema.minimum ?? 1;
  if (schema.type === 'boolean') return true;
  if (schema.type === 'array') return [fromSchema(schema.items)];
  return 'x';
}

const encode = (value: unknown) => encodeURIComponent(String(value));

/** `?a=1&b=2` (each part percent-encoded), or '' for no pairs. */
function queryString(pairs: [string, unknown][]): string {
  return pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`;
}

type Sampler = (name: string, schema?: Schema) => unknown;

/** The targets of one operation: each path and query parameter, each JSON body property. */
function targetsOf(
  base: string,
  route: string,
  method: string,
  op: Operation,
  sample: Sampler,
  now: Date,
): Target[] {
  const params = op.parameters ?? [];
  const common = { method, admin: op.security !== undefined };
  const schemaOf = (name: string) => params.find((p) => p.name === name)?.schema;
  const urlWith = (marked: string | undefined, query: [string, unknown][]) =>
    base +
    route.replace(/\{([^}]+)\}/g, (_m, name: string) => {
      const value = encode(sample(name, schemaOf(name)));
      return name === marked ? `${value}*` : value;
    }) +
    queryString(query);
  // Required and base query parameters go with every target of the route (the tested one last).
  const requiredQuery = (except?: string): [string, unknown][] => [
    ...params
      .filter((p) => p.in === 'query' && p.required && p.name !== except)
      .map((p): [string, unknown] => [p.name, sample(p.name, p.schema)]),
    ...(BASE_QUERIES[`${method} ${route}`]?.(now) ?? []).filter(([name]) => name !== except),
  ];
  const bodySchema = Object.values(op.requestBody?.content ?? {})[0]?.schema;
  const required = {
    ...BASE_BODIES[`${method} ${route}`],
    ...Object.fromEntries(
      (bodySchema?.required ?? []).map((name) => [name, sample(name, bodySchema?.properties?.[name])]),
    ),
  };
  const body = bodySchema ? required : undefined;
  const targets: Target[] = [];
  for (const p of params) {
    const name = `${method} ${route} ${p.in}:${p.name}`;
    if (p.in === 'path') {
      targets.push({
        ...common,
        name,
        url: urlWith(p.name, requiredQuery()),
        in: 'path',
        param: p.name,
        body,
      });
    } else if (p.in === 'query') {
      const query: [string, unknown][] = [...requiredQuery(p.name), [p.name, sample(p.name, p.schema)]];
      targets.push({ ...common, name, url: urlWith(undefined, query), in: 'query', param: p.name, body });
    }
  }
  for (const [prop, schema] of Object.entries(bodySchema?.properties ?? {})) {
    targets.push({
      ...common,
      name: `${method} ${route} body:${prop}`,
      url: urlWith(undefined, requiredQuery()),
      in: 'body',
      param: prop,
      body: { ...required, [prop]: sample(prop, schema) },
    });
  }
  return targets;
}

/** Every parameter of every documented route (GETs first: the others change state), with sample requests. */
export async function buildTargets(base: string, token: string): Promise<Target[]> {
  const doc = (await (await fetch(`${base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, Operation>>;
  };
  const now = new Date();
  const samples = { ...staticSamples(now), ...(await dynamicSamples(base, token)) };
  const targets: Target[] = [];
  for (const [route, operations] of Object.entries(doc.paths)) {
    for (const [lower, op] of Object.entries(operations)) {
      const method = lower.toUpperCase();
      if (SKIPPED_ROUTES.has(`${method} ${route}`)) continue;
      const sample: Sampler = (name, schema) =>
        samples[`${route} ${name}`] ?? samples[name] ?? fromSchema(schema);
      targets.push(...targetsOf(base, route, method, op, sample, now));
    }
  }
  return targets.sort((a, b) => Number(a.method !== 'GET') - Number(b.method !== 'GET'));
}
