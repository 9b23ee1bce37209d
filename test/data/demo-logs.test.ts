import { describe, expect, it } from 'vitest';
import { demoLog, type LogRow, logPlan } from '../../src/data/demo/demo-logs.js';
import { logTimestamp } from '../../src/data/demo/log-time.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const DAY = 86_400_000;
const TOTAL = 20_000;
const plan = logPlan(42, TOTAL, NOW, 5_000, { admin: 1, others: [2, 3, 4] });
const logs: LogRow[] = Array.from({ length: TOTAL }, (_, i) => demoLog(plan, i));
const requests = logs.filter((l) => l.path !== null);
const share = (pred: (l: LogRow) => boolean, of: LogRow[] = requests) => of.filter(pred).length / of.length;

describe('demo system_logs', () => {
  it('is a pure function of (plan, index)', () => {
    expect(demoLog(plan, 123)).toEqual(
      demoLog(logPlan(42, TOTAL, NOW, 5_000, { admin: 1, others: [2, 3, 4] }), 123),
    );
    expect(demoLog(plan, 123)).not.toEqual(demoLog(logPlan(43, TOTAL, NOW, 5_000, plan.users), 123));
  });

  it('spreads timestamps over the 30 days before now, ascending with the row index', () => {
    const times = logs.map((l) => l.timestamp_ms);
    expect(Math.min(...times)).toBeGreaterThanOrEqual(NOW - 30 * DAY);
    expect(Math.max(...times)).toBeLessThan(NOW);
    expect(Math.min(...times)).toBeLessThan(NOW - 29 * DAY);
    const descents = times.filter((t, i) => i > 0 && t < (times[i - 1] as number)).length;
    expect(descents).toBe(0);
  });

  it('follows a daily curve: the busiest hour sees several times the quietest', () => {
    const perHour = new Array<number>(24).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const hour = new Date(logTimestamp(i, 100_000, 0.5, NOW)).getUTCHours();
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    expect(Math.max(...perHour) / Math.min(...perHour)).toBeGreaterThan(3);
    expect(perHour.indexOf(Math.max(...perHour))).toBeGreaterThanOrEqual(13);
    expect(perHour.indexOf(Math.max(...perHour))).toBeLessThanOrEqual(14);
  });

  it('is mostly successful requests, with some 4xx and a few 5xx, and some background lines without a path', () => {
    expect(share((l) => l.path === null, logs)).toBeGreaterThan(0.05);
    expect(share((l) => l.path === null, logs)).toBeLessThan(0.11);
    expect(share((l) => l.status_code === 200)).toBeGreaterThan(0.9);
    expect(share((l) => (l.status_code ?? 0) >= 400 && (l.status_code ?? 0) < 500)).toBeGreaterThan(0.01);
    expect(requests.some((l) => (l.status_code ?? 0) >= 500)).toBe(true);
    const paths = new Set(requests.map((l) => l.path));
    for (const p of [
      '/api/genes/',
      '/api/genes/PKD1',
      '/api/genes/NPHS1/evidence',
      '/health',
      '/api/auth/login',
    ]) {
      expect(paths).toContain(p);
    }
    expect(paths).toContain('/api/statistics/summary');
    expect(paths).toContain('/api/admin/logs/');
  });

  it('keeps level, status and error fields consistent', () => {
    // Collect violations instead of asserting per row: 20,000 rows × 6 expects would take seconds.
    const bad = requests.filter((l) => {
      const status = l.status_code ?? 0;
      const consistent =
        status >= 500
          ? l.level === 'ERROR' && l.error_type !== null && (l.stack_trace ?? '').includes('\n    at ')
          : status >= 400
            ? l.level === 'WARNING' && l.error_message !== null && l.stack_trace === null
            : (l.level === 'INFO' || l.level === 'DEBUG') && l.error_type === null;
      return (
        !consistent ||
        !/^[0-9a-f-]{36}$/.test(l.request_id ?? '') ||
        typeof l.context.action !== 'string' ||
        typeof l.context.endpoint !== 'string' ||
        !['GET', 'POST'].includes(l.method ?? '')
      );
    });
    expect(bad).toEqual([]);
    const background = logs.filter((x) => x.path === null);
    expect(
      background.filter((l) => l.request_id !== null || l.status_code !== null || !l.context.action),
    ).toEqual([]);
  });

  it('attributes admin routes to the admin, some requests to other users, anonymous ones to nobody', () => {
    const admin = requests.filter((l) => l.path?.startsWith('/api/admin/') && l.status_code === 200);
    expect(admin.length).toBeGreaterThan(0);
    expect(admin.every((l) => l.user_id === 1)).toBe(true);
    expect(requests.some((l) => l.user_id !== null && l.user_id !== 1)).toBe(true);
    expect(requests.filter((l) => l.status_code === 401).every((l) => l.user_id === null)).toBe(true);
    expect(share((l) => l.user_id === null)).toBeGreaterThan(0.8);
  });

  it('has log-normal durations: a typical request is fast, the slowest are far slower', () => {
    const durations = requests.map((l) => l.duration_ms ?? 0).sort((a, b) => a - b);
    const median = durations[Math.floor(durations.length / 2)] as number;
    expect(median).toBeGreaterThan(2);
    expect(median).toBeLessThan(100);
    expect(durations[durations.length - 1]).toBeGreaterThan(20 * median);
  });

  it('uses the upstream level names and several loggers', () => {
    expect(new Set(logs.map((l) => l.level))).toEqual(new Set(['INFO', 'WARNING', 'ERROR', 'DEBUG']));
    const loggers = new Set(logs.map((l) => l.logger));
    expect(loggers).toContain('app.api.genes');
    expect(loggers).toContain('app.middleware.request');
  });
});
