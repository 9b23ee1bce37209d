import { describe, expect, it } from 'vitest';
import { classifyDiff, type DiffRow } from '../../src/releases/release-diff.js';
import { checkReleaseInput } from '../../src/releases/release-input.js';

const row = (id: string, a: [string, number] | null, b: [string, number] | null): DiffRow => ({
  id,
  approved_symbol: `G${id}`,
  hgnc_id: `HGNC:${id}`,
  tier_a: a?.[0] ?? null,
  score_a: a?.[1] ?? null,
  tier_b: b?.[0] ?? null,
  score_b: b?.[1] ?? null,
});
const gene = (id: string) => ({ id, approved_symbol: `G${id}`, hgnc_id: `HGNC:${id}` });

describe('classifyDiff', () => {
  it('sorts each row into added, removed, retiered and score changes', () => {
    const diff = classifyDiff(
      [
        row('1', null, ['minimal_evidence', 5]),
        row('2', ['established_support', 30], null),
        row('3', ['minimal_evidence', 8], ['preliminary_evidence', 12]),
        row('4', ['established_support', 30], ['established_support', 40]),
        row('5', ['established_support', 30], ['established_support', 33]),
      ],
      5,
    );
    expect(diff).toEqual({
      added: [{ ...gene('1'), evidence_tier: 'minimal_evidence', evidence_score: 5 }],
      removed: [{ ...gene('2'), evidence_tier: 'established_support', evidence_score: 30 }],
      retiered: [{ ...gene('3'), from: 'minimal_evidence', to: 'preliminary_evidence' }],
      score_changes: [{ ...gene('4'), from: 30, to: 40, delta: 10 }],
    });
  });

  it('a change of exactly the threshold is not listed; a re-tier with a large change is listed twice', () => {
    const diff = classifyDiff(
      [
        row('1', ['minimal_evidence', 5], ['minimal_evidence', 10]),
        row('2', ['preliminary_evidence', 60], ['comprehensive_support', 50]),
      ],
      5,
    );
    expect(diff.score_changes).toEqual([{ ...gene('2'), from: 60, to: 50, delta: -10 }]);
    expect(diff.retiered).toEqual([
      { ...gene('2'), from: 'preliminary_evidence', to: 'comprehensive_support' },
    ]);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  it('threshold 0 lists any change', () => {
    const diff = classifyDiff([row('1', ['minimal_evidence', 5], ['minimal_evidence', 5.001])], 0);
    expect(diff.score_changes).toHaveLength(1);
  });
});

describe('checkReleaseInput (the CLI)', () => {
  it('accepts CalVer versions and names --version otherwise', () => {
    expect(checkReleaseInput('2026.12', undefined)).toEqual({ version: '2026.12', notes: null });
    expect(checkReleaseInput('2026.1.3', 'n')).toEqual({ version: '2026.1.3', notes: 'n' });
    for (const bad of ['2026', '26.12', '2026.123', '2026.12.1234', 'v2026.12', '2026.12 ']) {
      expect(() => checkReleaseInput(bad, undefined)).toThrow(
        expect.objectContaining({ parameter: '--version', code: 'INVALID_PARAMETER' }),
      );
    }
  });

  it('refuses notes that are too long or not text', () => {
    expect(() => checkReleaseInput('2026.12', 'x'.repeat(10_001))).toThrow(
      expect.objectContaining({ parameter: '--notes' }),
    );
    expect(() => checkReleaseInput('2026.12', 'a\u0000b')).toThrow(
      expect.objectContaining({ parameter: '--notes' }),
    );
  });
});
