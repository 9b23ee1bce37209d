import { SOURCES, type SourceName } from '../import/import-types.js';
import { SOURCE_WEIGHTS } from './evidence-sources.js';
import { KIDNEY_GENES } from './kidney-genes.js';
import { type Rng, rngFor, STREAMS } from './rng.js';

const MAX_SOURCES = SOURCES.length;
/** Share of genes without any evidence (genes listed by HGNC that no source reports), when the total allows. */
const NO_EVIDENCE_SHARE = 0.025;

/** How many genes must have no evidence: ~2.5 %, but at least N − E (each gene with evidence has ≥ 1 row) and
 *  at most N − ⌈E/7⌉ (the others must be able to hold all E rows). */
export function zeroEvidenceGenes(genes: number, evidence: number): number {
  const wanted = Math.round(genes * NO_EVIDENCE_SHARE);
  return Math.max(genes - evidence, Math.min(wanted, genes - Math.ceil(evidence / MAX_SOURCES)));
}

/**
 * Per-gene "appetite" for sources. Synthetic genes draw from a log-normal (median 1, σ 0.8): with a low mean
 * most genes get one or two sources and a thin tail gets all seven. Real kidney genes are boosted far above
 * that, and the core twelve get all seven whenever the total allows any gene to.
 */
function appetite(rng: Rng, index: number): number {
  const real = KIDNEY_GENES[index];
  if (real?.core) return 1e6;
  if (real) return rng.logNormal(8, 0.4);
  return rng.logNormal(1, 0.8);
}

/**
 * The real-valued source count for appetite w at a given scale: 1 + 6·(1 − e^(−w·scale)). It saturates
 * smoothly towards 7 instead of clamping, so even at a high mean (5 of 7 in the default demo) the counts
 * spread over 3..7 rather than piling up at 7.
 */
function sourceCount(w: number, scale: number): number {
  return w === 0 ? 0 : 1 + (MAX_SOURCES - 1) * (1 - Math.exp(-w * scale));
}

/** Σ sourceCount over all genes: continuous and non-decreasing in scale. */
function plannedTotal(weights: Float64Array, scale: number): number {
  let sum = 0;
  for (const w of weights) sum += sourceCount(w, scale);
  return sum;
}

/**
 * Number of evidence rows (0..7) for each of `genes` genes, summing to exactly `evidence`. Pure in (seed,
 * genes, evidence). Callers have checked 0 ≤ evidence ≤ 7 × genes.
 *
 * Which genes get none: synthetic genes first (random), real ones only when the total is below the gene count.
 * The rest get sourceCount(appetite, scale) with `scale` found by bisection so the real-valued total is
 * `evidence`; largest-remainder rounding then makes the integer total exact.
 */
export function planEvidenceCounts(seed: number, genes: number, evidence: number): Uint8Array {
  const weights = new Float64Array(genes);
  const zeroKeys = new Float64Array(genes);
  for (let i = 0; i < genes; i++) {
    const rng = rngFor(seed, STREAMS.plan, i);
    weights[i] = appetite(rng, i);
    zeroKeys[i] = (i < KIDNEY_GENES.length ? 1 : 0) + rng.float();
  }
  const zeros = zeroEvidenceGenes(genes, evidence);
  const order = Array.from({ length: genes }, (_, i) => i).sort(
    (a, b) => (zeroKeys[a] as number) - (zeroKeys[b] as number) || a - b,
  );
  for (const i of order.slice(0, zeros)) weights[i] = 0;

  let minWeight = 1;
  for (const w of weights) if (w > 0 && w < minWeight) minWeight = w;
  // At w·scale ≥ 800, e^(−w·scale) underflows to 0: every gene with evidence is at 7, the largest total.
  let lo = 0;
  let hi = 800 / minWeight;
  for (let step = 0; step < 200 && hi - lo > hi * 1e-15; step++) {
    const mid = (lo + hi) / 2;
    if (plannedTotal(weights, mid) <= evidence) lo = mid;
    else hi = mid;
  }
  return roundToTotal(weights, lo, evidence);
}

/** Largest-remainder rounding of sourceCount(w, scale) to integers summing to `total` (ties: lower index). */
function roundToTotal(weights: Float64Array, scale: number, total: number): Uint8Array {
  const counts = new Uint8Array(weights.length);
  const fractions: { i: number; f: number }[] = [];
  let sum = 0;
  weights.forEach((w, i) => {
    if (w === 0) return;
    const x = sourceCount(w, scale);
    counts[i] = Math.floor(x);
    sum += counts[i] as number;
    fractions.push({ i, f: x - Math.floor(x) });
  });
  fractions.sort((a, b) => b.f - a.f || a.i - b.i);
  // Floating error can leave the floor sum a row or two off in either direction; these loops absorb it.
  for (let k = 0; sum < total && k < fractions.length; k++) {
    const { i } = fractions[k] as { i: number };
    if ((counts[i] as number) < MAX_SOURCES) {
      counts[i] = (counts[i] as number) + 1;
      sum++;
    }
  }
  for (let i = 0; sum < total && i < counts.length; i++) {
    while ((weights[i] as number) > 0 && (counts[i] as number) < MAX_SOURCES && sum < total) {
      counts[i] = (counts[i] as number) + 1;
      sum++;
    }
  }
  for (let i = counts.length - 1; sum > total && i >= 0; i--) {
    while ((counts[i] as number) > 1 && sum > total) {
      counts[i] = (counts[i] as number) - 1;
      sum--;
    }
  }
  return counts;
}

const WEIGHTS_IN_ORDER = SOURCES.map((s) => SOURCE_WEIGHTS[s]);

/** Which `count` sources a gene has: weighted by SOURCE_WEIGHTS, returned in SOURCES order. */
export function pickSources(rng: Rng, count: number): SourceName[] {
  if (count >= MAX_SOURCES) return [...SOURCES];
  return rng.weightedSample(WEIGHTS_IN_ORDER, count).map((i) => SOURCES[i] as SourceName);
}
