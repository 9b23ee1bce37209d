/**
 * Types of `kgdb import`.
 *
 * Glossary:
 * - *input file*: one file named on the command line or found in a named directory (*.json, *.jsonl).
 * - *kind*: what an input file is, detected from its content: DiagnosticPanels, Literature or JsonLines.
 * - *contribution*: what one entry of one file says about one gene for one source
 *   (a provider's panels, a paper's PMID, a JSON Lines row's evidence_data).
 * - *origin*: where a contribution came from, for messages: `cegat.json: genes[12]` or `hpo.jsonl: line 7`.
 * - *batch gene*: the contributions of this run grouped by gene key (HGNC id, else upper-cased symbol).
 * - *union source*: DiagnosticPanels and Literature; their sets are unioned with what is stored.
 * - *replace source*: every other source; a JSON Lines row replaces the stored evidence_data.
 * - *stored evidence*: the three columns of a gene_evidence row the importer writes.
 */

export const SOURCES = [
  'PanelApp',
  'HPO',
  'PubTator',
  'DiagnosticPanels',
  'GenCC',
  'ClinGen',
  'Literature',
] as const;
export type SourceName = (typeof SOURCES)[number];

export const FILE_KINDS = ['DiagnosticPanels', 'Literature', 'JsonLines'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export type JsonObject = Record<string, unknown>;

/** What an entry may say about its gene's other identifiers (gene-identifiers.ts). */
export interface GeneIdentifiers {
  aliases: string[];
  previousSymbols: string[];
  ensemblGeneId: string | null;
  ncbiGeneId: string | null;
}

/** The gene an entry names, and where the entry is. */
export interface GeneRef {
  symbol: string;
  hgncId: string | null;
  /** Absent when the entry gives none. */
  identifiers?: GeneIdentifiers | undefined;
  file: string;
  /** `genes[12]` or `line 7`. */
  where: string;
}

/** One paper's metadata as stored under Literature evidence_data.publication_details[pmid]. */
export interface PublicationDetail {
  title: string | null;
  authors: string[];
  journal: string | null;
  publication_date: string | null;
  url: string | null;
  doi: string | null;
}

export interface DiagnosticPanelsContribution {
  source: 'DiagnosticPanels';
  gene: GeneRef;
  panels: string[];
  providers: string[];
  hgncIds: string[];
  /** YYYY-MM-DD the panel data was observed (the file's scraped_at), if known. */
  date: string | null;
}

export interface LiteratureContribution {
  source: 'Literature';
  gene: GeneRef;
  publications: string[];
  details: Record<string, PublicationDetail>;
  /** YYYY-MM-DD of the newest publication this entry brings, if known. */
  date: string | null;
}

export interface ReplaceContribution {
  source: Exclude<SourceName, 'DiagnosticPanels' | 'Literature'>;
  gene: GeneRef;
  evidenceData: JsonObject;
  sourceDetail: string | null;
  evidenceDate: string | null;
}

export type Contribution = DiagnosticPanelsContribution | LiteratureContribution | ReplaceContribution;

export interface ParsedFile {
  path: string;
  kind: FileKind;
  contributions: Contribution[];
}

/** The gene_evidence columns the importer decides; evidence_date is YYYY-MM-DD. */
export interface StoredEvidence {
  source_detail: string | null;
  evidence_data: JsonObject;
  evidence_date: string | null;
}

export interface EvidenceCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  /** Input files per detected kind. */
  files: Record<FileKind, number>;
  genes: {
    created: number;
    /** Already in the database (matched by HGNC id or symbol). */
    existing: number;
    /** Existing genes without an HGNC id that this run gave one. */
    hgncLinked: number;
    /** Existing genes whose aliases, previous symbols, Ensembl or NCBI id this run added to. */
    identifiersUpdated: number;
  };
  evidence: EvidenceCounts;
  /** The same counts per source, for the sources this run touched. */
  bySource: Partial<Record<SourceName, EvidenceCounts>>;
}
