import { describe, expect, it } from 'vitest';
import { collectEvidence } from '../../src/data/import/collect-evidence.js';
import { groupByGene } from '../../src/data/import/group-by-gene.js';
import type {
  Contribution,
  DiagnosticPanelsContribution,
  LiteratureContribution,
  ReplaceContribution,
} from '../../src/data/import/import-types.js';
import { mergeEvidence } from '../../src/data/import/merge-evidence.js';
import { type ExistingGene, resolveGenes } from '../../src/data/import/resolve-genes.js';
import { sortedPmids } from '../../src/data/import/sorted-sets.js';
import { KgdbError } from '../../src/errors.js';

const gene = (symbol: string, hgncId: string | null = null, where = 'genes[0]', file = 'f.json') => ({
  symbol,
  hgncId,
  file,
  where,
});
const panels = (
  symbol: string,
  hgncId: string | null,
  names: string[],
  provider = 'Lab A',
  date: string | null = '2025-08-24',
): DiagnosticPanelsContribution => ({
  source: 'DiagnosticPanels',
  gene: gene(symbol, hgncId),
  panels: names,
  providers: [provider],
  hgncIds: hgncId ? [hgncId] : [],
  date,
});
const paper = (symbol: string, pmid: string, date: string | null = '2020-01-01'): LiteratureContribution => ({
  source: 'Literature',
  gene: gene(symbol),
  publications: [pmid],
  details: {
    [pmid]: { title: `T${pmid}`, authors: [], journal: null, publication_date: date, url: null, doi: null },
  },
  date,
});
const row = (symbol: string, data: Record<string, unknown>, where = 'line 1'): ReplaceContribution => ({
  source: 'HPO',
  gene: gene(symbol, null, where, 'hpo.jsonl'),
  evidenceData: data,
  sourceDetail: null,
  evidenceDate: null,
});
const existing = (id: number, symbol: string, hgnc: string | null, current = true): ExistingGene => ({
  id,
  approved_symbol: symbol,
  hgnc_id: hgnc,
  current,
});

describe('a gene is keyed by HGNC id when present, else by symbol case-insensitively', () => {
  it('groups entries with one HGNC id, whatever their symbol', () => {
    const batch = groupByGene([panels('PKD1', 'HGNC:9008', ['A']), panels('PKD-1', 'HGNC:9008', ['B'])]);
    expect(batch.map((g) => [g.key, g.symbol, g.contributions.length])).toEqual([
      ['hgnc:HGNC:9008', 'PKD1', 2],
    ]);
  });

  it('groups symbol-only entries case-insensitively and keeps the first spelling', () => {
    const batch = groupByGene([paper('C21orf58', '1'), paper('C21ORF58', '2')]);
    expect(batch.map((g) => [g.key, g.symbol, g.hgncId])).toEqual([['symbol:C21ORF58', 'C21orf58', null]]);
  });

  it('puts a symbol-only entry with the one HGNC-keyed gene of that symbol', () => {
    const batch = groupByGene([paper('pkd1', '1'), panels('PKD1', 'HGNC:9008', ['A'])]);
    expect(batch).toHaveLength(1);
    expect(batch[0]).toMatchObject({ key: 'hgnc:HGNC:9008', symbol: 'PKD1' });
  });

  it('keeps a symbol-only entry apart when two HGNC ids claim the symbol', () => {
    const batch = groupByGene([panels('X', 'HGNC:1', ['A']), panels('X', 'HGNC:2', ['A']), paper('x', '1')]);
    expect(batch.map((g) => g.key)).toEqual(['hgnc:HGNC:1', 'hgnc:HGNC:2', 'symbol:X']);
  });
});

describe('resolveGenes: matching the batch to stored genes', () => {
  it('matches by HGNC id, then gives an HGNC id to a stored symbol-only gene, else creates', () => {
    const batch = groupByGene([
      panels('PKD1', 'HGNC:9008', ['A']),
      panels('NPHS1', 'HGNC:7908', ['A']),
      panels('NEW1', 'HGNC:1', ['A']),
    ]);
    const targets = resolveGenes(batch, [existing(10, 'PKD1-old', 'HGNC:9008'), existing(11, 'nphs1', null)]);
    expect([...targets.values()]).toEqual([
      { kind: 'existing', id: 10 },
      { kind: 'link', id: 11, hgncId: 'HGNC:7908' },
      { kind: 'new', key: 'hgnc:HGNC:1', hgncId: 'HGNC:1', symbol: 'NEW1' },
    ]);
  });

  it('matches a symbol case-insensitively, preferring the current gene, then the lowest id', () => {
    const batch = groupByGene([paper('umod', '1')]);
    const stored = [
      existing(3, 'UMOD', 'HGNC:12559', false),
      existing(7, 'Umod', null),
      existing(5, 'UMOD', null),
    ];
    expect([...resolveGenes(batch, stored).values()]).toEqual([{ kind: 'existing', id: 5 }]);
  });

  it('never links one stored gene to two HGNC ids', () => {
    const batch = groupByGene([panels('X', 'HGNC:1', ['A']), panels('x', 'HGNC:2', ['A'])]);
    const kinds = [...resolveGenes(batch, [existing(1, 'X', null)]).values()].map((t) => t.kind);
    expect(kinds).toEqual(['link', 'new']);
  });
});

