import { describe, expect, it } from 'vitest';
import { countEvidence } from '../../src/data/import/count-evidence.js';
import { formatImportSummary } from '../../src/data/import/format-import-summary.js';

describe('countEvidence', () => {
  it('counts what was neither inserted nor rewritten as unchanged, in total and per source', () => {
    expect(countEvidence(['HPO', 'HPO', 'Literature', 'DiagnosticPanels'], ['Literature'], ['HPO'])).toEqual({
      evidence: { created: 1, updated: 1, unchanged: 2 },
      bySource: {
        HPO: { created: 0, updated: 1, unchanged: 1 },
        Literature: { created: 1, updated: 0, unchanged: 0 },
        DiagnosticPanels: { created: 0, updated: 0, unchanged: 1 },
      },
    });
  });
});

describe('formatImportSummary', () => {
  it('prints files, genes and an aligned evidence table in source order', () => {
    const text = formatImportSummary({
      files: { DiagnosticPanels: 9, Literature: 12, JsonLines: 0 },
      genes: { created: 1205, existing: 0, hgncLinked: 0, identifiersUpdated: 0 },
      evidence: { created: 1781, updated: 0, unchanged: 0 },
      bySource: {
        Literature: { created: 815, updated: 0, unchanged: 0 },
        DiagnosticPanels: { created: 966, updated: 0, unchanged: 0 },
      },
    });
    expect(text).toBe(
      [
        'files     9 DiagnosticPanels, 12 Literature, 0 JSON Lines',
        'genes     1205 created, 0 existing, 0 given an HGNC id, 0 given identifiers',
        'evidence  source             created   updated unchanged',
        '          DiagnosticPanels       966         0         0',
        '          Literature             815         0         0',
        '          total                 1781         0         0',
        '',
      ].join('\n'),
    );
  });
});
