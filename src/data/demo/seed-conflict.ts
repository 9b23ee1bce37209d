import { KgdbError } from '../../errors.js';
import { SYNTHETIC_HGNC_BASE } from './demo-genes.js';
import { KIDNEY_GENES } from './kidney-genes.js';

/** A genes row, as far as telling the demo's genes from others goes. */
export interface ExistingGene {
  hgnc_id: string | null;
  approved_symbol: string;
}

const KIDNEY_BY_HGNC = new Map(KIDNEY_GENES.map((g) => [g.hgnc_id, g.symbol]));
const KIDNEY_SYMBOLS = new Set(KIDNEY_GENES.map((g) => g.symbol.toUpperCase()));
const SAMPLE = 5;

/** One of the demo's real kidney genes (its HGNC id and symbol), or one of its synthetic genes. Pure. */
function demoMayHaveWritten(gene: ExistingGene): boolean {
  if (gene.hgnc_id === null) return false;
  if (KIDNEY_BY_HGNC.get(gene.hgnc_id) === gene.approved_symbol) return true;
  const number = /^HGNC:(\d+)$/.exec(gene.hgnc_id)?.[1];
  return number !== undefined && Number(number) >= SYNTHETIC_HGNC_BASE;
}

const listed = (symbols: readonly string[], total: number) =>
  `${symbols.slice(0, SAMPLE).join(', ')}${total > SAMPLE ? ', …' : ''}`;

/**
 * Why the demo is not seeded into a database that holds genes, and what to do instead. Genes the demo
 * generator never writes mean real (imported) data: the demo is not added beside it, because it numbers its
 * genes from id 1 and opens with real kidney genes (PKD1 …) that carry invented evidence, which would collide
 * with the imported rows or blend into their scores; and --replace would delete the import. Pure.
 */
export function seedConflict(genes: readonly ExistingGene[]): KgdbError {
  const n = genes.length;
  const foreign = genes.filter((g) => !demoMayHaveWritten(g)).map((g) => g.approved_symbol);
  if (foreign.length === 0) {
    return new KgdbError('CONFLICT', {
      detail: `The database already has ${n} genes from an earlier demo seed; pass --replace to delete all genes, evidence and logs and seed again`,
    });
  }
  const shared = genes.filter(
    (g) =>
      (g.hgnc_id !== null && KIDNEY_BY_HGNC.has(g.hgnc_id)) ||
      KIDNEY_SYMBOLS.has(g.approved_symbol.toUpperCase()),
  );
  const sharedNote =
    shared.length > 0
      ? `; ${shared.length} of them are here already (${listed(
          shared.map((g) => g.approved_symbol),
          shared.length,
        )})`
      : '';
  return new KgdbError('CONFLICT', {
    detail:
      `The database has ${n} genes, ${foreign.length} of which the demo generator never writes ` +
      `(${listed(foreign, foreign.length)}): imported data. The demo is not added beside them: it is a whole ` +
      `synthetic dataset numbered from gene id 1 whose first ${KIDNEY_GENES.length} genes are real kidney ` +
      `genes with invented evidence${sharedNote}, so it would collide with these genes or blend invented ` +
      'evidence into their scores. Seed an empty database instead: another data dir ' +
      '(KGDB_DATA_DIR=.kgdb-demo npx kgdb seed --demo) or another DATABASE_URL. ' +
      `--replace would delete all ${n} genes, the imported ones too, with their evidence and all logs`,
  });
}
