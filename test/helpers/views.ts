import pg from 'pg';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { Pool, Queryable } from '../../src/db/pool.js';
import { VIEWS } from '../../src/views/defs/index.js';
import type { IndexDef, ViewDef } from '../../src/views/view-def.js';
import { createTestDatabase, type TestDatabase } from './db.js';

const ident = (name: string): string => pg.escapeIdentifier(name);

function indexDdl(view: ViewDef, index: IndexDef): string {
  const unique = index.unique ? 'unique ' : '';
  const method = index.method ? ` using ${index.method}` : '';
  const where = index.where ? ` where ${index.where}` : '';
  return `create ${unique}index ${ident(index.name)} on ${ident(view.name)}${method} (${index.columns.join(', ')})${where}`;
}

/**
 * Creates the views missing from the database, in array order, matviews populated and indexed; views that
 * exist already (the test template has the registry's applyViews() run into it) are left alone. A stand-in for
 * applyViews() where a test needs a view the template lacks: no versions, no replace, no dependency checks.
 */
export async function createViews(db: Queryable, views: readonly ViewDef[] = VIEWS): Promise<void> {
  for (const view of views) {
    const { rows } = await db.query<{ present: boolean }>('select to_regclass($1) is not null as present', [
      ident(view.name),
    ]);
    if (rows[0]?.present) continue;
    if (view.kind === 'view') {
      await db.query(`create view ${ident(view.name)} as ${view.sql}`);
      continue;
    }
    await db.query(`create materialized view ${ident(view.name)} as ${view.sql} with data`);
    for (const index of view.indexes ?? []) await db.query(indexDdl(view, index));
  }
}

/** Refreshes every matview in array order (so stacked matviews see fresh inputs). */
export async function refreshMaterializedViews(
  db: Queryable,
  views: readonly ViewDef[] = VIEWS,
): Promise<void> {
  for (const view of views) {
    if (view.kind !== 'materialized') continue;
    const concurrently = view.refresh?.concurrently ? 'concurrently ' : '';
    await db.query(`refresh materialized view ${concurrently}${ident(view.name)}`);
  }
}

/** Empties every table the views read, identities restarted, so a test builds its dataset from scratch. */
export async function resetData(db: Queryable): Promise<void> {
  await db.query(
    'truncate genes, gene_evidence, gene_curations, gene_annotations, system_logs, users restart identity cascade',
  );
}

export interface GeneFixture {
  symbol: string;
  hgncId?: string;
  aliases?: string[];
  /** evidence_data per source name; any JSON value (tests feed odd shapes on purpose). */
  evidence?: Record<string, unknown>;
  /** gene_annotations sources (annotations '{}'). */
  annotations?: string[];
}

/** Inserts one gene with its evidence and annotation rows; returns the gene id. */
export async function insertGene(db: Queryable, fixture: GeneFixture): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    'insert into genes (approved_symbol, hgnc_id, aliases) values ($1, $2, $3::text[]) returning id',
    [fixture.symbol, fixture.hgncId ?? null, fixture.aliases ?? []],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error(`insert of gene ${fixture.symbol} returned no id`);
  const evidence = Object.entries(fixture.evidence ?? {});
  if (evidence.length > 0) {
    await db.query(
      `insert into gene_evidence (gene_id, source_name, evidence_data)
       select $1, e.source_name, e.evidence_data::jsonb from unnest($2::text[], $3::text[]) as e(source_name, evidence_data)`,
      [id, evidence.map(([source]) => source), evidence.map(([, data]) => JSON.stringify(data))],
    );
  }
  if (fixture.annotations?.length) {
    await db.query(
      `insert into gene_annotations (gene_id, source, annotations) select $1, s, '{}' from unnest($2::text[]) as s`,
      [id, fixture.annotations],
    );
  }
  return id;
}

/** Inserts the genes in order; returns symbol → id. */
export async function insertGenes(
  db: Queryable,
  fixtures: readonly GeneFixture[],
): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const fixture of fixtures) ids.set(fixture.symbol, await insertGene(db, fixture));
  return ids;
}

/**
 * One database for the test file (the views come with the template), emptied before every test; `pool` is
 * read inside tests and hooks only.
 */
export function useEmptyDatabase(): { readonly pool: Pool } {
  let database: TestDatabase | undefined;
  const current = (): TestDatabase => {
    if (!database) throw new Error('useEmptyDatabase: the database exists only inside tests and hooks');
    return database;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });
  beforeEach(async () => {
    await resetData(current().pool);
  });
  return {
    get pool() {
      return current().pool;
    },
  };
}
