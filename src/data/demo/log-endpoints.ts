/**
 * The request mix of the demo system_logs: kgdb's own routes with a share of traffic, a median latency and
 * the error statuses each one realistically returns. Weights are relative; the gene routes dominate, as a
 * public gene browser's traffic does, followed by probes and metric scrapes.
 */
export interface LogEndpoint {
  method: 'GET' | 'POST';
  /** Route pattern; `{symbol}` is filled with a gene symbol. Goes to context.endpoint. */
  pattern: string;
  weight: number;
  logger: string;
  /** Goes to context.action, which admin_logs_filtered exposes as a column. */
  action: string;
  medianMs: number;
  /** Who calls it: anyone, probes and scrapers, or a signed-in user (admin routes need the admin). */
  caller: 'public' | 'probe' | 'scraper' | 'user' | 'admin';
  /** [status, probability] of non-2xx outcomes; the rest is 200. */
  errors: readonly (readonly [number, number])[];
  /** Message of a successful call (path already filled in). */
  ok: (path: string) => string;
}

const SERVER_ERRORS = [
  [500, 0.002],
  [503, 0.001],
] as const;

export const LOG_ENDPOINTS: readonly LogEndpoint[] = [
  {
    method: 'GET',
    pattern: '/api/genes/',
    weight: 28,
    logger: 'app.api.genes',
    action: 'list_genes',
    medianMs: 35,
    caller: 'public',
    errors: [[400, 0.02], [429, 0.002], ...SERVER_ERRORS],
    ok: () => 'Listed genes',
  },
  {
    method: 'GET',
    pattern: '/api/genes/{symbol}',
    weight: 16,
    logger: 'app.api.genes',
    action: 'get_gene',
    medianMs: 12,
    caller: 'public',
    errors: SERVER_ERRORS,
    ok: (path) => `Gene ${path.split('/')[3]} retrieved`,
  },
  {
    method: 'GET',
    pattern: '/api/genes/{symbol}/evidence',
    weight: 10,
    logger: 'app.api.genes',
    action: 'get_gene_evidence',
    medianMs: 25,
    caller: 'public',
    errors: SERVER_ERRORS,
    ok: (path) => `Evidence for ${path.split('/')[3]} retrieved`,
  },
  {
    method: 'GET',
    pattern: '/api/statistics/summary',
    weight: 5,
    logger: 'app.api.statistics',
    action: 'statistics_summary',
    medianMs: 80,
    caller: 'public',
    errors: SERVER_ERRORS,
    ok: () => 'Statistics summary computed',
  },
  {
    method: 'GET',
    pattern: '/api/statistics/source-overlaps',
    weight: 2,
    logger: 'app.api.statistics',
    action: 'source_overlaps',
    medianMs: 120,
    caller: 'public',
    errors: SERVER_ERRORS,
    ok: () => 'Source overlaps computed',
  },
  {
    method: 'GET',
    pattern: '/health',
    weight: 14,
    logger: 'app.api.health',
    action: 'health_check',
    medianMs: 2,
    caller: 'probe',
    errors: [[503, 0.0005]],
    ok: () => 'Health check passed',
  },
  {
    method: 'GET',
    pattern: '/metrics',
    weight: 6,
    logger: 'app.api.metrics',
    action: 'scrape_metrics',
    medianMs: 4,
    caller: 'scraper',
    errors: [],
    ok: () => 'Metrics scraped',
  },
  {
    method: 'GET',
    pattern: '/version',
    weight: 1,
    logger: 'app.api.health',
    action: 'version',
    medianMs: 1,
    caller: 'public',
    errors: [],
    ok: () => 'Version reported',
  },
  {
    method: 'POST',
    pattern: '/api/auth/login',
    weight: 2.5,
    logger: 'app.api.auth',
    action: 'login',
    // Password hashing dominates the login time on purpose.
    medianMs: 180,
    caller: 'user',
    errors: [[401, 0.12], [422, 0.02], [429, 0.01], ...SERVER_ERRORS],
    ok: () => 'User logged in',
  },
  {
    method: 'GET',
    pattern: '/api/auth/me',
    weight: 2,
    logger: 'app.api.auth',
    action: 'get_current_user',
    medianMs: 6,
    caller: 'user',
    errors: [[401, 0.08]],
    ok: () => 'Current user returned',
  },
  {
    method: 'GET',
    pattern: '/api/admin/logs/',
    weight: 1.5,
    logger: 'app.api.admin.logs',
    action: 'query_logs',
    medianMs: 45,
    caller: 'admin',
    errors: [[400, 0.01], [401, 0.03], [403, 0.03], ...SERVER_ERRORS],
    ok: () => 'System logs queried',
  },
  {
    method: 'GET',
    pattern: '/api/admin/logs/statistics',
    weight: 0.5,
    logger: 'app.api.admin.logs',
    action: 'log_statistics',
    medianMs: 150,
    caller: 'admin',
    errors: [[401, 0.03], [403, 0.03], ...SERVER_ERRORS],
    ok: () => 'Log statistics computed',
  },
  {
    method: 'GET',
    pattern: '/api/admin/feature-flags/',
    weight: 0.6,
    logger: 'app.api.admin.flags',
    action: 'list_flags',
    medianMs: 5,
    caller: 'admin',
    errors: [
      [401, 0.03],
      [403, 0.03],
    ],
    ok: () => 'Feature flags listed',
  },
  {
    method: 'POST',
    pattern: '/api/admin/views/refresh',
    weight: 0.15,
    logger: 'app.api.admin.views',
    action: 'refresh_views',
    medianMs: 900,
    caller: 'admin',
    errors: [[401, 0.03], [403, 0.03], [409, 0.05], ...SERVER_ERRORS],
    ok: () => 'Materialized views refreshed',
  },
];

/** What a 4xx/5xx carries: error_type and error_message as the error handler logs them. */
export const ERROR_DETAILS: Readonly<Record<number, readonly (readonly [string, string])[]>> = {
  400: [
    ['InvalidParameter', "Unknown sort field 'scroe'. Allowed: id, symbol, approved_symbol, hgnc_id, score"],
    ['InvalidParameter', 'page[size] must be between 1 and 100'],
  ],
  401: [['Unauthorized', 'Authentication required']],
  403: [['Forbidden', 'Admin role required']],
  404: [['GeneNotFound', 'Gene not found']],
  409: [['Conflict', 'A refresh of gene_scores is already running']],
  422: [['ValidationError', 'Field required: password']],
  429: [['RateLimited', 'Rate limit exceeded, retry in 60 seconds']],
  500: [
    ['DatabaseError', 'could not serialize access due to concurrent update'],
    ['TypeError', "Cannot read properties of undefined (reading 'source_scores')"],
  ],
  503: [
    ['QueryCanceled', 'canceling statement due to statement timeout'],
    ['PoolExhausted', 'timeout exceeded when trying to connect'],
  ],
};

/** Symbols that look like gene requests but match no gene (typos, guesses): they end in 404. */
export const UNKNOWN_SYMBOLS = [
  'PKD11',
  'NPSH1',
  'COL4A7',
  'UMDO',
  'HNF1C',
  'CEP2900',
  'foo',
  'test',
] as const;

export const BROWSER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
  'python-requests/2.32.3',
  'curl/8.5.0',
  'axios/1.7.2',
  'R (4.4.1 x86_64-pc-linux-gnu) httr/1.4.7',
] as const;

export const PROBE_AGENT = 'kube-probe/1.30';
export const SCRAPER_AGENT = 'Prometheus/2.53.0';
