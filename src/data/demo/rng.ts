/**
 * A small seeded PRNG for the demo dataset: sfc32 (Chris Doty-Humphrey's "small fast counting" generator,
 * 128-bit state, passes PractRand to 2^40+ bytes). No package is needed for ~20 lines, and owning it pins
 * the sequence: the same (seed, stream, index) gives the same numbers on every Node version.
 *
 * Every row draws from its own stream `rngFor(seed, stream, index)`, so row i is a pure function of its
 * index: batches can be generated in any order and a change in one table never shifts another.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // sfc32's author recommends discarding the first outputs so that similar seeds diverge.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform whole number in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** Standard normal by Box–Muller; 1 − u keeps the logarithm finite. */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Log-normal with the given median (e^mu) and shape sigma: the long right tail of counts and latencies. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Pareto with minimum xm and tail index alpha (smaller alpha = heavier tail). */
  pareto(xm: number, alpha: number): number {
    return xm / (1 - this.float()) ** (1 / alpha);
  }

  /** k distinct items in random order (partial Fisher–Yates on a copy); k is capped at the list length. */
  sample<T>(items: readonly T[], k: number): T[] {
    const pool = items.slice();
    const n = Math.min(k, pool.length);
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(this.float() * (pool.length - i));
      const tmp = pool[i] as T;
      pool[i] = pool[j] as T;
      pool[j] = tmp;
    }
    return pool.slice(0, n);
  }

  /**
   * k distinct indices drawn with probability proportional to weight, without replacement
   * (Efraimidis–Spirakis: keep the k largest u^(1/w)); returned in index order.
   */
  weightedSample(weights: readonly number[], k: number): number[] {
    return weights
      .map((w, i) => ({ i, key: this.float() ** (1 / w) }))
      .sort((x, y) => y.key - x.key || x.i - y.i)
      .slice(0, k)
      .map((x) => x.i)
      .sort((x, y) => x - y);
  }

  /**
   * A version-7 UUID (RFC 9562) for time `ms`: 48 bits of Unix milliseconds, then random bits. Request ids
   * that sort by time keep inserts into their index at the right-hand edge instead of all over it.
   */
  uuid7(ms: number): string {
    const hi = Math.floor(ms / 65536);
    const time = hex8(hi) + hex8((ms - hi * 65536) * 65536).slice(0, 4);
    const r1 = hex8(((this.uint32() & 0x0fff3fff) | 0x70008000) >>> 0);
    const r2 = hex8(this.uint32());
    const r3 = hex8(this.uint32()).slice(0, 4);
    return `${time.slice(0, 8)}-${time.slice(8)}-${r1.slice(0, 4)}-${r1.slice(4)}-${r2}${r3}`;
  }
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Eight hex digits of an unsigned 32-bit number, by table lookup (toString(16) + padStart is ~5× slower). */
function hex8(n: number): string {
  return (
    (HEX_BYTES[(n >>> 24) & 255] as string) +
    (HEX_BYTES[(n >>> 16) & 255] as string) +
    (HEX_BYTES[(n >>> 8) & 255] as string) +
    (HEX_BYTES[n & 255] as string)
  );
}

/** murmur3's 32-bit finaliser: a bijective avalanche mix, so distinct inputs give unrelated outputs. */
function fmix32(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Which table or decision a stream feeds; a new consumer takes a new number so old streams stay put. */
export const STREAMS = {
  gene: 1,
  plan: 2,
  evidence: 3,
  log: 4,
  curation: 5,
  annotation: 6,
  paper: 7,
  client: 8,
} as const;

/** The PRNG for one row: seed and index may be any safe integers ≥ 0 (hi and lo 32-bit halves are mixed in). */
export function rngFor(seed: number, stream: number, index: number): Rng {
  const seedHi = Math.floor(seed / 4294967296);
  const indexHi = Math.floor(index / 4294967296);
  const h1 = fmix32(seed ^ 0x9e3779b9);
  const h2 = fmix32(h1 ^ seedHi ^ Math.imul(stream, 0x27d4eb2d));
  const h3 = fmix32(h2 ^ index);
  const h4 = fmix32(h3 ^ indexHi ^ 0x165667b1);
  return new Rng(h1, h2 ^ h4, h3, h4);
}
