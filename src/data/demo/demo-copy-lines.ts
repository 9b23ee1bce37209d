import { copyRow, isoTimestamp as iso, jsonText, textArrayLiteral } from './copy-text.js';
import type { AnnotationRow, CurationRow } from './demo-annotations.js';
import type { EvidenceRow } from './demo-evidence.js';
import type { DemoGene } from './demo-genes.js';
import type { LogRow } from './demo-logs.js';

/**
 * The COPY statements of the demo and the matching line encoders: each column list and its encoder sit
 * side by side so they cannot drift apart.
 */
export const COPY_SQL = {
  genes:
    'copy genes (id, hgnc_id, approved_symbol, aliases, previous_symbols, ensembl_gene_id, ncbi_gene_id,' +
    ' valid_from, created_at, updated_at) from stdin',
  evidence:
    'copy gene_evidence (id, gene_id, source_name, source_detail, evidence_data, evidence_date, created_at, updated_at) from stdin',
  curations: 'copy gene_curations (id, gene_id, classification, notes, created_at, updated_at) from stdin',
  annotations:
    'copy gene_annotations (id, gene_id, source, version, annotations, created_at, updated_at) from stdin',
  logs:
    'copy system_logs (timestamp, level, logger, message, context, request_id, ip_address, user_agent, path, method,' +
    ' user_id, status_code, duration_ms, error_type, error_message, stack_trace) from stdin',
} as const;

export function geneLine(g: DemoGene): string {
  const created = iso(g.created_ms);
  return copyRow([
    g.id,
    g.hgnc_id,
    g.approved_symbol,
    textArrayLiteral(g.aliases),
    textArrayLiteral(g.previous_symbols),
    g.ensembl_gene_id,
    g.ncbi_gene_id,
    created,
    created,
    iso(g.updated_ms),
  ]);
}

export function evidenceLine(id: number, e: EvidenceRow): string {
  return copyRow([
    id,
    e.gene_id,
    e.source_name,
    e.source_detail,
    jsonText(e.evidence_data),
    e.evidence_date,
    iso(e.created_ms),
    iso(e.updated_ms),
  ]);
}

export function curationLine(id: number, c: CurationRow): string {
  return copyRow([id, c.gene_id, c.classification, c.notes, iso(c.created_ms), iso(c.updated_ms)]);
}

export function annotationLine(id: number, a: AnnotationRow, atMs: number): string {
  return copyRow([id, a.gene_id, a.source, a.version, jsonText(a.annotations), iso(atMs), iso(atMs)]);
}

export function logLine(l: LogRow): string {
  return copyRow([
    iso(l.timestamp_ms),
    l.level,
    l.logger,
    l.message,
    jsonText(l.context),
    l.request_id,
    l.ip_address,
    l.user_agent,
    l.path,
    l.method,
    l.user_id,
    l.status_code,
    l.duration_ms,
    l.error_type,
    l.error_message,
    l.stack_trace,
  ]);
}
