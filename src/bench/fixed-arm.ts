import type { GeneRepository } from '../genes/gene-repository.js';
import type { GeneService } from '../genes/gene-service.js';

/**
 * A gene service that answers every request from one repository, adding no flag, shadow or cache of its own,
 * and labels the request with `arm` for the metrics: a benchmark pins each of its apps to one arm this way, so
 * the two arms are measured side by side in one run.
 */
export function fixedArmService(arm: string, genes: GeneRepository): GeneService {
  const on = <T>(caller: { arm: string | null }, answer: () => Promise<T>) => {
    caller.arm = arm;
    return answer();
  };
  return {
    list: (query, caller) => on(caller, () => genes.list(query)),
    detail: (symbol, caller) => on(caller, () => genes.findBySymbol(symbol)),
    evidence: (symbol, caller) => on(caller, () => genes.evidence(symbol)),
    registerExperiments: () => {},
    warmers: [],
  };
}
