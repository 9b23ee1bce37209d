import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import type { GeneListQuery, GenePage, GeneRepository } from '../../src/genes/gene-repository.js';
import type { GeneListQuerystring } from '../../src/genes/gene-schemas.js';
import { createLegacyGeneRepository } from '../../src/genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import { compareResults } from '../../src/rollout/experiments/comparator.js';
import { createExperimenter } from '../../src/rollout/experiments/experimenter.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';

/**
 * docs/legacy-arm.md: the legacy arm is an independent control. Every mutant below is a subtle defect in the
 * views arm's list SQL, planted at module level (vi.mock), so any module that imports the views arm's builder
 * runs the defect too. The property: whenever a mutant changes what the views arm answers, the equality check
 * and the shadow experiment both report a mismatch against the legacy arm. Were the legacy arm to share the
 * builder, a mutant would break both arms alike and this test would fail.
 */

const mutation = vi.hoisted(() => ({ apply: (sql: string) => sql }));

vi.mock('../../src/genes/views/gene-list-sql.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/genes/views/gene-list-sql.js')>();
  // The views arm's list statement is assembled from these two (a search puts the WHERE outside the second).
  // Every mutant below is idempotent, so text passing through both is changed once.
  return {
    ...real,
    whereClause: (...args: Parameters<typeof real.whereClause>) => mutation.apply(real.whereClause(...args)),
    factsWithPage: (facts: string, page: string) => mutation.apply(real.factsWithPage(facts, page)),
  };
});

interface Mutant {
  name: string;
  /** Textual defect: every match of `from` becomes `to`. */
  from: RegExp;
  to: string;
}

/** Defects of the kinds a refactor introduces: NULLS placement, direction, tie-breaker, bounds, paging, search. */
const MUTANTS: readonly Mutant[] = [
  { name: 'NULLS LAST → NULLS FIRST on descending sorts', from: /desc nulls last/g, to: 'desc nulls first' },
  { name: 'NULLS FIRST → NULLS LAST on ascending sorts', from: /asc nulls first/g, to: 'asc nulls last' },
  { name: 'tie-breaker on id dropped', from: /,\s*(l\.)?gene_id asc nulls first/g, to: '' },
  { name: 'descending sorts ascend', from: /desc nulls last/g, to: 'asc nulls first' },
  { name: '>= becomes >', from: />=/g, to: '>' },
  { name: '<= becomes <', from: /<=/g, to: '<' },
  { name: 'score > 0 becomes >= 0', from: /evidence_score > 0/g, to: 'evidence_score >= 0' },
  { name: 'offset one row too far', from: /offset (\$\d+)::bigint/g, to: 'offset $1::bigint + 1' },
  { name: 'one row short per page', from: /limit (\$\d+)::bigint/g, to: 'limit $1::bigint - 1' },
  { name: 'case-sensitive search', from: /\bilike\b/g, to: 'like' },
  { name: 'search matches symbols only', from: / or hgnc_id ilike \$\d+::text/g, to: '' },
  { name: 'filtered total off by one', from: /count\(\*\) from/g, to: 'count(*) + 1 from' },
];

/** Requests that touch every part of the list SQL: NULL sort keys, ties, bounds, pages, a search, a source. */
const REQUESTS: readonly GeneListQuerystring[] = [
  {},
  { 'page[number]': 3, 'page[size]': 7 },
  { 'filter[hide_zero_scores]': false, sort: 'hgnc_id', 'page[size]': 100 },
  { 'filter[hide_zero_scores]': false, sort: '-evidence_score', 'page[number]': 4, 'page[size]': 100 },
  { 'filter[hide_zero_scores]': false, sort: 'evidence_score', 'page[size]': 50 },
  { sort: '-evidence_count', 'page[size]': 100, 'page[number]': 2 },
  { sort: 'evidence_tier,-hgnc_id', 'filter[hide_zero_scores]': false, 'page[size]': 100 },
  { 'filter[min_score]': 25, 'filter[max_score]': 50, sort: 'evidence_score' },
  { 'filter[min_count]': 2, 'filter[max_count]': 3, sort: 'count', 'page[size]': 100 },
  { 'filter[search]': 'pkd', 'page[size]': 100 },
  { 'filter[search]': 'hgnc:1', 'page[size]': 100 },
  { 'filter[source]': 'ClinGen', sort: '-evidence_group', 'page[size]': 100 },
];

