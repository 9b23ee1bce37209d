import { describe, expect, it } from 'vitest';
import { benchDatasetSize, parseBenchFlags } from '../../src/cli/commands/bench.js';
import { KgdbError } from '../../src/errors.js';

describe('kgdb bench --genes / --evidence', () => {
  it('in process: 5,000 genes and 25,000 evidence rows; --genes alone scales evidence to 5 × genes, as kgdb seed', () => {
    expect(benchDatasetSize({})).toEqual({ genes: 5000, evidence: 25_000 });
    expect(benchDatasetSize({ genes: '40' })).toEqual({ genes: 40, evidence: 200 });
    expect(benchDatasetSize({ genes: '50000' })).toEqual({ genes: 50_000, evidence: 250_000 });
    expect(benchDatasetSize({ genes: '40', evidence: '7' })).toEqual({ genes: 40, evidence: 7 });
  });

  it('--http: 20,000 and 57,000; --genes alone keeps that ratio, so --genes 20000 is the default dataset', () => {
    expect(benchDatasetSize({ http: true })).toEqual({ genes: 20_000, evidence: 57_000 });
    expect(benchDatasetSize({ http: true, genes: '20000' })).toEqual({ genes: 20_000, evidence: 57_000 });
    expect(benchDatasetSize({ http: true, genes: '1000' })).toEqual({ genes: 1000, evidence: 2850 });
    expect(benchDatasetSize({ http: true, genes: '3' })).toEqual({ genes: 3, evidence: 9 });
  });

  it('more evidence than 7 × genes is refused, naming --evidence, before any database work', () => {
    const error = (() => {
      try {
        benchDatasetSize({ genes: '100', evidence: '701' });
      } catch (raw) {
        return raw;
      }
    })();
    expect(error).toBeInstanceOf(KgdbError);
    expect(error).toMatchObject({
      code: 'INVALID_PARAMETER',
      parameter: '--evidence',
      message: '--evidence must be at most 7 × --genes = 700 (one row per gene and source), got 701',
    });
  });
});

describe('kgdb bench flags → plan', () => {
  it('spells out each mode’s defaults', () => {
    expect(parseBenchFlags({ seed: '42' })).toEqual({
      mode: 'in-process',
      dataset: { genes: 5000, evidence: 25_000, seed: 42 },
      current: false,
      fresh: false,
      iterations: 20,
      warmup: 2,
      search: 'pkd',
    });
    expect(parseBenchFlags({ seed: '7', http: true, connections: '1,10', readme: 'README.md' })).toEqual({
      mode: 'http',
      dataset: { genes: 20_000, evidence: 57_000, seed: 7 },
      current: false,
      fresh: false,
      connections: [1, 10],
      durationSeconds: 10,
      warmupSeconds: 2,
      readme: 'README.md',
    });
  });

  it.each([
    [{ seed: '42', duration: '5' }, '--duration', /applies to --http only/],
    [{ seed: '42', http: true, iterations: '5' }, '--iterations', /applies to the in-process benchmark/],
    [{ seed: '42', current: true, fresh: true }, '--fresh', /contradicts --current/],
    [{ seed: '42', http: true, connections: '10,10' }, '--connections', /repeated/],
    [{ seed: 'x' }, '--seed', /whole number/],
  ])('refuses %o naming %s', (flags, parameter, detail) => {
    expect(() => parseBenchFlags(flags)).toThrow(KgdbError);
    try {
      parseBenchFlags(flags);
    } catch (raw) {
      expect(raw).toMatchObject({ code: 'INVALID_PARAMETER', parameter });
      expect((raw as KgdbError).message).toMatch(detail);
    }
  });
});
