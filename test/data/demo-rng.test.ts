import { describe, expect, it } from 'vitest';
import { rngFor, STREAMS } from '../../src/data/demo/rng.js';

const draw = (seed: number, index: number) => {
  const rng = rngFor(seed, STREAMS.gene, index);
  return Array.from({ length: 8 }, () => rng.uint32());
};

describe('demo PRNG', () => {
  it('gives the same numbers for the same (seed, stream, index), and different ones otherwise', () => {
    expect(draw(42, 7)).toEqual(draw(42, 7));
    expect(draw(42, 7)).not.toEqual(draw(43, 7));
    expect(draw(42, 7)).not.toEqual(draw(42, 8));
    expect(rngFor(42, STREAMS.log, 7).uint32()).not.toBe(rngFor(42, STREAMS.gene, 7).uint32());
  });

  it('pins the sequence: a change to the generator would silently change every demo database', () => {
    expect(draw(42, 0).slice(0, 3)).toMatchInlineSnapshot(`
      [
        2515402005,
        3288588117,
        218033548,
      ]
    `);
  });

  it('mixes the high bits of large seeds and indices', () => {
    expect(draw(2 ** 40, 0)).not.toEqual(draw(0, 0));
    expect(draw(0, 2 ** 40)).not.toEqual(draw(0, 0));
  });

  it('float is in [0, 1) with a mean near 0.5; int stays within its inclusive bounds', () => {
    const rng = rngFor(1, 1, 1);
    let sum = 0;
    let outside = 0;
    for (let i = 0; i < 20_000; i++) {
      const f = rng.float();
      const n = rng.int(3, 5);
      if (f < 0 || f >= 1 || n < 3 || n > 5 || !Number.isInteger(n)) outside++;
      sum += f;
    }
    expect(outside).toBe(0);
    expect(sum / 20_000).toBeCloseTo(0.5, 1);
  });

  it('sample and weightedSample return distinct items, capped at the list length', () => {
    const rng = rngFor(5, 5, 5);
    const picked = rng.sample(['a', 'b', 'c', 'd'], 3);
    expect(new Set(picked).size).toBe(3);
    expect(rng.sample(['a', 'b'], 5).sort()).toEqual(['a', 'b']);
    const indices = rng.weightedSample([1, 10, 1, 5], 2);
    expect(new Set(indices).size).toBe(2);
    expect(indices).toEqual([...indices].sort((a, b) => a - b));
  });

  it('uuid7 is a version-7 UUID whose text sorts by its time', () => {
    const rng = rngFor(9, 9, 9);
    const a = rng.uuid7(Date.UTC(2025, 0, 1));
    const b = rng.uuid7(Date.UTC(2025, 0, 1) + 1);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    expect(Number.parseInt(a.replace('-', '').slice(0, 12), 16)).toBe(Date.UTC(2025, 0, 1));
  });
});
