import { readGeneIdentifiers } from './gene-identifiers.js';
import type { JsonObject, LiteratureContribution } from './import-types.js';
import { failAt } from './input-error.js';
import {
  isRecord,
  readHgncId,
  readPmid,
  readPublicationDetail,
  readSymbol,
  show,
  toIsoDate,
} from './read-fields.js';

/**
 * One paper's file (docs/data-model.md, "Importing"): `pmid`, title, authors, journal, publication_date, url,
 * doi, and `genes: [{symbol, hgnc_id?, …}]` (an entry may also give the gene's identifiers, gene-identifiers.ts). Every gene entry contributes this one PMID and its metadata.
 */
export function parseLiterature(file: string, doc: JsonObject): LiteratureContribution[] {
  const fileFail = failAt(file, '');
  const pmid = readPmid(doc.pmid, 'pmid', fileFail);
  const detail = readPublicationDetail(doc, '', fileFail);
  const date = toIsoDate(detail.publication_date);
  const genes = doc.genes as unknown[];
  return genes.map((entry, i) => {
    const where = `genes[${i}]`;
    const fail = failAt(file, where);
    if (!isRecord(entry)) return fail(`expected an object, got ${show(entry)}`);
    return {
      source: 'Literature',
      gene: {
        symbol: readSymbol(entry.symbol, 'symbol', fail),
        hgncId: readHgncId(entry.hgnc_id, 'hgnc_id', fail),
        identifiers: readGeneIdentifiers(entry, fail),
        file,
        where,
      },
      publications: [pmid],
      details: { [pmid]: detail },
      date,
    };
  });
}
