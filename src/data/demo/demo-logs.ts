import { syntheticSymbol } from './demo-genes.js';
import { KIDNEY_GENES } from './kidney-genes.js';
import { backgroundEvent, stackTrace } from './log-background.js';
import {
  BROWSER_AGENTS,
  ERROR_DETAILS,
  LOG_ENDPOINTS,
  type LogEndpoint,
  PROBE_AGENT,
  SCRAPER_AGENT,
  UNKNOWN_SYMBOLS,
} from './log-endpoints.js';
import { logTimestamp } from './log-time.js';
import { type Rng, rngFor, STREAMS } from './rng.js';

/** One system_logs row (timestamp as epoch ms; id comes from the table's identity). */
export interface LogRow {
  timestamp_ms: number;
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  logger: string;
  message: string;
  context: Record<string, unknown>;
  request_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  path: string | null;
  method: string | null;
  user_id: number | null;
  status_code: number | null;
  duration_ms: number | null;
  error_type: string | null;
  error_message: string | null;
  stack_trace: string | null;
}

/** Ids of the demo accounts the logs attribute signed-in requests to (undefined when absent). */
export interface LogUsers {
  admin: number | undefined;
  others: readonly number[];
}

/** Everything shared by all rows of one run, computed once; each row is then a pure function of its index. */
export interface LogPlan {
  seed: number;
  total: number;
  nowMs: number;
  geneCount: number;
  users: LogUsers;
  clients: readonly { ip: string; agent: string }[];
  cumulativeWeights: readonly number[];
}

/** Share of rows from background work rather than requests (admin_logs_filtered leaves them out). */
const BACKGROUND_SHARE = 0.08;
/** Share of request rows written by the request middleware rather than the route's own logger. */
const MIDDLEWARE_SHARE = 0.35;
const CLIENTS = 400;

/** Distinct callers (documentation address ranges, RFC 5737), each with a fixed user agent. */
function demoClients(seed: number): { ip: string; agent: string }[] {
  const nets = ['203.0.113', '198.51.100', '192.0.2'];
  return Array.from({ length: CLIENTS }, (_, c) => {
    const rng = rngFor(seed, STREAMS.client, c);
    return { ip: `${nets[c % 3]}.${1 + Math.floor(c / 3)}`, agent: rng.pick(BROWSER_AGENTS) };
  });
}

export function logPlan(
  seed: number,
  total: number,
  nowMs: number,
  geneCount: number,
  users: LogUsers,
): LogPlan {
  let sum = 0;
  const cumulativeWeights = LOG_ENDPOINTS.map((e) => {
    sum += e.weight;
    return sum;
  });
  return { seed, total, nowMs, geneCount, users, clients: demoClients(seed), cumulativeWeights };
}

function pickEndpoint(rng: Rng, plan: LogPlan): LogEndpoint {
  const last = plan.cumulativeWeights[plan.cumulativeWeights.length - 1] as number;
  const u = rng.float() * last;
  let i = 0;
  while (i < LOG_ENDPOINTS.length - 1 && u >= (plan.cumulativeWeights[i] as number)) i++;
  return LOG_ENDPOINTS[i] as LogEndpoint;
}

/** Requested symbols: real genes Zipf-like (PKD1 most), some synthetic ones, some that match nothing. */
function pickSymbol(rng: Rng, geneCount: number): { symbol: string; known: boolean } {
  const real = Math.min(geneCount, KIDNEY_GENES.length);
  const u = rng.float();
  if (u < 0.05 || geneCount === 0) return { symbol: rng.pick(UNKNOWN_SYMBOLS), known: false };
  if (u < 0.2 && geneCount > real)
    return { symbol: syntheticSymbol(rng.int(0, geneCount - real - 1)), known: true };
  const rank = Math.min(real - 1, Math.floor(rng.pareto(1, 0.6)) - 1);
  const symbol = KIDNEY_GENES[rank]?.symbol ?? 'PKD1';
  // Symbol lookups are case-insensitive, and some clients send lower case.
  return { symbol: rng.chance(0.1) ? symbol.toLowerCase() : symbol, known: true };
}

function pickStatus(rng: Rng, endpoint: LogEndpoint, found: boolean): number {
  if (!found) return 404;
  let u = rng.float();
  for (const [status, p] of endpoint.errors) {
    u -= p;
    if (u < 0) return status;
  }
  return 200;
}

function anyUser(rng: Rng, users: LogUsers): number | null {
  return users.others.length > 0 ? rng.pick(users.others) : (users.admin ?? null);
}

