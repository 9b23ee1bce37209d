import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parse } from 'yaml';
import { CACHE_NAMESPACES } from '../../src/app/caching.js';
import { registerCacheMetrics } from '../../src/cache/cache-metrics.js';
import { createCache } from '../../src/cache/namespaced-cache.js';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { createMetrics } from '../../src/metrics/metrics.js';

/**
 * ops/ (docs/operations.md): the Prometheus rules and the Grafana dashboard name only series kgdb exports, so a
 * renamed metric fails here instead of silently emptying an alert or a panel.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RULES_FILE = path.join(ROOT, 'ops/prometheus/kgdb-rules.yml');
const DASHBOARD_FILE = path.join(ROOT, 'ops/grafana/kgdb.json');

interface Rule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface Panel {
  id?: number;
  title?: string;
  type?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { uid?: string };
  targets?: { expr?: string; datasource?: { uid?: string } }[];
}
interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: Panel[];
}

const rules = (parse(readFileSync(RULES_FILE, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
  (g) => g.rules,
);
const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
const dashboardExprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
const recorded = new Set(rules.flatMap((r) => (r.record ? [r.record] : [])));

/** Every series name GET /metrics can show, from the registry as `kgdb serve` builds it. */
async function exportedSeries(): Promise<Set<string>> {
  const registry = new Registry();
  const metrics = createMetrics(registry, { processMetrics: true });
  const cache = createCache({ namespaces: CACHE_NAMESPACES });
  onTestFinished(async () => {
    metrics.close();
    await cache.close();
  });
  // kgdb_cache_redis_synced is registered only with REDIS_URL: a cache that reports a shared layer stands in.
  const shared = { configured: true, status: 'ready', synced: true, errors: {} };
  registerCacheMetrics(registry, { ...cache, stats: () => ({ ...cache.stats(), shared }) });
  const series = new Set<string>();
  for (const [, name, type] of (await registry.metrics()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    for (const suffix of type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''])
      series.add(`${name}${suffix}`);
  }
  return series;
}

/** kgdb metric names and recording-rule names (level:metric:operation) in a PromQL expression. */
function namesIn(expr: string): string[] {
  // Label values and range or subquery brackets (`[5m:1m]`) are not names.
  const bare = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/\[[^\]]*\]/g, '[]');
  return (bare.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter(
    (n) => n.startsWith('kgdb_') || n.includes(':'),
  );
}

/** Names neither kgdb exports nor the rules file records. */
function unknownNames(exprs: readonly string[], exported: ReadonlySet<string>): string[] {
  const names = new Set(exprs.flatMap(namesIn));
  return [...names].filter((n) => (n.includes(':') ? !recorded.has(n) : !exported.has(n)));
}

describe('ops/prometheus/kgdb-rules.yml', () => {
  it('every rule records or alerts on an expr; every alert has a for, a severity, a summary and a description', () => {
    expect(rules.length).toBeGreaterThan(0);
    const problems = rules.flatMap((r, i) => {
      const name = r.alert ?? r.record ?? `rule #${i + 1}`;
      const missing = [
        !r.alert && !r.record && 'alert or record',
        !r.expr && 'expr',
        r.alert && !r.for && 'for',
        r.alert && !r.labels?.severity && 'labels.severity',
        r.alert && !r.annotations?.summary && 'annotations.summary',
        r.alert && !r.annotations?.description && 'annotations.description',
      ].filter(Boolean);
      return missing.map((m) => `${name}: no ${m}`);
    });
    expect(problems).toEqual([]);
  });

  it("the alerts carry the guard's default thresholds (DEFAULT_GUARD_THRESHOLDS, src/config.ts)", () => {
    const t = DEFAULT_GUARD_THRESHOLDS;
    const expected: Record<string, string[]> = {
      KgdbGuardErrorRateBreached: [`> ${t.maxErrorRate}`, `* 60 >= ${t.minSamples}`],
      KgdbGuardP99Breached: [`> ${t.maxP99Ms / 1000}`, `> ${t.maxP99Ratio} *`, `* 60 >= ${t.minSamples}`],
      KgdbGuardMismatchRateBreached: [`> ${t.maxMismatchRate}`, `* 60 >= ${t.minShadowSamples}`],
      KgdbArmErrorRateHigh: [`> ${t.maxErrorRate}`],
      KgdbArmP99High: [`> ${t.maxP99Ms / 1000}`],
      KgdbExperimentMismatchRateHigh: [`> ${t.maxMismatchRate}`, `>= ${t.minShadowSamples}`],
    };
    for (const [alert, fragments] of Object.entries(expected)) {
      const expr = rules.find((r) => r.alert === alert)?.expr ?? '';
      for (const fragment of fragments) expect(expr, alert).toContain(fragment);
    }
  });
});

