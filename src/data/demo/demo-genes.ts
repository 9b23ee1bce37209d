import { KIDNEY_GENES, type KidneyGene } from './kidney-genes.js';
import { type Rng, rngFor, STREAMS } from './rng.js';

export const DAY_MS = 86_400_000;

/** One row of `genes` (times as epoch milliseconds) plus what the evidence generator needs to know. */
export interface DemoGene {
  /** genes.id; the demo writes ids 1..N itself so evidence can refer to them without a round trip. */
  id: number;
  hgnc_id: string;
  approved_symbol: string;
  aliases: readonly string[];
  previous_symbols: readonly string[];
  ensembl_gene_id: string;
  ncbi_gene_id: string;
  /** core: the twelve best-known kidney genes; known: other real kidney genes; synthetic: filler for scale. */
  kind: 'core' | 'known' | 'synthetic';
  disease: { id: string; name: string } | undefined;
  created_ms: number;
  updated_ms: number;
}

/**
 * Prefixes of real, large gene families that are not kidney genes, so a search for a kidney symbol
 * (PKD1, NPHS2, TMEM67) does not also find thousands of synthetic ones.
 */
const FAMILIES = [
  'ZNF',
  'CCDC',
  'FAM',
  'LRRC',
  'ANKRD',
  'KLHDC',
  'TTLL',
  'SPATA',
  'PRR',
  'RBM',
  'ZBTB',
  'TRIM',
  'ARMC',
  'KRTAP',
  'C1orf',
  'C6orf',
  'C11orf',
  'C19orf',
] as const;

/** Synthetic HGNC ids start here; real ones are below 200,000, so the two can never collide. */
export const SYNTHETIC_HGNC_BASE = 9_000_001;

/**
 * `${family}9${k}`: the 9 right after the prefix keeps synthetic symbols apart from real members of the
 * family (ZNF423 is real, ZNF9423 is not), and (family, k) is unique, so symbols are unique too. Another
 * marker digit gives a symbol just as unique that is never a current one (the demo's previous symbols).
 */
export function syntheticSymbol(syntheticIndex: number, marker = '9'): string {
  const family = FAMILIES[syntheticIndex % FAMILIES.length] as string;
  const k = Math.floor(syntheticIndex / FAMILIES.length);
  return `${family}${marker}${String(k).padStart(3, '0')}`;
}

/**
 * Invented Ensembl and NCBI gene ids, one per gene by construction: `ENSG9…` and 900,000,000 + n are beyond
 * every real id (real Ensembl gene numbers are below 10^6, NCBI Gene ids below 2 × 10^8), so a demo id never
 * names a real gene, the kidney genes included.
 */
function demoEnsemblId(index: number): string {
  return `ENSG9${String(index + 1).padStart(10, '0')}`;
}
function demoNcbiId(index: number): string {
  return String(900_000_000 + index + 1);
}

/** Old clone names that HGNC lists as aliases of many genes. */
function syntheticAlias(draw: Rng): string {
  switch (draw.int(0, 3)) {
    case 0:
      return `KIAA${draw.int(1000, 2099)}`;
    case 1:
      return `FLJ${draw.int(10000, 46999)}`;
    case 2:
      return `MGC${draw.int(10000, 99999)}`;
    default:
      return `DKFZp${draw.int(434, 781)}${draw.pick(['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M'])}${draw.int(10, 2499)}`;
  }
}

/** Gene `index` (0-based) of the demo: the real kidney genes first, then synthetic ones. Pure. */
export function demoGene(seed: number, index: number, nowMs: number): DemoGene {
  const rng = rngFor(seed, STREAMS.gene, index);
  // Curated a month to a year ago, touched again at some point since.
  const created = nowMs - DAY_MS * (30 + rng.int(0, 335)) - rng.int(0, 86_399) * 1000;
  const updated = created + Math.floor((rng.float() * (nowMs - created)) / 1000) * 1000;
  const real: KidneyGene | undefined = KIDNEY_GENES[index];
  if (real) {
    return {
      id: index + 1,
      hgnc_id: real.hgnc_id,
      approved_symbol: real.symbol,
      aliases: real.aliases,
      previous_symbols: [],
      ensembl_gene_id: demoEnsemblId(index),
      ncbi_gene_id: demoNcbiId(index),
      kind: real.core ? 'core' : 'known',
      disease: real.disease,
      created_ms: created,
      updated_ms: updated,
    };
  }
  const syntheticIndex = index - KIDNEY_GENES.length;
  // About one synthetic gene in eight carries one or two aliases, like real HGNC records.
  const aliasCount = rng.chance(0.12) ? rng.int(1, 2) : 0;
  const aliases = Array.from({ length: aliasCount }, () => syntheticAlias(rng));
  // One in ten was renamed within its family (`ZNF8003` → `ZNF9003`: unique, and never a current symbol);
  // drawn last so the draws above stay what they were.
  const previous = rng.chance(0.1) ? [syntheticSymbol(syntheticIndex, '8')] : [];
  return {
    id: index + 1,
    hgnc_id: `HGNC:${SYNTHETIC_HGNC_BASE + syntheticIndex}`,
    approved_symbol: syntheticSymbol(syntheticIndex),
    aliases,
    previous_symbols: previous,
    ensembl_gene_id: demoEnsemblId(index),
    ncbi_gene_id: demoNcbiId(index),
    kind: 'synthetic',
    disease: undefined,
    created_ms: created,
    updated_ms: updated,
  };
}