function pickUser(rng: Rng, endpoint: LogEndpoint, status: number, users: LogUsers): number | null {
  if (status === 401 || status === 422) return null;
  if (endpoint.caller === 'admin') return status === 403 ? anyUser(rng, users) : (users.admin ?? null);
  if (endpoint.caller === 'user') return status < 400 ? anyUser(rng, users) : null;
  if (endpoint.caller === 'public') return rng.chance(0.06) ? anyUser(rng, users) : null;
  return null;
}

function levelOf(status: number, endpoint: LogEndpoint): LogRow['level'] {
  if (status >= 500) return 'ERROR';
  if (status >= 400) return 'WARNING';
  return endpoint.caller === 'probe' || endpoint.caller === 'scraper' || endpoint.action === 'version'
    ? 'DEBUG'
    : 'INFO';
}

const ROUTE_FRAMES = [
  'handler (file:///app/src/http/routes.ts',
  'preHandlerCallback (file:///app/node_modules/fastify/lib/handleRequest.js',
  'process.processTicksAndRejections (node:internal/process/task_queues',
] as const;

function requestRow(rng: Rng, plan: LogPlan, timestamp: number): LogRow {
  const endpoint = pickEndpoint(rng, plan);
  const needsSymbol = endpoint.pattern.includes('{symbol}');
  const { symbol, known } = needsSymbol ? pickSymbol(rng, plan.geneCount) : { symbol: '', known: true };
  const path = endpoint.pattern.replace('{symbol}', symbol);
  const status = pickStatus(rng, endpoint, known);
  const error =
    status >= 400 ? rng.pick(ERROR_DETAILS[status] ?? [['HttpError', `HTTP ${status}`]]) : undefined;
  const timedOut = error?.[0] === 'QueryCanceled';
  // Latency is log-normal around the route's median; 4xx fail fast, statement timeouts hit the 30 s limit.
  const raw = timedOut
    ? 30_000 + rng.float() * 40
    : rng.logNormal(endpoint.medianMs, 0.6) * (error ? 0.5 : 1);
  const duration = Math.round(raw * 100) / 100;
  const client =
    endpoint.caller === 'probe'
      ? { ip: `10.0.0.${rng.int(1, 3)}`, agent: PROBE_AGENT }
      : endpoint.caller === 'scraper'
        ? { ip: '10.0.0.50', agent: SCRAPER_AGENT }
        : (plan.clients[Math.min(CLIENTS - 1, Math.floor(rng.pareto(1, 0.8)) - 1)] ?? plan.clients[0]);
  const middleware = rng.chance(MIDDLEWARE_SHARE);
  const context: Record<string, unknown> = { action: endpoint.action, endpoint: endpoint.pattern };
  if (needsSymbol) context.symbol = symbol;
  return {
    timestamp_ms: timestamp,
    level: levelOf(status, endpoint),
    logger: middleware ? 'app.middleware.request' : endpoint.logger,
    message: middleware
      ? `${endpoint.method} ${path} ${status} ${Math.round(duration)} ms`
      : error
        ? `${error[0]}: ${error[1]}`
        : endpoint.ok(path),
    context,
    request_id: rng.uuid7(timestamp),
    ip_address: client?.ip ?? null,
    user_agent: client?.agent ?? null,
    path,
    method: endpoint.method,
    user_id: pickUser(rng, endpoint, status, plan.users),
    status_code: status,
    duration_ms: duration,
    error_type: error?.[0] ?? null,
    error_message: error?.[1] ?? null,
    stack_trace: error && status >= 500 ? stackTrace(rng, error[0], error[1], ROUTE_FRAMES) : null,
  };
}

/** Log row `index` (0-based) of the plan. Pure in (plan, index). */
export function demoLog(plan: LogPlan, index: number): LogRow {
  const rng = rngFor(plan.seed, STREAMS.log, index);
  const timestamp = logTimestamp(index, plan.total, rng.float(), plan.nowMs);
  if (!rng.chance(BACKGROUND_SHARE)) return requestRow(rng, plan, timestamp);
  const event = backgroundEvent(rng);
  return {
    timestamp_ms: timestamp,
    level: event.level,
    logger: event.logger,
    message: event.message,
    context: event.context,
    request_id: null,
    ip_address: null,
    user_agent: null,
    path: null,
    method: null,
    user_id: null,
    status_code: null,
    duration_ms: event.duration_ms,
    error_type: event.error_type,
    error_message: event.error_message,
    stack_trace: event.stack_trace,
  };
}