describe('ops/grafana/kgdb.json', () => {
  it('has unique panel ids; every panel has a title, a type, a place and a query', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p, `panel ${p.id}`).toMatchObject({
        id: expect.any(Number),
        title: expect.any(String),
        type: expect.any(String),
        gridPos: {
          x: expect.any(Number),
          y: expect.any(Number),
          w: expect.any(Number),
          h: expect.any(Number),
        },
      });
      expect(
        p.targets?.filter((t) => t.expr),
        p.title,
      ).not.toHaveLength(0);
    }
  });

  it('queries the data source the importer picks, never a fixed one', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }),
    );
    const uids = dashboard.panels.flatMap((p) => [
      p.datasource?.uid,
      ...(p.targets ?? []).map((t) => t.datasource?.uid),
    ]);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, meant literally
    expect(new Set(uids)).toEqual(new Set(['${datasource}']));
  });
});

describe('metric names in ops/', () => {
  it('every name in an expr is exported by kgdb or recorded by the rules file', async () => {
    const exported = await exportedSeries();
    const exprs = [...rules.map((r) => r.expr ?? ''), ...dashboardExprs];
    expect(new Set(exprs.flatMap(namesIn)).size).toBeGreaterThan(20);
    expect(unknownNames(exprs, exported)).toEqual([]);
  });

  it('a made-up name fails the check, and so does a histogram without its series suffix', async () => {
    const exported = await exportedSeries();
    const exprs = [
      'sum(rate(kgdb_made_up_total{arm="views"}[5m]))',
      'kgdb:made_up:rate5m > 1',
      'kgdb_http_request_duration_seconds > 1',
      'rate(kgdb_http_request_duration_seconds_count{route="kgdb_in_a_label_value"}[5m:1m])',
    ];
    expect(unknownNames(exprs, exported)).toEqual([
      'kgdb_made_up_total',
      'kgdb:made_up:rate5m',
      'kgdb_http_request_duration_seconds',
    ]);
  });
});

/** promtool on PATH (Debian's prometheus package), if any. */
const promtool = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'promtool'))
  .find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const PROMTOOL_SKIP_REASON =
  'promtool not found (install it: apt-get install -y prometheus); skipping the promtool checks of ops/';
if (!promtool) console.warn(PROMTOOL_SKIP_REASON);

describe.skipIf(!promtool)('promtool', () => {
  const checkRules = (file: string) => {
    const run = spawnSync(promtool as string, ['check', 'rules', file], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
  };

  it('check rules accepts ops/prometheus/kgdb-rules.yml', () => {
    checkRules(RULES_FILE);
  });

  it("accepts the dashboard's queries (as recording rules, with Grafana's rate interval filled in)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kgdb-ops-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'dashboard-rules.yml');
    const asRules = dashboardExprs.map((expr, i) => ({
      record: `dashboard:query_${i}:check`,
      expr: expr.replaceAll('$__rate_interval', '5m'),
    }));
    // JSON is YAML: promtool reads it as it is.
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'dashboard', rules: asRules }] }));
    checkRules(file);
  });
});
