import { describe, expect, it } from 'vitest';
import { formatSeedSummary, parseSeedFlags } from '../../src/cli/commands/seed.js';
import { DEFAULT_DEMO, defaultNow, validateDemoOptions } from '../../src/data/demo/demo-options.js';
import { KgdbError } from '../../src/errors.js';

const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (raw) {
    if (raw instanceof KgdbError) return `${raw.code} (${raw.parameter}): ${raw.message}`;
    throw raw;
  }
  throw new Error('expected an error');
};

describe('demo options', () => {
  it('defaults to 5,000 genes, 25,000 evidence rows, 200,000 logs, seed 42', () => {
    expect(DEFAULT_DEMO).toEqual({ genes: 5_000, evidence: 25_000, logs: 200_000, seed: 42 });
    expect(() => validateDemoOptions(DEFAULT_DEMO)).not.toThrow();
  });

  it('rejects more evidence than 7 × genes, naming the limit', () => {
    expect(
      errorOf(() => validateDemoOptions({ genes: 10, evidence: 71, logs: 0, seed: 1 })),
    ).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (evidence): evidence must be at most 7 × genes = 70 (one row per gene and source), got 71"`,
    );
    expect(() => validateDemoOptions({ genes: 10, evidence: 70, logs: 0, seed: 1 })).not.toThrow();
  });

  it('rejects counts that are not whole numbers in range', () => {
    expect(
      errorOf(() => validateDemoOptions({ genes: 0, evidence: 0, logs: 0, seed: 1 })),
    ).toMatchInlineSnapshot(`"INVALID_PARAMETER (genes): genes must be a whole number ≥ 1, got 0"`);
    expect(
      errorOf(() => validateDemoOptions({ genes: 5, evidence: 1.5, logs: 0, seed: 1 })),
    ).toMatchInlineSnapshot(`"INVALID_PARAMETER (evidence): evidence must be a whole number ≥ 0, got 1.5"`);
    expect(
      errorOf(() => validateDemoOptions({ genes: 5, evidence: 1, logs: -1, seed: 1 })),
    ).toMatchInlineSnapshot(`"INVALID_PARAMETER (logs): logs must be a whole number ≥ 0, got -1"`);
  });

  it('defaults `now` to the current hour, so seeds within an hour agree', () => {
    expect(defaultNow(new Date('2025-06-01T12:34:56.789Z')).toISOString()).toBe('2025-06-01T12:00:00.000Z');
  });
});

describe('kgdb seed flags', () => {
  it('requires --demo', () => {
    expect(errorOf(() => parseSeedFlags({}))).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (--demo): --demo is required: the synthetic demo dataset is the only kind of seed (real data: kgdb import)"`,
    );
  });

  it('uses the defaults, with evidence = 5 × genes when --evidence is absent', () => {
    expect(parseSeedFlags({ demo: true })).toEqual({ options: DEFAULT_DEMO, replace: false });
    expect(parseSeedFlags({ demo: true, genes: '50000', logs: '5000000', replace: true })).toEqual({
      options: { genes: 50_000, evidence: 250_000, logs: 5_000_000, seed: 42 },
      replace: true,
    });
  });

  it('names the flag of a bad number', () => {
    expect(errorOf(() => parseSeedFlags({ demo: true, genes: '0' }))).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (--genes): --genes must be a whole number ≥ 1, got '0'"`,
    );
    expect(errorOf(() => parseSeedFlags({ demo: true, logs: '1e6' }))).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (--logs): --logs must be a whole number ≥ 0, got '1e6'"`,
    );
    expect(errorOf(() => parseSeedFlags({ demo: true, seed: '-3' }))).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (--seed): --seed must be a whole number ≥ 0, got '-3'"`,
    );
    expect(errorOf(() => parseSeedFlags({ demo: true, genes: '10', evidence: '71' }))).toMatchInlineSnapshot(
      `"INVALID_PARAMETER (--evidence): --evidence must be at most 7 × --genes = 70 (one row per gene and source), got 71"`,
    );
  });

  it('prints one summary line on stdout', () => {
    expect(
      formatSeedSummary({ genes: 5_000, evidence: 25_000, logs: 200_000, users: 4, ms: 12_345 }),
    ).toMatchInlineSnapshot(`
      "seeded demo dataset: 5000 genes, 25000 evidence rows, 200000 log rows, 4 demo users in 12.3 s
      "
    `);
  });
});
