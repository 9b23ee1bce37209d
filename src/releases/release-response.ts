import { EVIDENCE_TIERS, type GeneListQuery, type GeneRow } from '../genes/gene-repository.js';
import { pageLink, pageLinks } from '../genes/gene-response.js';
import type { Release } from './release-repository.js';
import type { ReleaseGenesResponse, ReleaseResource } from './release-schemas.js';

/** Pure shaping of releases into the API's JSON (docs/api.md, "Releases"). */

const day = (at: Date): string => at.toISOString().slice(0, 10);

/** Tiers strongest first (as the list's meta), then any other in byte order. */
function orderedTiers(counts: Record<string, number>): Record<string, number> {
  const known: readonly string[] = EVIDENCE_TIERS;
  const names = [
    ...known.filter((t) => counts[t] !== undefined),
    ...Object.keys(counts)
      .filter((t) => !known.includes(t))
      .sort(),
  ];
  return Object.fromEntries(names.map((t) => [t, counts[t] as number]));
}

export function toReleaseResource(r: Release): ReleaseResource {
  return {
    id: r.id,
    version: r.version,
    status: r.status,
    release_date: r.published_at && day(r.published_at),
    published_at: r.published_at?.toISOString() ?? null,
    published_by: r.published_by,
    published_by_id: r.published_by_id,
    export_checksum: r.export_checksum,
    gene_count: r.gene_count,
    total_evidence_count: r.total_evidence_count,
    tier_counts: orderedTiers(r.tier_counts),
    release_notes: r.release_notes,
    citation_text: `kgdb kidney gene list, release ${r.version} (${day(r.created_at)}): ${r.gene_count} genes; export SHA-256 ${r.export_checksum}`,
    created_by: r.created_by,
    created_by_id: r.created_by_id,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

/** Links in page[number] / page[size] form; a request paged by limit / offset gets its page of them. */
const LIMIT_OFFSET = /^(limit|offset)=/;

function withoutLimitOffset(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const kept = url
    .slice(q + 1)
    .split('&')
    .filter((pair) => !LIMIT_OFFSET.test(pair));
  return `${url.slice(0, q)}?${kept.join('&')}`;
}

export function toReleaseGenesResponse(
  version: string,
  page: { rows: GeneRow[]; total: number },
  query: Pick<GeneListQuery, 'page' | 'size'>,
  offset: number,
  url: string,
): ReleaseGenesResponse {
  const pageCount = page.total === 0 ? 0 : Math.ceil(page.total / query.size);
  const link = (n: number) => pageLink(withoutLimitOffset(url), n, query.size);
  return {
    data: page.rows.map(({ id, ...attributes }) => ({ type: 'genes' as const, id, attributes })),
    meta: {
      release: version,
      total: page.total,
      page: query.page,
      per_page: query.size,
      page_count: pageCount,
      offset,
    },
    links: pageLinks(link, query.page, pageCount),
  };
}
