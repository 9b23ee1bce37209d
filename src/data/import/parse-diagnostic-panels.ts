import { readGeneIdentifiers } from './gene-identifiers.js';
import type { DiagnosticPanelsContribution, JsonObject } from './import-types.js';
import { type Fail, failAt } from './input-error.js';
import { isRecord, readHgncId, readNameList, readSymbol, show, toIsoDate } from './read-fields.js';

/**
 * One provider's file (docs/data-model.md, "Importing"): `provider_name`, `genes: [{symbol, panels, hgnc_id?, …}]`;
 * an entry may also give the gene's identifiers (gene-identifiers.ts).
 * Every gene entry becomes one contribution; repeated entries for a gene are fine, they are unioned later.
 * The evidence date is the day the provider's page was scraped (`scraped_at`), when the file says.
 * `reported_as` is not kept as an alias: in the upstream files it is as often a protein or disease name
 * ('nephrin', 'MODY', 'II') as an old symbol, and aliases are shown to users as gene names.
 */
export function parseDiagnosticPanels(file: string, doc: JsonObject): DiagnosticPanelsContribution[] {
  const fileFail: Fail = failAt(file, '');
  const provider = doc.provider_name;
  if (typeof provider !== 'string' || provider.trim() === '') {
    fileFail(`provider_name must be a non-empty string, got ${show(provider)}`);
  }
  const providerName = provider.trim();
  const date = toIsoDate(doc.scraped_at);
  const genes = doc.genes as unknown[];
  return genes.map((entry, i) => {
    const where = `genes[${i}]`;
    const fail = failAt(file, where);
    if (!isRecord(entry)) return fail(`expected an object, got ${show(entry)}`);
    const symbol = readSymbol(entry.symbol, 'symbol', fail);
    const hgncId = readHgncId(entry.hgnc_id, 'hgnc_id', fail);
    return {
      source: 'DiagnosticPanels',
      gene: { symbol, hgncId, identifiers: readGeneIdentifiers(entry, fail), file, where },
      panels: readNameList(entry.panels, 'panels', fail),
      providers: [providerName],
      hgncIds: hgncId ? [hgncId] : [],
      date,
    };
  });
}
