import { DatabaseError } from 'pg';
import { type Pool, type PoolClient, withClient } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import { canonicalChecksum } from './release-export.js';
import { type Actor, RELEASE_COLUMNS, type Release } from './release-repository.js';

export interface NewRelease {
  version: string;
  notes: string | null;
  /** Publish at once instead of leaving a draft. */
  publish: boolean;
  actor: Actor;
}

/**
 * One release_genes row per gene the public list shows by default (percentage_score > 0), from
 * gene_list_detailed, with gene_scores' per-source scores and per-source evidence counts.
 */
const FREEZE_GENES_SQL = `insert into release_genes (release_id, gene_id, hgnc_id, gene_symbol, alias_symbols,
       created_at, updated_at, evidence_count, evidence_score, evidence_tier, evidence_group, sources,
       tier_order, group_order, source_scores, source_evidence_counts)
select $1::bigint, l.gene_id, l.hgnc_id, l.gene_symbol, coalesce(l.alias_symbols, '{}'), l.created_at,
       l.updated_at, l.evidence_count, l.evidence_score, l.evidence_tier, l.evidence_group,
       coalesce(l.sources, '{}'), l.tier_order, l.group_order, coalesce(gs.source_scores, '{}'),
       coalesce((select jsonb_object_agg(esc.source_name, esc.source_count)
                   from evidence_source_counts esc where esc.gene_id = l.gene_id), '{}')
  from gene_list_detailed l
  join gene_scores gs on gs.gene_id = l.gene_id
 where l.percentage_score > 0`;

const COUNTS_SQL = `select
  (select count(*) from release_genes where release_id = $1::bigint)::int as gene_count,
  (select count(*) from gene_evidence ge
    where ge.gene_id in (select gene_id from release_genes where release_id = $1::bigint))::bigint
    as total_evidence_count,
  coalesce((select jsonb_object_agg(t.evidence_tier, t.n)
              from (select evidence_tier, count(*) as n from release_genes
                     where release_id = $1::bigint group by evidence_tier) t), '{}') as tier_counts`;

const duplicate = (version: string) =>
  new KgdbError('CONFLICT', { parameter: 'version', detail: `Release '${version}' exists already` });

async function freeze(client: PoolClient, input: NewRelease): Promise<Release> {
  const taken = await client.query('select 1 from releases where version = $1', [input.version]);
  if (taken.rowCount) throw duplicate(input.version);
  // The id first: the genes (and the checksum over them) are written before the row that carries the
  // checksum, so the row is inserted once, complete (release_genes' foreign key is checked at commit).
  const { rows: start } = await client.query<{ id: number; created_at: Date }>(
    `select nextval(pg_get_serial_sequence('releases', 'id'))::bigint as id, now() as created_at`,
  );
  const { id, created_at } = start[0] as { id: number; created_at: Date };
  await client.query('set constraints release_genes_release_fkey deferred');
  await client.query(FREEZE_GENES_SQL, [id]);
  const { rows: counts } = await client.query<{
    gene_count: number;
    total_evidence_count: number;
    tier_counts: Record<string, number>;
  }>(COUNTS_SQL, [id]);
  const { gene_count, total_evidence_count, tier_counts } = counts[0] as NonNullable<(typeof counts)[0]>;
  const checksum = await canonicalChecksum(client, { id, version: input.version, created_at });
  const published = input.publish ? input.actor : null;
  const { rows } = await client.query<Release>(
    `insert into releases (id, version, status, release_notes, gene_count, total_evidence_count, tier_counts,
            export_checksum, created_by, created_by_id, created_at, published_at, published_by,
            published_by_id, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $11)
     returning ${RELEASE_COLUMNS}`,
    [
      id,
      input.version,
      published ? 'published' : 'draft',
      input.notes,
      gene_count,
      total_evidence_count,
      tier_counts,
      checksum,
      input.actor.name,
      input.actor.userId,
      created_at,
      published ? created_at : null,
      published?.name ?? null,
      published?.userId ?? null,
    ],
  );
  return rows[0] as Release;
}

/**
 * Freezes the scored gene list into a new release: one REPEATABLE READ transaction (one snapshot for the genes,
 * the counts and the checksum), nothing written on any error. CONFLICT when the version exists.
 */
export async function createRelease(pool: Pool, input: NewRelease): Promise<Release> {
  return withClient(pool, async (client) => {
    try {
      await client.query('begin isolation level repeatable read');
      const release = await freeze(client, input);
      await client.query('commit');
      return release;
    } catch (err) {
      // A connection that broke cannot roll back; the failure worth reporting is the freeze's.
      await client.query('rollback').catch(() => {});
      // A concurrent create of the same version committed first.
      if (err instanceof DatabaseError && err.code === '23505' && err.constraint === 'releases_version_key') {
        throw duplicate(input.version);
      }
      throw err;
    }
  });
}
