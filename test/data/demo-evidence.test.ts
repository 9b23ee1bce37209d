import { describe, expect, it } from 'vitest';
import { demoEvidence, type EvidenceRow } from '../../src/data/demo/demo-evidence.js';
import { demoGene } from '../../src/data/demo/demo-genes.js';
import { demoPapers } from '../../src/data/demo/demo-papers.js';
import { PUBTATOR_STORED_PMIDS } from '../../src/data/demo/evidence-data.js';
import { CLINGEN_CLASSIFICATIONS, GENCC_CLASSIFICATIONS } from '../../src/data/demo/evidence-sources.js';
import { SOURCES, type SourceName } from '../../src/data/import/import-types.js';

const NOW = Date.UTC(2025, 5, 1, 12);
const SEED = 42;
const papers = demoPapers(SEED);

/** evidence_data read field by field; each test checks the fields it reads against docs/data-model.md. */
// biome-ignore lint/suspicious/noExplicitAny: a typed view of seven shapes would only restate what the tests assert
type Data = Record<string, any>;

/** docs/data-model.md, "evidence_data per source", key for key. */
const KEYS: Record<SourceName, { required: string[]; optional?: string[] }> = {
  PanelApp: {
    required: ['panels', 'regions', 'phenotypes', 'modes_of_inheritance', 'evidence_levels', 'panel_count'],
  },
  HPO: { required: ['hpo_terms', 'evidence_score'], optional: ['diseases'] },
  PubTator: { required: ['publication_count', 'pmids', 'mentions', 'total_mentions'] },
  DiagnosticPanels: { required: ['panel_count', 'panels', 'providers', 'provider_count', 'hgnc_ids'] },
  GenCC: { required: ['classifications', 'submissions', 'diseases', 'submitters'] },
  ClinGen: { required: ['classifications', 'validities', 'expert_panels'] },
  Literature: { required: ['publication_count', 'publications', 'publication_details'] },
};

/** Every source of the first 1,500 genes (real and synthetic), all seven rows each. */
const rows: EvidenceRow[] = Array.from({ length: 1_500 }, (_, i) =>
  demoEvidence(SEED, demoGene(SEED, i, NOW), 7, papers, NOW),
).flat();
const bySource = (source: SourceName) => rows.filter((r) => r.source_name === source);
const data = (source: SourceName) => bySource(source).map((r) => r.evidence_data as Data);
const lower = (titles: readonly string[]) => titles.map((t) => t.toLowerCase());

