import type { JsonLine } from './detect-kind.js';
import { IDENTIFIER_FIELDS, readGeneIdentifiers } from './gene-identifiers.js';
import {
  type Contribution,
  type DiagnosticPanelsContribution,
  type GeneRef,
  type JsonObject,
  type LiteratureContribution,
  type PublicationDetail,
  SOURCES,
  type SourceName,
} from './import-types.js';
import { type Fail, failAt } from './input-error.js';
import {
  isRecord,
  latestDate,
  readHgncId,
  readIsoDate,
  readNameList,
  readOptionalText,
  readPmid,
  readPublicationDetail,
  readSymbol,
  show,
  toIsoDate,
} from './read-fields.js';

const FIELDS = [
  'approved_symbol',
  'hgnc_id',
  ...IDENTIFIER_FIELDS,
  'source_name',
  'evidence_data',
  'source_detail',
  'evidence_date',
];

/**
 * JSON Lines rows `{approved_symbol, hgnc_id?, aliases?, previous_symbols?, ensembl_gene_id?, ncbi_gene_id?, source_name, evidence_data, source_detail?, evidence_date?}`.
 * Rows of the union sources (DiagnosticPanels, Literature) must carry their sets (panels / publications)
 * and are unioned like the object files; their counts and source_detail are recomputed, never taken.
 * Rows of the other sources replace the stored evidence_data as they are.
 */
export function parseJsonLinesRows(file: string, lines: JsonLine[]): Contribution[] {
  return lines.map(({ line, value }) => parseRow(file, line, value));
}

function parseRow(file: string, line: number, value: unknown): Contribution {
  const fail = failAt(file, `line ${line}`);
  if (!isRecord(value)) return fail(`expected a JSON object, got ${show(value)}`);
  const unknown = Object.keys(value).find((key) => !FIELDS.includes(key));
  if (unknown !== undefined) return fail(`unknown field '${unknown}'; allowed: ${FIELDS.join(', ')}`);
  const source = readSource(value.source_name, fail);
  const gene: GeneRef = {
    symbol: readSymbol(value.approved_symbol, 'approved_symbol', fail),
    hgncId: readHgncId(value.hgnc_id, 'hgnc_id', fail),
    identifiers: readGeneIdentifiers(value, fail),
    file,
    where: `line ${line}`,
  };
  const data = value.evidence_data;
  if (!isRecord(data)) return fail(`evidence_data must be a JSON object, got ${show(data)}`);
  const sourceDetail = readOptionalText(value.source_detail, 'source_detail', fail);
  const evidenceDate = readIsoDate(value.evidence_date, 'evidence_date', fail);
  if (source === 'DiagnosticPanels') return panelsRow(gene, data, evidenceDate, fail);
  if (source === 'Literature') return literatureRow(gene, data, evidenceDate, fail);
  return { source, gene, evidenceData: data, sourceDetail, evidenceDate };
}

function readSource(value: unknown, fail: Fail): SourceName {
  const allowed = `allowed: ${SOURCES.join(', ')}`;
  if (value === undefined || value === null) return fail(`missing source_name; ${allowed}`);
  const source = SOURCES.find((s) => s === value);
  return (
    source ??
    fail(`unknown source_name ${typeof value === 'string' ? `'${value}'` : show(value)}; ${allowed}`)
  );
}

function optionalNames(value: unknown, field: string, fail: Fail): string[] {
  return value === undefined || value === null ? [] : readNameList(value, field, fail);
}

function panelsRow(
  gene: GeneRef,
  data: JsonObject,
  date: string | null,
  fail: Fail,
): DiagnosticPanelsContribution {
  const hgncIds = optionalNames(data.hgnc_ids, 'evidence_data.hgnc_ids', fail).map(
    (id, i) => readHgncId(id, `evidence_data.hgnc_ids[${i}]`, fail) ?? id,
  );
  return {
    source: 'DiagnosticPanels',
    gene,
    panels: readNameList(data.panels, 'evidence_data.panels', fail),
    providers: optionalNames(data.providers, 'evidence_data.providers', fail),
    hgncIds: gene.hgncId ? [...hgncIds, gene.hgncId] : hgncIds,
    date,
  };
}

function literatureRow(
  gene: GeneRef,
  data: JsonObject,
  date: string | null,
  fail: Fail,
): LiteratureContribution {
  const list = data.publications;
  if (!Array.isArray(list))
    return fail(`evidence_data.publications must be a list of PMIDs, got ${show(list)}`);
  const publications = list.map((p, i) => readPmid(p, `evidence_data.publications[${i}]`, fail));
  const rawDetails = data.publication_details ?? {};
  if (!isRecord(rawDetails)) return fail('evidence_data.publication_details must be an object keyed by PMID');
  const details: Record<string, PublicationDetail> = {};
  for (const [key, detail] of Object.entries(rawDetails)) {
    const field = `evidence_data.publication_details.${key}`;
    const pmid = readPmid(key, field, fail);
    if (!isRecord(detail)) return fail(`${field} must be an object, got ${show(detail)}`);
    details[pmid] = readPublicationDetail(detail, `${field}.`, fail);
  }
  // Details imply their publication, so a PMID listed only there still counts.
  const pmids = [...publications, ...Object.keys(details)];
  const dates = [date, ...Object.values(details).map((d) => toIsoDate(d.publication_date))];
  return { source: 'Literature', gene, publications: pmids, details, date: latestDate(dates) };
}
