import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_OPTIONS, DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import {
  type GeneArms,
  geneDetailExperiment,
  geneEvidenceExperiment,
} from '../../src/genes/gene-experiments.js';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import { createLegacyGeneRepository } from '../../src/genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import type { ArmRequest } from '../../src/rollout/experiments/arm-switch.js';
import type { ExperimentResult } from '../../src/rollout/experiments/experiment-types.js';
import { createFlagSnapshot, type FlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import { createFlagStore, type FlagStore } from '../../src/rollout/flags/flag-store.js';
import { createGuardLoop } from '../../src/rollout/guard/guard-loop.js';
import { createRolloutDeps, type RolloutDeps } from '../../src/rollout/rollout-deps.js';
import { VIEWS_ROLLOUT } from '../../src/rollout-plan.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type GeneFixture, insertGenes, refreshMaterializedViews } from '../helpers/views.js';
import { rolloutTestOptions } from '../rollout/rollout-test-options.js';

/**
 * docs/rollout.md, declared differences: upstream scored a ClinGen row by the FIRST classification listed, the
 * views by the strongest. With every ClinGen list written weakest-first and a legacy arm that scores upstream's
 * way, the ClinGen scores differ and nothing else does. Declared, those runs count as `ignored:
 * clingen_strongest_classification` and the guard holds; undeclared, they are mismatches and the guard rolls
 * the rollout back.
 */

const CLINGEN_GENES = 60;
const FIXTURE: GeneFixture[] = [
  ...Array.from({ length: CLINGEN_GENES }, (_, i) => ({
    symbol: `CLIN${i}`,
    evidence: {
      ClinGen: {
        classifications: i % 2 === 0 ? ['Limited', 'Definitive'] : ['Disputed', 'Moderate', 'Strong'],
      },
      Literature: { publications: Array.from({ length: 1 + (i % 5) }, (_, p) => `${i}-${p}`) },
    },
  })),
  ...Array.from({ length: 20 }, (_, i) => ({
    symbol: `PLAIN${i}`,
    evidence: { GenCC: { classifications: ['Limited', 'Strong'] }, PanelApp: { panels: [{ id: i }] } },
  })),
];
const SYMBOLS = FIXTURE.map((g) => g.symbol);
const RULE = 'clingen_strongest_classification';

let db: TestDatabase;
let store: FlagStore;
let snapshot: FlagSnapshot;
let upstreamLegacy: GeneRepository;
let arms: GeneArms;
let rollout: RolloutDeps | undefined;

beforeAll(async () => {
  db = await createTestDatabase(10);
  await insertGenes(db.pool, FIXTURE);
  await refreshMaterializedViews(db.pool);
  store = createFlagStore(db.pool);
  snapshot = createFlagSnapshot({ store, pollMs: 250 });
  await snapshot.start();
  upstreamLegacy = createLegacyGeneRepository(db.pool, { clinGen: 'first' });
  arms = { legacy: upstreamLegacy, views: createViewGeneRepository(db.pool) };
});
afterEach(async () => {
  await rollout?.stop();
  rollout = undefined;
});
afterAll(async () => {
  await snapshot.stop();
  await db.drop();
});

/** use_database_views at 10 %, every call compared; fresh window tables so each case judges its own runs. */
async function rolling(): Promise<RolloutDeps> {
  await db.pool.query('delete from kgdb_experiment_windows; delete from kgdb_experiment_samples');
  await store.update('use_database_views', { step: 1, auto_promote: false }, { actor: 'test' });
  await store.update('enable_shadow_testing', { percentage: 100 }, { actor: 'test' });
  // As if the step had been taken an hour ago: the guard judges only windows after the flag's last change.
  // updated_at is bookkeeping, so this is no change of the flag (no event, no version bump).
  await db.pool.query(`update feature_flags set updated_at = now() - interval '1 hour'`);
  await snapshot.reload();
  // Room for every comparison at once: this test is about their outcomes, not about shedding load.
  const deps = createRolloutDeps({
    ...rolloutTestOptions(),
    pool: db.pool,
    flags: snapshot,
    maxInFlight: 64,
    maxVerifyInFlight: 64,
  });
  rollout = deps;
  return deps;
}

/** Every gene's detail and evidence through the arm switch, as live calls; the recorded results. */
type Sample = Pick<ExperimentResult, 'outcome' | 'rules' | 'diff'>;

async function liveTraffic(deps: RolloutDeps, withRule: boolean): Promise<Sample[]> {
  const detail = geneDetailExperiment(arms);
  const evidence = geneEvidenceExperiment(arms);
  const definitions = withRule
    ? [detail, evidence]
    : [
        { ...detail, rules: [] },
        { ...evidence, rules: [] },
      ];
  for (const [i, symbol] of SYMBOLS.entries()) {
    for (const definition of definitions) {
      const request: ArmRequest = { headers: { 'x-client-id': `caller-${i}` }, arm: null };
      await deps.armSwitch.run(definition as typeof detail, symbol, request);
    }
  }
  await deps.experimenter.drain();
  await deps.writer.flush();
  const { rows } = await db.pool.query<Sample>('select outcome, rules, diff from kgdb_experiment_samples');
  return rows;
}

async function guardTick() {
  const loop = createGuardLoop({
    pool: db.pool,
    flags: snapshot,
    store,
    instanceId: 'declared-differences-test',
    plan: VIEWS_ROLLOUT,
    // This test is about mismatches: a slow run on a busy machine must not be what rolls back.
    options: {
      ...DEFAULT_GUARD_OPTIONS,
      lookbackMs: 600_000,
      thresholds: { ...DEFAULT_GUARD_THRESHOLDS, minSamples: 50, maxP99Ms: 60_000 },
    },
  });
  try {
    return await loop.tick();
  } finally {
    await loop.stop();
  }
}

describe('declared differences: ClinGen scored by its first classification (upstream) vs its strongest', () => {
  it('the legacy variant really scores differently, and only ClinGen', async () => {
    const views = arms.views;
    const [a, b] = await Promise.all([upstreamLegacy.findBySymbol('CLIN0'), views.findBySymbol('CLIN0')]);
    expect(a?.score_breakdown.ClinGen).toBe(0.4);
    expect(b?.score_breakdown.ClinGen).toBe(1);
    expect({ ...a, score_breakdown: {} }).toEqual({ ...b, score_breakdown: {} });
  });

  it('with the rule: zero mismatches, every ClinGen gene counted as ignored by name, the guard holds', async () => {
    const deps = await rolling();
    const samples = await liveTraffic(deps, true);
    expect(samples.filter((s) => s.outcome === 'mismatch')).toEqual([]);
    const ignored = samples.filter((s) => s.outcome === 'ignored');
    // Detail and evidence of each ClinGen gene; the plain genes match and leave no sample.
    expect(ignored).toHaveLength(CLINGEN_GENES * 2);
    for (const s of ignored) {
      expect(s.rules).toEqual([RULE]);
      expect(s.diff.join('\n')).toMatch(/ClinGen|normalized_score/);
    }
    const tick = await guardTick();
    expect(tick.role).toBe('leader');
    if (tick.role !== 'leader' || !tick.verdict) throw new Error('no verdict');
    expect(tick.verdict.kind).toBe('hold');
    expect(tick.verdict.measured.mismatches).toBe(0);
    expect(tick.verdict.measured.declared_differences).toBe(CLINGEN_GENES * 2);
    expect(tick.verdict.measured.declared_by_rule).toEqual({ [RULE]: CLINGEN_GENES * 2 });
    expect((await store.get('use_database_views'))?.step).toBe(1);
  });

  it('without the rule: the same runs are mismatches and the guard rolls back', async () => {
    const deps = await rolling();
    const samples = await liveTraffic(deps, false);
    expect(samples.filter((s) => s.outcome === 'mismatch')).toHaveLength(CLINGEN_GENES * 2);
    expect(samples.filter((s) => s.outcome === 'ignored')).toEqual([]);
    const tick = await guardTick();
    if (tick.role !== 'leader' || !tick.verdict) throw new Error('no verdict');
    expect(tick.verdict.kind).toBe('rollback');
    expect(tick.acted).toBe('rollback');
    expect((await store.get('use_database_views'))?.step).toBe(0);
  });
});
