import { demoAnnotations, demoCuration } from './demo-annotations.js';
import { annotationLine, curationLine, evidenceLine, geneLine, logLine } from './demo-copy-lines.js';
import { demoEvidence } from './demo-evidence.js';
import { demoGene } from './demo-genes.js';
import { demoLog, type LogPlan } from './demo-logs.js';
import { demoPapers } from './demo-papers.js';

/**
 * The demo tables as lazy sequences of COPY lines, in id order. Pure: the same arguments yield the same
 * lines; nothing is generated until the consumer pulls it.
 */
export function* geneLines(seed: number, genes: number, nowMs: number): Generator<string> {
  for (let i = 0; i < genes; i++) yield geneLine(demoGene(seed, i, nowMs));
}

/** Evidence ids run 1..E in gene order; `counts[i]` rows for gene i (see planEvidenceCounts). */
export function* evidenceLines(seed: number, counts: Uint8Array, nowMs: number): Generator<string> {
  const papers = demoPapers(seed);
  let id = 1;
  for (let i = 0; i < counts.length; i++) {
    const count = counts[i] as number;
    if (count === 0) continue;
    for (const row of demoEvidence(seed, demoGene(seed, i, nowMs), count, papers, nowMs)) {
      yield evidenceLine(id++, row);
    }
  }
}

export function* curationLines(seed: number, genes: number, nowMs: number): Generator<string> {
  let id = 1;
  for (let i = 0; i < genes; i++) {
    const curation = demoCuration(seed, demoGene(seed, i, nowMs), nowMs);
    if (curation) yield curationLine(id++, curation);
  }
}

export function* annotationLines(seed: number, genes: number, nowMs: number): Generator<string> {
  let id = 1;
  for (let i = 0; i < genes; i++) {
    const gene = demoGene(seed, i, nowMs);
    for (const row of demoAnnotations(seed, gene)) yield annotationLine(id++, row, gene.updated_ms);
  }
}

export function* logLines(plan: LogPlan): Generator<string> {
  for (let i = 0; i < plan.total; i++) yield logLine(demoLog(plan, i));
}

/**
 * Joins lines into chunks of `size` rows (one socket write each instead of one per row) and reports
 * each chunk's row count as it is handed on.
 */
export function* chunked(
  lines: Iterable<string>,
  size: number,
  onRows: (n: number) => void,
): Generator<string> {
  let chunk = '';
  let rows = 0;
  for (const line of lines) {
    chunk += line;
    if (++rows === size) {
      yield chunk;
      onRows(rows);
      chunk = '';
      rows = 0;
    }
  }
  if (rows > 0) {
    yield chunk;
    onRows(rows);
  }
}
