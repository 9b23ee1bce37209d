import type { Rng } from './rng.js';

/** The fields of a log line that did not come from an HTTP request (path, method and status stay null). */
export interface BackgroundEvent {
  level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
  logger: string;
  message: string;
  context: Record<string, unknown>;
  duration_ms: number | null;
  error_type: string | null;
  error_message: string | null;
  stack_trace: string | null;
}

const VIEWS = ['gene_scores', 'source_overlap_statistics'] as const;
const NAMESPACES = ['genes', 'gene_detail', 'evidence', 'statistics'] as const;

/** A Node-style stack trace (several lines: it exercises newline escaping in COPY and in the API). */
export function stackTrace(rng: Rng, type: string, message: string, frames: readonly string[]): string {
  const lines = frames.map((f) => `    at ${f}:${rng.int(12, 240)}:${rng.int(3, 60)})`);
  return [`${type}: ${message}`, ...lines].join('\n');
}

const POOL_FRAMES = [
  'Client._handleErrorEvent (file:///app/node_modules/pg/lib/client.js',
  'Connection.emit (node:events',
  'Socket.<anonymous> (file:///app/node_modules/pg/lib/connection.js',
] as const;

/**
 * Work the server logs without a request: matview refreshes, cache invalidation, rollout guard verdicts,
 * pool pressure, rarely a lost connection. Shares: 40 / 30 / 20 / 8.5 / 1.5 %.
 */
export function backgroundEvent(rng: Rng): BackgroundEvent {
  const u = rng.float();
  if (u < 0.4) {
    const view = rng.pick(VIEWS);
    const ms = Math.round(rng.logNormal(view === 'gene_scores' ? 800 : 300, 0.4) * 100) / 100;
    const context = { action: 'refresh_view', view, concurrently: true };
    return event(
      'INFO',
      'app.views.refresh',
      `Refreshed materialized view ${view} in ${Math.round(ms)} ms`,
      context,
      ms,
    );
  }
  if (u < 0.7) {
    const namespace = rng.pick(NAMESPACES);
    const context = { action: 'cache_invalidate', namespace, keys: rng.int(0, 400) };
    return event(
      'DEBUG',
      'app.cache',
      `Cache namespace ${namespace} invalidated by table change`,
      context,
      null,
    );
  }
  if (u < 0.9) {
    const verdict = rng.chance(0.25) ? 'advance' : 'hold';
    const context = {
      action: 'guard_evaluate',
      flag: 'use_database_views',
      verdict,
      samples: rng.int(0, 5000),
    };
    return event(
      'INFO',
      'app.rollout.guard',
      `Guard verdict for use_database_views: ${verdict}`,
      context,
      null,
    );
  }
  if (u < 0.985) {
    const waited = rng.int(200, 2500);
    const context = { action: 'pool_pressure', waited_ms: waited, waiting: rng.int(1, 40) };
    return event('WARNING', 'app.db.pool', `Waited ${waited} ms for a database connection`, context, null);
  }
  const message = 'Connection terminated unexpectedly';
  const lost = event(
    'ERROR',
    'app.db.pool',
    `ConnectionError: ${message}`,
    { action: 'connection_lost' },
    null,
  );
  lost.error_type = 'ConnectionError';
  lost.error_message = message;
  lost.stack_trace = stackTrace(rng, 'ConnectionError', message, POOL_FRAMES);
  return lost;
}

/** A plain object literal with every field (no spreads: this runs for ~400,000 of 5 million rows). */
function event(
  level: BackgroundEvent['level'],
  logger: string,
  message: string,
  context: Record<string, unknown>,
  duration: number | null,
): BackgroundEvent {
  return {
    level,
    logger,
    message,
    context,
    duration_ms: duration,
    error_type: null,
    error_message: null,
    stack_trace: null,
  };
}
