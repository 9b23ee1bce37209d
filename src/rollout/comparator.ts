import type { Comparison } from './experiment-types.js';

/**
 * The default comparator of experiments (DESIGN §6), a pure function. Query results are compared as row
 * multisets unless order is part of the contract (`ordered`: a sorted page); floats are equal when they agree
 * to 6 significant digits; named fields (timestamps) are ignored at any depth. The diff is readable:
 * `rows[3].evidence_score: 87.5 → 87.6`, `rows[id=830].evidence_tier: "a" → "b"`, `rows: missing row {…}`.
 */
export interface CompareOptions {
  /** Arrays are sequences (position matters) instead of multisets. Default false. */
  ordered?: boolean;
  /** Field names skipped wherever they occur ('created_at', 'updated_at'). */
  ignore?: readonly string[];
  /** Significant digits two non-integer numbers must share; default 6. Integers always compare exactly. */
  significantDigits?: number;
  /** Differences smaller than this are equal whatever their magnitude (0 vs 1e-17 float noise); default 1e-12. */
  absoluteTolerance?: number;
  /** Lines kept in the diff; a last line counts the rest. Default 20. */
  maxDiffLines?: number;
}

interface Settings {
  ordered: boolean;
  ignore: ReadonlySet<string>;
  digits: number;
  absolute: number;
}

const ROOT_ARRAY = 'rows';
const MAX_VALUE_TEXT = 160;

type Plain = Record<string, unknown>;

const isPlain = (v: unknown): v is Plain =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Dates as ISO text, bigints as text, undefined fields dropped, ignored fields removed; keys sorted. */
function normalize(value: unknown, s: Settings): unknown {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((v) => normalize(v, s));
  if (isPlain(value)) {
    const out: Plain = {};
    for (const key of Object.keys(value).sort()) {
      if (s.ignore.has(key) || value[key] === undefined) continue;
      out[key] = normalize(value[key], s);
    }
    return out;
  }
  return value;
}

export function numbersEqual(a: number, b: number, digits = 6, absolute = 1e-12): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  // Integers are counts and ids: 1,000,001 vs 1,000,002 is a real difference, not rounding.
  if (Number.isInteger(a) && Number.isInteger(b)) return false;
  const diff = Math.abs(a - b);
  if (diff <= absolute) return true;
  const scale = Math.max(Math.abs(a), Math.abs(b));
  // Half a unit in the last kept digit: 87.50004 = 87.5000 (6 digits), 87.5 ≠ 87.6.
  return diff <= 0.5 * 10 ** (Math.floor(Math.log10(scale)) - digits + 1);
}

/** The multiset key: canonical JSON with non-integers rounded to the compared digits. */
function keyOf(value: unknown, digits: number): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(digits)) : v,
  );
}

export function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

class Differ {
  readonly lines: string[] = [];
  constructor(private readonly s: Settings) {}

  equal(a: unknown, b: unknown): boolean {
    const probe = new Differ(this.s);
    probe.walk(a, b, '');
    return probe.lines.length === 0;
  }

  walk(a: unknown, b: unknown, path: string): void {
    if (typeof a === 'number' && typeof b === 'number') {
      if (!numbersEqual(a, b, this.s.digits, this.s.absolute)) this.change(path, a, b);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const at = path === '' ? ROOT_ARRAY : path;
      if (this.s.ordered) this.sequence(a, b, at);
      else this.multiset(a, b, at);
    } else if (isPlain(a) && isPlain(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) this.walk(a[key], b[key], join(path, key));
    } else if (a !== b) {
      this.change(path, a, b);
    }
  }

  private change(path: string, a: unknown, b: unknown) {
    this.lines.push(`${path === '' ? 'result' : path}: ${formatValue(a)} → ${formatValue(b)}`);
  }

  private sequence(a: unknown[], b: unknown[], path: string) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) this.walk(a[i], b[i], `${path}[${i}]`);
    for (let i = common; i < a.length; i++)
      this.lines.push(`${path}[${i}]: missing row ${formatValue(a[i])}`);
    for (let i = common; i < b.length; i++) this.lines.push(`${path}[${i}]: extra row ${formatValue(b[i])}`);
  }

  /** Exact matches by rounded key first, then tolerant pairwise, then rows sharing an id diffed field by field. */
  private multiset(a: unknown[], b: unknown[], path: string) {
    const pool = new Map<string, number[]>();
    b.forEach((row, i) => {
      const key = keyOf(row, this.s.digits);
      pool.set(key, [...(pool.get(key) ?? []), i]);
    });
    const leftA: unknown[] = [];
    for (const row of a) {
      const hits = pool.get(keyOf(row, this.s.digits));
      if (hits && hits.length > 0) hits.shift();
      else leftA.push(row);
    }
    let leftB = [...pool.values()]
      .flat()
      .sort((x, y) => x - y)
      .map((i) => b[i]);
    const unmatched: unknown[] = [];
    for (const row of leftA) {
      // Rounding can put two equal-to-6-digits numbers on either side of a boundary: compare tolerantly.
      const j = leftB.findIndex((other) => this.equal(row, other));
      if (j >= 0) leftB = leftB.filter((_, k) => k !== j);
      else unmatched.push(row);
    }
    for (const row of unmatched) {
      const id = isPlain(row) ? row.id : undefined;
      const j = id === undefined ? -1 : leftB.findIndex((other) => isPlain(other) && other.id === id);
      if (j >= 0) {
        this.walk(row, leftB[j], `${path}[id=${formatValue(id)}]`);
        leftB = leftB.filter((_, k) => k !== j);
      } else {
        this.lines.push(`${path}: missing row ${formatValue(row)}`);
      }
    }
    for (const row of leftB) this.lines.push(`${path}: extra row ${formatValue(row)}`);
  }
}

/** Control first, candidate second: "x → y" reads as "control said x, candidate said y". */
export function compareResults(
  control: unknown,
  candidate: unknown,
  options: CompareOptions = {},
): Comparison {
  const settings: Settings = {
    ordered: options.ordered ?? false,
    ignore: new Set(options.ignore ?? []),
    digits: options.significantDigits ?? 6,
    absolute: options.absoluteTolerance ?? 1e-12,
  };
  const differ = new Differ(settings);
  differ.walk(normalize(control, settings), normalize(candidate, settings), '');
  if (differ.lines.length === 0) return { equal: true };
  const max = options.maxDiffLines ?? 20;
  const lines = differ.lines.slice(0, max);
  if (differ.lines.length > max) lines.push(`… and ${differ.lines.length - max} more differences`);
  return { equal: false, diff: lines };
}
