// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary) into scope.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Queryable } from '../../db/pool.js';
import { KgdbError } from '../../errors.js';
import { unknownFields } from '../flags/flag-rules.js';
import { readSamples } from '../window/rollout-window-samples.js';
import { readExperimentTotals, type SourceFilter } from '../window/rollout-window-store.js';
import { type Mode, OUTCOMES, type Outcome } from '../window/window-labels.js';
import { type AnyExperiment, type ExperimentRegistry, specFields } from './experiment-registry.js';
import type { ExperimentResult } from './experiment-types.js';
import type { Experimenter } from './experimenter.js';
import { experimentResults } from './shadow-results.js';
import {
  BATCH_FIELDS,
  type ResultsQuery,
  ResultsQuerySchema,
  type RunBatchBody,
  RunBatchBodySchema,
  type RunSingleQuery,
  RunSingleQuerySchema,
  VALIDATE_FIELDS,
  type ValidateBody,
  ValidateBodySchema,
} from './shadow-schemas.js';
import { DEFAULT_MIGRATION_THRESHOLDS, evidenceOf, migrationVerdict } from './shadow-validation.js';

export interface ShadowRoutesOptions {
  experiments: ExperimentRegistry;
  experimenter: Experimenter;
  db: Queryable;
  /** Writes this instance's pending counts and samples, so results include what just ran. */
  flush?: () => Promise<void>;
}

const tags = ['Administration - Shadow tests'];

const round = (v: number | null) => (v === null ? null : Number(v.toFixed(3)));

const view = (r: ExperimentResult) => ({
  endpoint: r.name,
  mode: r.mode,
  outcome: r.outcome,
  source: r.source,
  rules: r.rules,
  diff: r.diff,
  control_ms: round(r.control.ms),
  candidate_ms: r.candidate ? round(r.candidate.ms) : null,
  request: r.request ?? null,
});

/** Runs one registered experiment on one of its sample requests, both sides awaited; recorded as 'admin'. */
async function runOne(experimenter: Experimenter, def: AnyExperiment, index: number, mode: Mode) {
  const requests = await def.sampleRequests();
  if (requests.length === 0) {
    throw new KgdbError('CONFLICT', {
      parameter: 'endpoint',
      detail: `Experiment '${def.name}' has no sample requests`,
    });
  }
  return experimenter.runNow({
    ...specFields(def, requests[index % requests.length]),
    mode,
    source: 'admin',
  });
}

/** Before validation: an absent body is {}, and one 400 names every unknown field. */
const bodyCheck = (allowed: readonly string[]) => async (request: FastifyRequest) => {
  if (request.body === undefined || request.body === null) request.body = {};
  const unknown = unknownFields(request.body, allowed);
  if (unknown.length > 0) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: unknown.join(','),
      detail: `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')}. Allowed: ${allowed.join(', ')}`,
    });
  }
};

