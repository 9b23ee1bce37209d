import { describe, expect, it } from 'vitest';
import { demoGene } from '../../src/data/demo/demo-genes.js';
import { seedConflict } from '../../src/data/demo/seed-conflict.js';

const demo = (count: number) =>
  Array.from({ length: count }, (_, i) => {
    const g = demoGene(42, i, 0);
    return { hgnc_id: g.hgnc_id, approved_symbol: g.approved_symbol };
  });
const gene = (approved_symbol: string, hgnc_id: string | null = null) => ({ hgnc_id, approved_symbol });

describe('seedConflict: why the demo is not seeded into a database with genes', () => {
  it('only genes the demo writes (real kidney ones and synthetic ones): an earlier demo, --replace seeds again', () => {
    const err = seedConflict(demo(150));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(
      'The database already has 150 genes from an earlier demo seed; pass --replace to delete all genes, evidence and logs and seed again',
    );
  });

  it('other genes: imported data, named with the kidney genes it shares, and another database suggested', () => {
    const err = seedConflict([
      ...demo(2),
      gene('ABCA4', 'HGNC:34'),
      gene('nphs2'),
      // A real HGNC id below the synthetic range, and a kidney id under another symbol, are not the demo's.
      gene('ZNF9000', 'HGNC:8999999'),
      gene('PKD1-renamed', 'HGNC:9008'),
      ...['A', 'B', 'C'].map((s) => gene(s)),
    ]);
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(
      'The database has 9 genes, 7 of which the demo generator never writes (ABCA4, nphs2, ZNF9000, PKD1-renamed, A, …): imported data.',
    );
    expect(err.message).toContain('; 4 of them are here already (PKD1, PKD2, nphs2, PKD1-renamed)');
    expect(err.message).toContain('KGDB_DATA_DIR=.kgdb-demo npx kgdb seed --demo');
    expect(err.message).toMatch(/--replace would delete all 9 genes, the imported ones too/);
  });

  it('no shared kidney genes: the note is left out', () => {
    expect(seedConflict([gene('ABCA4', 'HGNC:34')]).message).toContain(
      'real kidney genes with invented evidence, so it would collide',
    );
  });
});
