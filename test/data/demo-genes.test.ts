import { describe, expect, it } from 'vitest';
import { demoGene, SYNTHETIC_HGNC_BASE, syntheticSymbol } from '../../src/data/demo/demo-genes.js';
import { KIDNEY_GENES } from '../../src/data/demo/kidney-genes.js';

const NOW = Date.UTC(2025, 5, 1, 12);

describe('demo genes', () => {
  it('opens with the best-known kidney genes and their real HGNC ids', () => {
    const real = new Map(
      Array.from({ length: KIDNEY_GENES.length }, (_, i) => demoGene(42, i, NOW)).map((g) => [
        g.approved_symbol,
        g.hgnc_id,
      ]),
    );
    expect(Object.fromEntries([...real].slice(0, 12))).toEqual({
      PKD1: 'HGNC:9008',
      PKD2: 'HGNC:9009',
      COL4A5: 'HGNC:2207',
      COL4A3: 'HGNC:2204',
      COL4A4: 'HGNC:2206',
      NPHS1: 'HGNC:7908',
      NPHS2: 'HGNC:13394',
      WT1: 'HGNC:12796',
      HNF1B: 'HGNC:11630',
      UMOD: 'HGNC:12559',
      PAX2: 'HGNC:8616',
      CEP290: 'HGNC:29021',
    });
    expect(KIDNEY_GENES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(KIDNEY_GENES.map((g) => g.hgnc_id)).size).toBe(KIDNEY_GENES.length);
    expect(demoGene(42, 0, NOW)).toMatchObject({ id: 1, kind: 'core', aliases: ['PBP', 'Pc-1', 'TRPP1'] });
  });

  it('fills up with synthetic genes whose symbols and HGNC ids are unique and cannot collide with real ones', () => {
    const genes = Array.from({ length: 20_000 }, (_, i) => demoGene(42, i, NOW));
    const symbols = new Set(genes.map((g) => g.approved_symbol.toUpperCase()));
    expect(symbols.size).toBe(genes.length);
    expect(new Set(genes.map((g) => g.hgnc_id)).size).toBe(genes.length);
    const synthetic = genes.filter((g) => g.kind === 'synthetic');
    expect(synthetic[0]?.hgnc_id).toBe(`HGNC:${SYNTHETIC_HGNC_BASE}`);
    for (const g of synthetic) {
      expect(Number(g.hgnc_id.slice(5))).toBeGreaterThanOrEqual(SYNTHETIC_HGNC_BASE);
      expect(KIDNEY_GENES.some((k) => g.approved_symbol.includes(k.symbol))).toBe(false);
    }
    const withAliases = synthetic.filter((g) => g.aliases.length > 0).length / synthetic.length;
    expect(withAliases).toBeGreaterThan(0.08);
    expect(withAliases).toBeLessThan(0.16);
  });

  it('gives every gene its own Ensembl and NCBI id, beyond the real ones, and some genes a previous symbol', () => {
    const genes = Array.from({ length: 20_000 }, (_, i) => demoGene(42, i, NOW));
    expect(demoGene(42, 1, NOW)).toMatchObject({
      approved_symbol: 'PKD2',
      ensembl_gene_id: 'ENSG90000000002',
      ncbi_gene_id: '900000002',
      previous_symbols: [],
    });
    expect(new Set(genes.map((g) => g.ensembl_gene_id)).size).toBe(genes.length);
    expect(new Set(genes.map((g) => g.ncbi_gene_id)).size).toBe(genes.length);
    for (const g of genes) {
      expect(g.ensembl_gene_id).toMatch(/^ENSG9\d{10}$/);
      expect(Number(g.ncbi_gene_id)).toBeGreaterThan(900_000_000);
    }
    const previous = genes.flatMap((g) => g.previous_symbols.map((p) => p.toUpperCase()));
    const current = new Set(genes.map((g) => g.approved_symbol.toUpperCase()));
    expect(new Set(previous).size).toBe(previous.length);
    expect(previous.filter((p) => current.has(p))).toEqual([]);
    expect(previous.length / genes.length).toBeGreaterThan(0.07);
    expect(previous.length / genes.length).toBeLessThan(0.13);
  });

  it('is a pure function of (seed, index, now)', () => {
    expect(demoGene(7, 500, NOW)).toEqual(demoGene(7, 500, NOW));
    expect(demoGene(7, 500, NOW)).not.toEqual(demoGene(8, 500, NOW));
    expect(syntheticSymbol(0)).toBe('ZNF9000');
  });

  it('dates genes a month to a year before now, updated in between', () => {
    for (let i = 0; i < 2_000; i++) {
      const g = demoGene(42, i, NOW);
      expect(g.created_ms).toBeLessThanOrEqual(NOW - 30 * 86_400_000);
      expect(g.created_ms).toBeGreaterThan(NOW - 367 * 86_400_000);
      expect(g.updated_ms).toBeGreaterThanOrEqual(g.created_ms);
      expect(g.updated_ms).toBeLessThanOrEqual(NOW);
    }
  });
});
