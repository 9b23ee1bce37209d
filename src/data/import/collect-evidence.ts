import type { BatchGene } from './group-by-gene.js';
import type { Contribution, SourceName } from './import-types.js';
import { inputError } from './input-error.js';
import type { GeneTarget } from './resolve-genes.js';

/** Everything this run says about one (gene, source): becomes exactly one gene_evidence row. */
export interface EvidencePlan {
  target: GeneTarget;
  source: SourceName;
  contributions: Contribution[];
}

/** One id per genes row, existing or about to be created. */
export function targetId(target: GeneTarget): string {
  return target.kind === 'new' ? `new:${target.key}` : `id:${target.id}`;
}

/**
 * Groups contributions by target row and source. Two batch genes can land on one row (an old symbol
 * and an HGNC id that both match it), which is why this runs after resolveGenes. Replace sources may
 * have only one row per gene in a run: two would silently overwrite each other, so that is an error.
 */
export function collectEvidence(batch: BatchGene[], targets: Map<string, GeneTarget>): EvidencePlan[] {
  const plans = new Map<string, EvidencePlan>();
  for (const gene of batch) {
    const target = targets.get(gene.key);
    if (!target) throw new Error(`collectEvidence: batch gene ${gene.key} was not resolved`);
    for (const c of gene.contributions) {
      const id = `${targetId(target)}|${c.source}`;
      const plan = plans.get(id);
      if (!plan) plans.set(id, { target, source: c.source, contributions: [c] });
      else if (c.source === 'DiagnosticPanels' || c.source === 'Literature') plan.contributions.push(c);
      else throw duplicateRow(plan.contributions[0], c);
    }
  }
  return [...plans.values()];
}

function duplicateRow(first: Contribution | undefined, second: Contribution) {
  const firstAt = first ? ` (first at ${first.gene.file}: ${first.gene.where})` : '';
  return inputError(
    second.gene.file,
    second.gene.where,
    `a second ${second.source} row for gene ${second.gene.symbol} in this import${firstAt}; ` +
      'a row replaces the stored evidence, so give one row per gene and source',
  );
}