let db: TestDatabase;
let legacy: GeneRepository;
let views: GeneRepository;
let queries: GeneListQuery[];
/** What the correct views arm answers: a mutant is observable when it answers something else. */
let truth: GenePage[];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemo(db.pool, { genes: 400, evidence: 1_600, logs: 0, seed: 11, now: new Date('2025-06-01') });
  // NULL HGNC ids, genes without a score, ties: the cases NULLS placement and tie-breakers decide.
  await insertGenes(db.pool, [
    { symbol: 'NOHGNC1', evidence: { ClinGen: { classifications: ['Strong'] } } },
    { symbol: 'NOHGNC2', evidence: { ClinGen: { classifications: ['Strong'] } } },
    { symbol: 'NOEVIDENCE1' },
    { symbol: 'NOEVIDENCE2', hgncId: 'HGNC:1999999' },
  ]);
  await refreshMaterializedViews(db.pool);
  legacy = createLegacyGeneRepository(db.pool);
  views = createViewGeneRepository(db.pool);
  queries = REQUESTS.map(toGeneListQuery);
  truth = await Promise.all(queries.map((q) => views.list(q)));
  const legacyPages = await Promise.all(queries.map((q) => legacy.list(q)));
  expect(legacyPages).toEqual(truth);
});
afterAll(async () => {
  mutation.apply = (sql) => sql;
  await db.drop();
});

const differs = (a: GenePage, b: GenePage) => !compareResults(a, b, { ordered: true }).equal;

/** Runs every request with `mutant` planted; which requests it changed, and what each check said. */
async function probe(mutant: Mutant) {
  mutation.apply = (sql) => sql.replace(mutant.from, mutant.to);
  try {
    const experimenter = createExperimenter({ recorder: { record: () => {} } });
    const rows = [];
    for (const [i, q] of queries.entries()) {
      const broken = await views.list(q).catch((raw: unknown) => raw as Error);
      const result = await experimenter.runNow({
        name: 'gene_list',
        control: () => legacy.list(q),
        candidate: () => views.list(q),
        ordered: true,
        timeoutMs: 30_000,
      });
      rows.push({
        observable: broken instanceof Error || differs(truth[i] as GenePage, broken),
        equalityReports: broken instanceof Error || differs(await legacy.list(q), broken),
        experiment: result.outcome,
      });
    }
    return rows;
  } finally {
    mutation.apply = (sql) => sql;
  }
}

describe('the legacy arm is an independent control (mutation test)', () => {
  it.each(MUTANTS.map((m) => [m.name, m]))(
    '%s: detected wherever it changes an answer',
    async (_n, mutant) => {
      const rows = await probe(mutant);
      const observable = rows.filter((r) => r.observable);
      expect(observable.length, 'the mutant changes at least one answer of the matrix').toBeGreaterThan(0);
      for (const r of observable) {
        expect(r.equalityReports).toBe(true);
        expect(['mismatch', 'candidate_error']).toContain(r.experiment);
      }
      // Requests the mutant does not affect still match: the detection is the defect's, not noise.
      for (const r of rows.filter((x) => !x.observable)) expect(r.experiment).toBe('match');
    },
  );

  it('the planted mutation really reaches the views arm and not the legacy arm', async () => {
    mutation.apply = (sql) => `${sql} planted syntax error`;
    try {
      await expect(views.list(queries[0] as GeneListQuery)).rejects.toThrow(/syntax error/);
      await expect(legacy.list(queries[0] as GeneListQuery)).resolves.toEqual(truth[0]);
    } finally {
      mutation.apply = (sql) => sql;
    }
  });
});
