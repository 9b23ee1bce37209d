import type { Cache, CacheWarmer } from '../cache/cache-types.js';
import type { ArmRequest, ArmSwitch } from '../rollout/experiments/arm-switch.js';
import type { ExperimentRegistry } from '../rollout/experiments/experiment-registry.js';
import { createCachedGeneRepository } from './cached-gene-repository.js';
import { geneCacheWarmers } from './gene-cache-warmers.js';
import { geneDetailExperiment, geneEvidenceExperiment, geneListExperiment } from './gene-experiments.js';
import type { GeneDetail, GeneEvidence, GeneListQuery, GenePage, GeneRepository } from './gene-repository.js';

/** What the gene routes call: every gene request, whichever arm answers it. */
export interface GeneService {
  list(query: GeneListQuery, caller: ArmRequest): Promise<GenePage>;
  /** undefined: no gene with that symbol (case-insensitive). */
  detail(symbol: string, caller: ArmRequest): Promise<GeneDetail | undefined>;
  evidence(symbol: string, caller: ArmRequest): Promise<GeneEvidence | undefined>;
  /** Adds gene_list, gene_detail and gene_evidence, so the shadow-test API can run them on demand. */
  registerExperiments(registry: Pick<ExperimentRegistry, 'register'>): void;
  /** Fill the views arm's cache the way requests would (POST /api/admin/cache/warm). */
  warmers: CacheWarmer[];
}

export interface GeneServiceDeps {
  /** The control: upstream's SQL ported (docs/legacy-arm.md). */
  legacy: GeneRepository;
  /** The candidate: the declared views, uncached. */
  views: GeneRepository;
  /** The views that serve callers, behind the cache; default `views` (a read replica's: docs/read-replica.md). */
  servedViews?: GeneRepository;
  /** The shared cache, cleared from the database; the views arm's answers live in its gene namespaces. */
  cache: Cache;
  /** Serves a call through the rollout flag, with shadowing (src/rollout/experiments/arm-switch.ts). */
  rollout: Pick<ArmSwitch, 'run'>;
}

/**
 * Every gene request takes the same four decisions, in this order (docs/architecture.md, "The request path"):
 * 1. Which arm serves: the rollout flag, evaluated for this caller (sticky per user, else per client), no I/O.
 * 2. Whether to compare: the shadow flag, per call. A legacy caller's call also runs the views uncached as a
 *    detached shadow; a views caller's call also runs legacy and uncached views as a detached verification.
 * 3. Whether the cache answers: on the views arm only (`served` below); comparisons always run uncached, so
 *    they time a cache miss. A served value is the cache entry's own object, and the route keeps the body it
 *    sends with that entry (Cache.rendition): a hit costs decisions 1, 2 and 4 and in-memory lookups, no
 *    query, no response building, no serialization. Legacy answers are new objects every time: no body kept
 *    with a views entry can reach a legacy caller.
 * 4. Which timing is reported: the switch labels the caller with its arm, and the request metrics, the rollout
 *    window and Server-Timing read that label; database and cache phases are timed where they happen.
 * Decisions 1, 2 and 4 are the rollout switch's; this file supplies what it chooses between.
 */
export function createGeneService(deps: GeneServiceDeps): GeneService {
  const served = createCachedGeneRepository(deps.servedViews ?? deps.views, deps.cache);
  const arms = { legacy: deps.legacy, views: deps.views, served };
  const list = geneListExperiment(arms);
  const detail = geneDetailExperiment(arms);
  const evidence = geneEvidenceExperiment(arms);
  return {
    list: (query, caller) => deps.rollout.run(list, query, caller),
    detail: (symbol, caller) => deps.rollout.run(detail, symbol, caller),
    evidence: (symbol, caller) => deps.rollout.run(evidence, symbol, caller),
    registerExperiments(registry) {
      registry.register(list);
      registry.register(detail);
      registry.register(evidence);
    },
    warmers: geneCacheWarmers(served),
  };
}
