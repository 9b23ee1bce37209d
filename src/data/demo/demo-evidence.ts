import { SOURCES, type SourceName } from '../import/import-types.js';
import { DAY_MS, type DemoGene } from './demo-genes.js';
import type { DemoPaper } from './demo-papers.js';
import { buildEvidence } from './evidence-data.js';
import { pickSources } from './evidence-plan.js';
import { rngFor, STREAMS } from './rng.js';

/** One gene_evidence row without its id (the writer numbers rows as it streams them). */
export interface EvidenceRow {
  gene_id: number;
  source_name: SourceName;
  source_detail: string;
  evidence_data: Record<string, unknown>;
  /** When the source last reported this evidence, as YYYY-MM-DD. */
  evidence_date: string;
  created_ms: number;
  updated_ms: number;
}

/** Streams per gene: one per source for its content, and slot 7 for which sources the gene has. */
const SLOTS_PER_GENE = 8;
const SELECTION_SLOT = 7;

/**
 * The `count` evidence rows of one gene, in SOURCES order. Pure in (seed, gene, count, papers,
 * now): each source's content has its own stream, so it does not change when the gene's count does.
 */
export function demoEvidence(
  seed: number,
  gene: DemoGene,
  count: number,
  papers: readonly DemoPaper[],
  nowMs: number,
): EvidenceRow[] {
  const geneIndex = gene.id - 1;
  const sources = pickSources(
    rngFor(seed, STREAMS.evidence, geneIndex * SLOTS_PER_GENE + SELECTION_SLOT),
    count,
  );
  return sources.map((source) => {
    const slot = SOURCES.indexOf(source);
    const rng = rngFor(seed, STREAMS.evidence, geneIndex * SLOTS_PER_GENE + slot);
    const content = buildEvidence(source, { rng, gene, papers });
    // Written by the import run that created the gene (within its hour), refreshed at some point since.
    const created = Math.min(nowMs, gene.created_ms + rng.int(0, 3599) * 1000);
    const updated = created + Math.floor((rng.float() * (nowMs - created)) / 1000) * 1000;
    return {
      gene_id: gene.id,
      source_name: source,
      source_detail: content.source_detail,
      evidence_data: content.evidence_data,
      evidence_date: new Date(Math.floor(updated / DAY_MS) * DAY_MS).toISOString().slice(0, 10),
      created_ms: created,
      updated_ms: updated,
    };
  });
}
