import type { Cache } from '../cache/cache-types.js';
import { geneListKey, symbolKey } from './gene-cache-keys.js';
import { toGeneListQuery } from './gene-list-query.js';
import type {
  GeneDetail,
  GeneEvidence,
  GeneListFacts,
  GeneListQuery,
  GenePage,
  GeneRepository,
} from './gene-repository.js';

/** The list's filter metadata is the same for every request: one entry. */
const FACTS_KEY = 'all';

/** The cheapest request that returns the facts: the default one (facts from gene_list_stats), one row. */
const FACTS_PROBE: GeneListQuery = { ...toGeneListQuery({}), size: 1 };

type PagePart = Pick<GenePage, 'rows' | 'total'>;

/** A page object adds nothing to its entry's size: it shares its rows and facts with the entries. */
const SHARED_PARTS = () => 0;

/**
 * GeneRepository through the cache, for the views path: the page (rows + total) per normalized request in
 * `gene_list`, the facts once in `gene_list_facts`, detail and evidence per symbol (not-found too, as null).
 * Values are shared between requests: callers must not mutate them (the response shapers copy). What a
 * value is handed out as stays the same object while its entry lives, so renditions of it can be kept.
 */
export function createCachedGeneRepository(inner: GeneRepository, cache: Cache): GeneRepository {
  const facts = (): Promise<GeneListFacts> =>
    cache.get('gene_list_facts', FACTS_KEY, async () => (await inner.list(FACTS_PROBE)).facts);

  return {
    async list(query: GeneListQuery): Promise<GenePage> {
      let loaded: GeneListFacts | undefined;
      const part = await cache.get<PagePart>('gene_list', geneListKey(query), async () => {
        // One statement gives page and facts: keep the facts too (token first: a change meanwhile voids it).
        const token = await cache.token('gene_list_facts');
        const page = await inner.list(query);
        loaded = page.facts;
        await cache.set(token, FACTS_KEY, page.facts);
        return { rows: page.rows, total: page.total };
      });
      const current = loaded ?? (await facts());
      // One page object per cached page (and facts generation), so what the route makes of it can be kept
      // with the entry (Cache.rendition).
      return cache.rendition(part, 'page', () => ({ rows: part.rows, total: part.total, facts: current }), {
        bytes: SHARED_PARTS,
        dependsOn: [current],
      });
    },

    async findBySymbol(symbol: string): Promise<GeneDetail | undefined> {
      const found = await cache.get<GeneDetail | null>(
        'gene_detail',
        symbolKey(symbol),
        async () => (await inner.findBySymbol(symbol)) ?? null,
      );
      return found ?? undefined;
    },

    async evidence(symbol: string): Promise<GeneEvidence | undefined> {
      const found = await cache.get<GeneEvidence | null>(
        'gene_evidence',
        symbolKey(symbol),
        async () => (await inner.evidence(symbol)) ?? null,
      );
      return found ?? undefined;
    },
  };
}

/**
 * The legacy arm's one cached read, its list facts in `legacy_gene_facts` (upstream kept them 300 s; here the
 * database clears them). Handed to the legacy repository as a function, so the arm imports nothing of this.
 */
export const cachedLegacyFacts =
  (cache: Cache) =>
  (load: () => Promise<GeneListFacts>): Promise<GeneListFacts> =>
    cache.get('legacy_gene_facts', FACTS_KEY, load);