describe('demo evidence_data', () => {
  it('has one row per source of a gene, in source order, with the gene id', () => {
    const first = rows.slice(0, 7);
    expect(first.map((r) => r.source_name)).toEqual([...SOURCES]);
    expect(new Set(first.map((r) => r.gene_id))).toEqual(new Set([1]));
  });

  it.each(SOURCES)('%s rows carry exactly the documented keys', (source) => {
    const { required, optional = [] } = KEYS[source];
    for (const d of data(source)) {
      const keys = Object.keys(d);
      expect(keys.filter((k) => !optional.includes(k)).sort()).toEqual([...required].sort());
    }
  });

  it('PanelApp: panel_count = number of panels, each {id, name, version, region}; regions are theirs', () => {
    for (const d of data('PanelApp')) {
      expect(d.panel_count).toBe(d.panels.length);
      for (const p of d.panels) expect(Object.keys(p).sort()).toEqual(['id', 'name', 'region', 'version']);
      expect(d.regions).toEqual([...new Set(d.panels.map((p: { region: string }) => p.region))].sort());
    }
  });

  it('HPO: HP ids; diseases, when present, as {id, name}', () => {
    for (const d of data('HPO')) {
      for (const term of d.hpo_terms) expect(term).toMatch(/^HP:\d{7}$/);
      for (const disease of d.diseases ?? []) expect(Object.keys(disease).sort()).toEqual(['id', 'name']);
      expect(d.evidence_score).toBeGreaterThan(0);
      expect(d.evidence_score).toBeLessThanOrEqual(1);
    }
    expect(data('HPO').some((d) => d.diseases === undefined)).toBe(true);
  });

  it('PubTator: a capped, distinct PMID list while publication_count keeps the full long-tailed number', () => {
    const counts = data('PubTator').map((d) => d.publication_count as number);
    for (const d of data('PubTator')) {
      expect(d.pmids.length).toBe(Math.min(d.publication_count, PUBTATOR_STORED_PMIDS));
      expect(new Set(d.pmids).size).toBe(d.pmids.length);
      expect(d.total_mentions).toBeGreaterThanOrEqual(d.publication_count);
      expect(d.mentions.length).toBeLessThanOrEqual(d.pmids.length);
    }
    const sorted = [...counts].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] as number;
    // Long tail: the largest counts are orders of magnitude above the typical gene.
    expect(Math.max(...counts)).toBeGreaterThan(50 * median);
  });

  it('DiagnosticPanels: panel_count = distinct panels, provider_count = providers, hgnc_ids = the gene', () => {
    for (const r of bySource('DiagnosticPanels')) {
      const d = r.evidence_data as Data;
      expect(d.panel_count).toBe(new Set(d.panels).size);
      expect(d.panel_count).toBe(d.panels.length);
      expect(d.provider_count).toBe(d.providers.length);
      expect(d.hgnc_ids).toEqual([demoGene(SEED, r.gene_id - 1, NOW).hgnc_id]);
    }
    expect(Math.max(...data('DiagnosticPanels').map((d) => d.panel_count))).toBeGreaterThan(10);
  });

  it('GenCC and ClinGen: distinct documented titles, in varying case and order, sometimes several', () => {
    const check = (source: 'GenCC' | 'ClinGen', allowed: readonly string[]) => {
      const all = data(source).map((d) => d.classifications as string[]);
      for (const titles of all) {
        expect(titles.length).toBeGreaterThan(0);
        expect(new Set(lower(titles)).size).toBe(titles.length);
        for (const t of lower(titles)) expect(lower(allowed)).toContain(t);
      }
      expect(all.some((t) => t.length > 1)).toBe(true);
      expect(all.some((t) => t.some((x) => x !== x.toLowerCase() && x !== x.toUpperCase()))).toBe(true);
      expect(all.some((t) => t.some((x) => x === x.toLowerCase()))).toBe(true);
    };
    check('GenCC', GENCC_CLASSIFICATIONS);
    check('ClinGen', CLINGEN_CLASSIFICATIONS);
    for (const d of data('GenCC')) expect(d.submitters.length).toBe(d.submissions.length);
  });

  it('Literature: publication_count = publications = keys of publication_details with all their fields', () => {
    for (const d of data('Literature')) {
      expect(d.publication_count).toBe(d.publications.length);
      expect(Object.keys(d.publication_details).sort()).toEqual([...d.publications].sort());
      for (const detail of Object.values(d.publication_details)) {
        expect(Object.keys(detail as object).sort()).toEqual([
          'authors',
          'doi',
          'journal',
          'publication_date',
          'title',
          'url',
        ]);
      }
    }
  });

  it('gives the core kidney genes Definitive curated classifications', () => {
    const pkd1 = demoEvidence(SEED, demoGene(SEED, 0, NOW), 7, papers, NOW);
    const clingen = pkd1.find((r) => r.source_name === 'ClinGen')?.evidence_data.classifications as string[];
    expect(lower(clingen)).toContain('definitive');
  });

  it('dates evidence in the past, on or after the gene was created', () => {
    for (const r of rows.slice(0, 700)) {
      expect(r.updated_ms).toBeLessThanOrEqual(NOW);
      expect(r.created_ms).toBeLessThanOrEqual(r.updated_ms);
      expect(r.evidence_date).toBe(new Date(r.updated_ms).toISOString().slice(0, 10));
    }
  });
});
