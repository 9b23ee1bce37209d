import { JOURNALS, SURNAMES, TITLE_COHORTS, TITLE_TOPICS } from './evidence-vocab.js';
import { rngFor, STREAMS } from './rng.js';

/** One entry of Literature evidence_data.publication_details: {title, authors, journal, publication_date, url, doi}. */
export interface DemoPaper {
  pmid: string;
  title: string;
  authors: string[];
  journal: string;
  publication_date: string;
  url: string;
  doi: string | null;
}

/**
 * The demo's Literature source is a fixed set of cohort papers shared by all genes, as upstream's is
 * (12 papers, each listing hundreds of genes), so one PMID always carries the same details.
 */
const PAPER_COUNT = 40;

/**
 * Papers are cited with Zipf-like weights 1/(rank+1)^0.9: the first few large cohort studies list most
 * genes, later ones few.
 */
export const PAPER_WEIGHTS: readonly number[] = Array.from(
  { length: PAPER_COUNT },
  (_, i) => 1 / (i + 1) ** 0.9,
);

/** The demo papers for a seed. PMIDs are synthetic 8-digit numbers in 25–38 million (2014–2024's range). */
export function demoPapers(seed: number): DemoPaper[] {
  return Array.from({ length: PAPER_COUNT }, (_, p) => {
    const rng = rngFor(seed, STREAMS.paper, p);
    // The paper index is part of the PMID so that two papers never share one.
    const pmid = String(25_000_000 + rng.int(0, 324_999) * 40 + p);
    const year = rng.int(2014, 2024);
    const month = String(rng.int(1, 12)).padStart(2, '0');
    const day = String(rng.int(1, 28)).padStart(2, '0');
    const authors = rng
      .sample(SURNAMES, rng.int(2, 6))
      .map((name) => `${name} ${String.fromCharCode(65 + rng.int(0, 25))}`);
    const topic = rng.pick(TITLE_TOPICS);
    const cohort = rng.pick(TITLE_COHORTS);
    return {
      pmid,
      title: `Diagnostic yield of ${topic} in ${rng.int(90, 3300)} patients with ${cohort}`,
      authors,
      journal: rng.pick(JOURNALS),
      publication_date: `${year}-${month}-${day}`,
      url: `https://pubmed.ncbi.nlm.nih.gov/${pmid}/`,
      // Upstream's records lack a DOI about a fifth of the time.
      doi: rng.chance(0.2) ? null : `10.1000/demo.${year}.${pmid.slice(-5)}`,
    };
  });
}