describe('collectEvidence', () => {
  it('merges two batch genes that land on one stored gene', () => {
    const batch = groupByGene([panels('NEW', 'HGNC:9', ['A']), panels('OLD', null, ['B'])]);
    const targets = resolveGenes(batch, [existing(4, 'OLD', 'HGNC:9')]);
    const plans = collectEvidence(batch, targets);
    expect(plans).toHaveLength(1);
    expect(plans[0]?.contributions).toHaveLength(2);
  });

  it('rejects two rows of a replace source for one gene, naming both places', () => {
    const batch = groupByGene([row('PKD2', {}, 'line 1'), row('pkd2', {}, 'line 5')]);
    let error: unknown;
    try {
      collectEvidence(batch, resolveGenes(batch, []));
    } catch (raw) {
      error = raw;
    }
    expect(error).toBeInstanceOf(KgdbError);
    expect((error as KgdbError).message).toBe(
      'hpo.jsonl: line 5: a second HPO row for gene pkd2 in this import (first at hpo.jsonl: line 1); ' +
        'a row replaces the stored evidence, so give one row per gene and source',
    );
  });
});

describe('merge semantics — union the sets, recompute the counts', () => {
  const merge = (contributions: Contribution[], stored?: Parameters<typeof mergeEvidence>[1]) =>
    mergeEvidence(contributions[0]?.source ?? 'HPO', stored, contributions);

  it('DiagnosticPanels: distinct panel names and providers across files', () => {
    const got = merge([
      panels('A', 'HGNC:1', ['Renal', 'Cystic'], 'Lab B'),
      panels('A', 'HGNC:1', ['Renal'], 'Lab A', '2025-09-01'),
    ]);
    expect(got).toEqual({
      evidence_data: {
        panel_count: 2,
        panels: ['Cystic', 'Renal'],
        providers: ['Lab A', 'Lab B'],
        provider_count: 2,
        hgnc_ids: ['HGNC:1'],
      },
      source_detail: 'DiagnosticPanels: 2 panels from Lab A, Lab B',
      evidence_date: '2025-09-01',
    });
  });

  it('DiagnosticPanels: unions with the stored row, keeps its other keys, date only moves forward', () => {
    const stored = {
      evidence_data: { panels: ['Old'], providers: ['L1', 'L2', 'L3'], panel_count: 7, note: 'kept' },
      source_detail: 'whatever',
      evidence_date: '2026-01-01',
    };
    const got = merge([panels('A', null, ['New', 'Old'], 'L4')], stored);
    expect(got.evidence_data).toEqual({
      panel_count: 2,
      panels: ['New', 'Old'],
      providers: ['L1', 'L2', 'L3', 'L4'],
      provider_count: 4,
      hgnc_ids: [],
      note: 'kept',
    });
    expect(got.source_detail).toBe('DiagnosticPanels: 2 panels from L1, L2, L3 (+1 more)');
    expect(got.evidence_date).toBe('2026-01-01');
  });

  it('DiagnosticPanels: merging what is already stored gives exactly the stored row', () => {
    const once = merge([panels('A', 'HGNC:1', ['X', 'Y'], 'L')]);
    expect(merge([panels('A', 'HGNC:1', ['Y'], 'L')], once)).toEqual(once);
  });

  it('Literature: distinct PMIDs in numeric order, details per PMID, newest publication date', () => {
    const stored = merge([paper('A', '31027891', '2019-03-15')]);
    const got = merge([paper('A', '9', '2022-05-01'), paper('A', '31027891', '2019-03-15')], stored);
    expect(got.evidence_data).toMatchObject({ publication_count: 2, publications: ['9', '31027891'] });
    expect(Object.keys(got.evidence_data.publication_details as object)).toEqual(['9', '31027891']);
    expect(got.source_detail).toBe('Literature: 2 publications');
    expect(got.evidence_date).toBe('2022-05-01');
    expect(merge([paper('A', '9', '2022-05-01')], got)).toEqual(got);
  });

  it('Literature: a later file’s details for a PMID replace the stored ones', () => {
    const stored = merge([paper('A', '1')]);
    const fixed: LiteratureContribution = {
      ...paper('A', '1'),
      details: {
        '1': { title: 'Fixed', authors: ['X'], journal: 'J', publication_date: null, url: null, doi: null },
      },
    };
    const got = merge([fixed], stored);
    expect(got.evidence_data.publication_details).toEqual({ '1': fixed.details['1'] });
    expect(got.evidence_data.publication_count).toBe(1);
  });

  it('other sources: the row replaces what is stored', () => {
    const got = merge([row('A', { hpo_terms: ['HP:1'] })], {
      evidence_data: { hpo_terms: ['HP:0'], diseases: ['D'] },
      source_detail: 'old',
      evidence_date: '2020-01-01',
    });
    expect(got).toEqual({ evidence_data: { hpo_terms: ['HP:1'] }, source_detail: null, evidence_date: null });
  });

  it('sorts PMIDs as numbers', () => {
    expect(sortedPmids(['100', '20'], ['3', '20'])).toEqual(['3', '20', '100']);
  });
});
