import {
  EVIDENCE_GROUPS,
  EVIDENCE_TIERS,
  type GeneDetail,
  type GeneEvidence,
  type GeneListQuery,
  type GenePage,
  type GeneRow,
} from './gene-repository.js';
import type { GeneDetailResponse, GeneEvidenceResponse, GeneListResponse } from './gene-schemas.js';

/** Pure shaping of repository results into the API's JSON (docs/api.md, "Genes"): upstream's field names and meta. */

const PAGE_KEYS = new Set(['page[number]', 'page[size]']);

function decodedKey(pair: string): string {
  const raw = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}

/**
 * A link to another page of the same request: the path and every query pair as the client sent them (so the
 * filters and sort carry over, encoded as they came), with page[number] and page[size] replaced, first.
 */
export function pageLink(url: string, page: number, size: number): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const kept = query.split('&').filter((pair) => pair !== '' && !PAGE_KEYS.has(decodedKey(pair)));
  return `${path}?${[`page[number]=${page}`, `page[size]=${size}`, ...kept].join('&')}`;
}

/** self/first/last/prev/next of a paged list; `last` is page 1 when nothing matches (page count 0). */
export function pageLinks(link: (page: number) => string, page: number, pageCount: number) {
  return {
    self: link(page),
    first: link(1),
    last: link(Math.max(pageCount, 1)),
    prev: page > 1 ? link(page - 1) : null,
    next: page < pageCount ? link(page + 1) : null,
  };
}

function attributes(row: GeneRow): Omit<GeneRow, 'id'> {
  const { id: _id, ...rest } = row;
  return rest;
}

export function toListResponse(page: GenePage, query: GeneListQuery, url: string): GeneListResponse {
  const { total, facts } = page;
  const pageCount = total === 0 ? 0 : Math.ceil(total / query.size);
  const link = (n: number) => pageLink(url, n, query.size);
  return {
    data: page.rows.map((row) => ({ type: 'genes' as const, id: row.id, attributes: attributes(row) })),
    meta: {
      total,
      page: query.page,
      per_page: query.size,
      page_count: pageCount,
      filters: {
        evidence_score: { min: 0, max: 100 },
        evidence_count: { min: 0, max: facts.maxEvidenceCount },
        available_sources: facts.availableSources,
      },
      evidence_tiers: facts.evidenceTiers,
      valid_tiers: [...EVIDENCE_TIERS],
      valid_groups: [...EVIDENCE_GROUPS],
      total_genes: facts.totalGenes,
      hidden_zero_scores: query.filters.hideZeroScores ? facts.totalGenes - facts.nonzeroScoreGenes : 0,
    },
    links: pageLinks(link, query.page, pageCount),
  };
}

export function toDetailResponse(gene: GeneDetail): GeneDetailResponse {
  const { id, ...rest } = gene;
  return { data: { type: 'genes', id, attributes: rest } };
}

export function toEvidenceResponse(result: GeneEvidence): GeneEvidenceResponse {
  const geneId = String(result.gene_id);
  return {
    data: result.evidence.map(({ id, ...rest }) => ({
      type: 'evidence' as const,
      id,
      attributes: rest,
      relationships: { gene: { data: { type: 'genes' as const, id: geneId } } },
    })),
    meta: {
      gene_symbol: result.gene_symbol,
      gene_id: result.gene_id,
      evidence_count: result.evidence.length,
    },
  };
}
