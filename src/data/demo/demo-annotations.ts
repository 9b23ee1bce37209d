import type { DemoGene } from './demo-genes.js';
import { rngFor, STREAMS } from './rng.js';

export interface CurationRow {
  gene_id: number;
  classification: string;
  notes: string;
  created_ms: number;
  updated_ms: number;
}

export interface AnnotationRow {
  gene_id: number;
  source: string;
  version: string;
  annotations: Record<string, unknown>;
}

const CURATION_CLASSES = {
  core: ['Definitive'],
  known: ['Definitive', 'Definitive', 'Strong', 'Moderate'],
  synthetic: ['Moderate', 'Limited', 'Limited', 'Disputed'],
} as const;

/**
 * A curator's classification: every real kidney gene has one, synthetic genes about 1 % (curation is slow,
 * manual work). undefined = not curated. Pure in (seed, gene, now).
 */
export function demoCuration(seed: number, gene: DemoGene, nowMs: number): CurationRow | undefined {
  const rng = rngFor(seed, STREAMS.curation, gene.id - 1);
  if (gene.kind === 'synthetic' && !rng.chance(0.01)) return undefined;
  const classification = rng.pick(CURATION_CLASSES[gene.kind]);
  const created = gene.created_ms + rng.int(1, 14) * 86_400_000;
  const updated = Math.min(nowMs - 1000, created + rng.int(0, 60) * 86_400_000);
  return {
    gene_id: gene.id,
    classification,
    notes: `${classification} gene–disease relationship after review of ${rng.int(1, 40)} publications`,
    created_ms: Math.min(created, updated),
    updated_ms: updated,
  };
}

/**
 * External annotations: real genes have HGNC, gnomAD constraint and ClinVar counts; synthetic genes have
 * HGNC 30 % and gnomAD 10 % of the time (annotation pipelines reach most genes only eventually). Pure.
 */
export function demoAnnotations(seed: number, gene: DemoGene): AnnotationRow[] {
  const rng = rngFor(seed, STREAMS.annotation, gene.id - 1);
  const real = gene.kind !== 'synthetic';
  const rows: AnnotationRow[] = [];
  if (real || rng.chance(0.3)) {
    rows.push({
      gene_id: gene.id,
      source: 'hgnc',
      version: '2024-06-04',
      annotations: {
        hgnc_id: gene.hgnc_id,
        symbol: gene.approved_symbol,
        alias_symbols: gene.aliases,
        locus_type: 'gene with protein product',
        location: `${rng.int(1, 22)}${rng.pick(['p', 'q'])}${rng.int(11, 36)}.${rng.int(1, 3)}`,
      },
    });
  }
  if (real || rng.chance(0.1)) {
    // pLI is bimodal in gnomAD: most genes near 0 or near 1.
    const pli = rng.chance(real ? 0.5 : 0.2) ? 0.9 + rng.float() * 0.1 : rng.float() * 0.1;
    const oe = Math.round(rng.logNormal(real ? 0.45 : 0.7, 0.4) * 1000) / 1000;
    rows.push({
      gene_id: gene.id,
      source: 'gnomad',
      version: 'v4.1',
      annotations: {
        pli: Math.round(pli * 1000) / 1000,
        oe_lof: oe,
        oe_lof_upper: Math.round(oe * 1.6 * 1000) / 1000,
      },
    });
  }
  if (real) {
    const pathogenic = Math.round(rng.logNormal(gene.kind === 'core' ? 600 : 60, 0.8));
    const likely = Math.round(pathogenic * 0.6);
    const vus = Math.round(pathogenic * rng.logNormal(2, 0.5));
    rows.push({
      gene_id: gene.id,
      source: 'clinvar',
      version: '2024-07',
      annotations: { pathogenic, likely_pathogenic: likely, vus, total: pathogenic + likely + vus },
    });
  }
  return rows;
}
