/**
 * Glossary
 * - release: a frozen copy of the scored gene list (every gene with percentage_score > 0) under a CalVer
 *   version, with counts, who made it and when, and the SHA-256 of its canonical export. Never changes.
 * - draft / published: a draft can be deleted or published; a published release can be neither (docs/api.md,
 *   "Releases"). Publishing changes only status and the published_* columns.
 * - frozen genes: the release's release_genes rows, with the column names of gene_list_detailed, so the gene
 *   list's WHERE / ORDER BY (src/genes/views/gene-list-sql.ts) run on them unchanged.
 */

import type { Queryable } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { GeneListQuery, GeneRow } from '../genes/gene-repository.js';
import { GENE_LIST_COLUMNS, orderByClause, whereClause } from '../genes/views/gene-list-sql.js';
import { type RawGeneRow, toGeneRow } from '../genes/views/gene-rows.js';
import type { DiffRow } from './release-diff.js';

export const RELEASE_STATUSES = ['draft', 'published'] as const;
export type ReleaseStatus = (typeof RELEASE_STATUSES)[number];

export interface Release {
  id: number;
  version: string;
  status: ReleaseStatus;
  release_notes: string | null;
  gene_count: number;
  total_evidence_count: number;
  /** evidence_tier → frozen genes. */
  tier_counts: Record<string, number>;
  export_checksum: string;
  created_by: string;
  created_by_id: number | null;
  created_at: Date;
  published_at: Date | null;
  published_by: string | null;
  published_by_id: number | null;
  updated_at: Date;
}

/** Who acts: `user:alice` (with the user id), `token:ci` or `cli:<os user>`. */
export interface Actor {
  name: string;
  userId: number | null;
}

export const RELEASE_COLUMNS = `id, version, status, release_notes, gene_count, total_evidence_count, tier_counts,
       export_checksum, created_by, created_by_id, created_at, published_at, published_by, published_by_id,
       updated_at`;

const notFound = (version: string, parameter = 'version') =>
  new KgdbError('NOT_FOUND', { parameter, detail: `Release '${version}' not found` });

export async function findRelease(db: Queryable, version: string): Promise<Release | undefined> {
  const { rows } = await db.query<Release>(`select ${RELEASE_COLUMNS} from releases where version = $1`, [
    version,
  ]);
  return rows[0];
}

/** The release named `version`, or NOT_FOUND naming the path parameter it came from. */
export async function getRelease(db: Queryable, version: string, parameter = 'version'): Promise<Release> {
  const release = await findRelease(db, version);
  if (!release) throw notFound(version, parameter);
  return release;
}

export interface ReleaseListQuery {
  status?: ReleaseStatus;
  limit: number;
  offset: number;
}

export async function listReleases(
  db: Queryable,
  query: ReleaseListQuery,
): Promise<{ releases: Release[]; total: number }> {
  const status = query.status ?? null;
  const [page, count] = await Promise.all([
    db.query<Release>(
      `select ${RELEASE_COLUMNS} from releases
        where ($1::text is null or status = $1::text)
        order by created_at desc, id desc
        limit $2::bigint offset $3::bigint`,
      [status, query.limit, query.offset],
    ),
    db.query<{ total: number }>(
      'select count(*)::int as total from releases where ($1::text is null or status = $1::text)',
      [status],
    ),
  ]);
  return { releases: page.rows, total: count.rows[0]?.total ?? 0 };
}

/** One release's frozen genes matching the list's filters: a WHERE over `release_genes l`, values bound. */
function frozenWhere(releaseId: number, filters: GeneListQuery['filters']) {
  const values: unknown[] = [releaseId];
  return { where: `l.release_id = $1::bigint and ${whereClause(filters, values)}`, values };
}

/** The frozen genes as the gene list selects them (GENE_LIST_COLUMNS), filtered and sorted like the list. */
export function frozenGenesSql(
  releaseId: number,
  query: Pick<GeneListQuery, 'filters' | 'sort'>,
): { text: string; values: unknown[] } {
  const { where, values } = frozenWhere(releaseId, query.filters);
  return {
    text: `select ${GENE_LIST_COLUMNS}
  from release_genes l
 where ${where}
 order by ${orderByClause(query.sort, 'l.')}`,
    values,
  };
}

/** `limit` rows from `offset` of the frozen genes the query's filters match, in its order, and their total. */
export async function releaseGenePage(
  db: Queryable,
  releaseId: number,
  query: Pick<GeneListQuery, 'filters' | 'sort'>,
  { limit, offset }: { limit: number; offset: number },
): Promise<{ rows: GeneRow[]; total: number }> {
  const { where, values } = frozenWhere(releaseId, query.filters);
  const { text } = frozenGenesSql(releaseId, query);
  const n = values.length;
  const [page, count] = await Promise.all([
    db.query<RawGeneRow>(`${text}\n limit $${n + 1}::bigint offset $${n + 2}::bigint`, [
      ...values,
      limit,
      offset,
    ]),
    db.query<{ total: number }>(`select count(*)::int as total from release_genes l where ${where}`, values),
  ]);
  return { rows: page.rows.map(toGeneRow), total: count.rows[0]?.total ?? 0 };
}

/** Publishes a draft; CONFLICT when it is published already. */
export async function publishRelease(db: Queryable, version: string, actor: Actor): Promise<Release> {
  const { rows } = await db.query<Release>(
    `update releases
        set status = 'published', published_at = now(), published_by = $2, published_by_id = $3,
            updated_at = now()
      where version = $1 and status = 'draft'
      returning ${RELEASE_COLUMNS}`,
    [version, actor.name, actor.userId],
  );
  if (rows[0]) return rows[0];
  await getRelease(db, version);
  throw new KgdbError('CONFLICT', {
    parameter: 'version',
    detail: `Release '${version}' is already published`,
  });
}

/** Deletes a draft with its genes; CONFLICT for a published release, which is kept forever. */
export async function deleteRelease(db: Queryable, version: string): Promise<void> {
  const { rowCount } = await db.query(`delete from releases where version = $1 and status = 'draft'`, [
    version,
  ]);
  if (rowCount) return;
  await getRelease(db, version);
  throw new KgdbError('CONFLICT', {
    parameter: 'version',
    detail: `Release '${version}' is published: a published release cannot be deleted`,
  });
}

/**
 * The genes that differ between two releases (a full join on gene_id): in one only, re-tiered, or with a score
 * change above `minScoreChange`; classifyDiff sorts them into lists. By symbol, then id.
 */
export async function releaseDiffRows(
  db: Queryable,
  a: number,
  b: number,
  minScoreChange: number,
): Promise<DiffRow[]> {
  const { rows } = await db.query<DiffRow>(
    `select coalesce(b.gene_id, a.gene_id)::text as id,
            coalesce(b.gene_symbol, a.gene_symbol) as approved_symbol,
            coalesce(b.hgnc_id, a.hgnc_id) as hgnc_id,
            a.evidence_tier as tier_a, b.evidence_tier as tier_b,
            a.evidence_score as score_a, b.evidence_score as score_b
       from (select * from release_genes where release_id = $1::bigint) a
       full join (select * from release_genes where release_id = $2::bigint) b on b.gene_id = a.gene_id
      where a.gene_id is null or b.gene_id is null or a.evidence_tier <> b.evidence_tier
         or abs(b.evidence_score - a.evidence_score) > $3::float8
      order by approved_symbol, coalesce(b.gene_id, a.gene_id)`,
    [a, b, minScoreChange],
  );
  return rows;
}