/** Admin API for shadow experiments (prefix /api/admin/shadow-tests; admin only like all of /api/admin). */
export const shadowRoutes: FastifyPluginAsync<ShadowRoutesOptions> = async (app, options) => {
  const { experiments, experimenter, db } = options;
  const flush = async () => options.flush?.();

  app.get<{ Querystring: ResultsQuery }>(
    '/results',
    {
      schema: {
        tags,
        summary:
          'Outcome counts per experiment (all instances; live traffic and admin runs apart), ignored runs per declared rule, match rates, recent non-matching samples with diffs',
        querystring: ResultsQuerySchema,
      },
    },
    async (request) => {
      const q = request.query;
      if (q.experiment !== undefined && !experiments.get(q.experiment))
        experiments.getOrThrow(q.experiment, 'experiment');
      if (q.hours !== undefined && q.window_seconds !== undefined) {
        throw new KgdbError('INVALID_PARAMETER', {
          parameter: 'hours',
          detail: 'Give the window as hours or as window_seconds, not both',
        });
      }
      await flush();
      const to = new Date();
      const seconds = q.window_seconds ?? (q.hours ?? 1) * 3600;
      const from = new Date(to.getTime() - seconds * 1000);
      const only = q.experiment ? [q.experiment] : undefined;
      const [live, admin] = await Promise.all([
        readExperimentTotals(db, from, only, 'live'),
        readExperimentTotals(db, from, only, 'admin'),
      ]);
      const names =
        only ??
        [...new Set([...experiments.names(), ...[...live, ...admin].map((t) => t.experiment)])].sort();
      const samples = await readSamples(db, {
        experiment: q.experiment,
        since: from,
        limit: q.samples ?? 20,
      });
      return {
        window: { from: from.toISOString(), to: to.toISOString(), seconds },
        experiments: names.map((n) =>
          experimentResults(n, experiments.get(n) !== undefined, { live, admin }),
        ),
        samples,
      };
    },
  );

  app.post<{ Querystring: RunSingleQuery }>(
    '/run-single',
    {
      schema: {
        tags,
        summary: 'Run one registered experiment now on one sample request; returns the outcome and diff',
        querystring: RunSingleQuerySchema,
      },
    },
    async (request) => {
      const def = experiments.getOrThrow(request.query.endpoint);
      const result = await runOne(experimenter, def, request.query.sample ?? 0, request.query.mode ?? 'ab');
      await flush();
      return view(result);
    },
  );

  app.post<{ Body: RunBatchBody }>(
    '/run-batch',
    {
      schema: {
        tags,
        summary:
          "Run N sample requests per experiment now (recorded as 'admin'); returns counts and the first diffs",
        body: RunBatchBodySchema,
      },
      preValidation: bodyCheck(BATCH_FIELDS),
    },
    async (request) => {
      const names = request.body.endpoints ?? experiments.names();
      const defs = names.map((n) => experiments.getOrThrow(n, 'endpoints'));
      const n = request.body.samples_per_endpoint ?? 10;
      const mode = request.body.mode ?? 'ab';
      const out = [];
      for (const def of defs) {
        const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
        const ignoredByRule: Record<string, number> = {};
        const failures: ReturnType<typeof view>[] = [];
        // One at a time: an admin batch must not take the pool away from live traffic.
        for (let i = 0; i < n; i++) {
          const result = await runOne(experimenter, def, i, mode);
          counts[result.outcome]++;
          for (const rule of result.rules) ignoredByRule[rule] = (ignoredByRule[rule] ?? 0) + 1;
          if (result.outcome !== 'match' && failures.length < 5) failures.push(view(result));
        }
        const compared = counts.match + counts.mismatch + counts.ignored;
        out.push({
          endpoint: def.name,
          runs: n,
          counts,
          ignored_by_rule: ignoredByRule,
          match_rate: compared > 0 ? (counts.match + counts.ignored) / compared : null,
          failures,
        });
      }
      await flush();
      return { mode, endpoints: out };
    },
  );

  app.post<{ Body: ValidateBody }>(
    '/validate-migration',
    {
      schema: {
        tags,
        summary:
          'Ready when match rate ≥ 95 %, no candidate errors, candidate p50 ≤ 1.2× control (recorded live data by default; admin evidence reported apart)',
        body: ValidateBodySchema,
      },
      preValidation: bodyCheck(VALIDATE_FIELDS),
    },
    async (request) => {
      const b = request.body;
      for (const n of b.endpoints ?? []) experiments.getOrThrow(n, 'endpoints');
      await flush();
      const to = new Date();
      const from = new Date(to.getTime() - (b.window_seconds ?? 86_400) * 1000);
      const source: SourceFilter = b.source ?? 'live';
      const [live, admin] = await Promise.all([
        readExperimentTotals(db, from, b.endpoints, 'live'),
        readExperimentTotals(db, from, b.endpoints, 'admin'),
      ]);
      const names =
        b.endpoints ??
        (experiments.names().length > 0
          ? experiments.names()
          : [...new Set([...live, ...admin].map((t) => t.experiment))].sort());
      const thresholds = {
        minMatchRate: b.min_match_rate ?? DEFAULT_MIGRATION_THRESHOLDS.minMatchRate,
        maxLatencyRatio: b.max_latency_ratio ?? DEFAULT_MIGRATION_THRESHOLDS.maxLatencyRatio,
        minSamples: b.min_samples ?? DEFAULT_MIGRATION_THRESHOLDS.minSamples,
      };
      const evidence = (totals: typeof live) => names.map((n) => evidenceOf(n, totals));
      const decidedOn =
        source === 'live'
          ? evidence(live)
          : source === 'admin'
            ? evidence(admin)
            : evidence(await readExperimentTotals(db, from, b.endpoints, 'all'));
      const { ready, reasons } = migrationVerdict(decidedOn, thresholds);
      return {
        ready,
        reasons,
        source,
        experiments: evidence(live),
        admin_experiments: evidence(admin),
        ...(source === 'all' ? { all_experiments: decidedOn } : {}),
        thresholds,
        window: { from: from.toISOString(), to: to.toISOString() },
      };
    },
  );
};
