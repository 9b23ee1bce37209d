import type { Comparison, Difference } from './experiment-types.js';

/**
 * The default comparator of experiments (docs/rollout.md, "Experiments"), a pure function. Query results are
 * compared as row multisets unless order is part of the contract (`ordered`: a sorted page); floats are equal
 * when they agree to 6 significant digits; named fields (timestamps) are ignored at any depth. The diff is readable:
 * `rows[3].evidence_score: 87.5 → 87.6`, `rows[id=830].evidence_tier: "a" → "b"`, `rows: missing row {…}`;
 * the same differences come as data (`Difference`: path, segments, kind, both values) for declared rules.
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
  /** Structured differences kept; beyond it the comparison is `truncated` (no rule explains it). Default 1000. */
  maxDifferences?: number;
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

function formatValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

const join = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

type Segments = readonly (string | number)[];

/** A difference with its readable line. */
interface Entry {
  difference: Difference;
  line: string;
}

class Differ {
  /** The first `keep` differences; `total` counts them all. */
  readonly entries: Entry[] = [];
  total = 0;
  constructor(
    private readonly s: Settings,
    private readonly keep: number,
  ) {}

  equal(a: unknown, b: unknown): boolean {
    const probe = new Differ(this.s, 0);
    probe.walk(a, b, '', [], []);
    return probe.total === 0;
  }

  /** `at` / `bt`: the segments of `a` in the control and of `b` in the candidate (they differ in multisets). */
  walk(a: unknown, b: unknown, path: string, at: Segments, bt: Segments): void {
    if (typeof a === 'number' && typeof b === 'number') {
      if (!numbersEqual(a, b, this.s.digits, this.s.absolute)) this.change(path, a, b, at, bt);
    } else if (Array.isArray(a) && Array.isArray(b)) {
      const label = path === '' ? ROOT_ARRAY : path;
      if (this.s.ordered) this.sequence(a, b, label, at, bt);
      else this.multiset(a, b, label, at, bt);
    } else if (isPlain(a) && isPlain(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) this.walk(a[key], b[key], join(path, key), [...at, key], [...bt, key]);
    } else if (a !== b) {
      this.change(path, a, b, at, bt);
    }
  }

  private add(difference: Difference, line: string) {
    this.total++;
    if (this.entries.length < this.keep) this.entries.push({ difference, line });
  }

  /** A field or scalar: present on one side only is 'missing' / 'extra', like rows. */
  private change(path: string, a: unknown, b: unknown, at: Segments, bt: Segments) {
    const kind = a === undefined ? 'extra' : b === undefined ? 'missing' : 'changed';
    const segments = kind === 'extra' ? bt : at;
    this.add(
      { path, segments, kind, control: a, candidate: b },
      `${path === '' ? 'result' : path}: ${formatValue(a)} → ${formatValue(b)}`,
    );
  }

  private row(kind: 'missing' | 'extra', path: string, row: unknown, segments: Segments) {
    const [control, candidate] = kind === 'missing' ? [row, undefined] : [undefined, row];
    this.add({ path, segments, kind, control, candidate }, `${path}: ${kind} row ${formatValue(row)}`);
  }

  private sequence(a: unknown[], b: unknown[], path: string, at: Segments, bt: Segments) {
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) this.walk(a[i], b[i], `${path}[${i}]`, [...at, i], [...bt, i]);
    for (let i = common; i < a.length; i++) this.row('missing', `${path}[${i}]`, a[i], [...at, i]);
    for (let i = common; i < b.length; i++) this.row('extra', `${path}[${i}]`, b[i], [...bt, i]);
  }

  /**
   * Exact matches by rounded key first, then tolerant pairwise, then rows sharing an id diffed field by field.
   * Works on indices, so every difference can name the row's position (see Difference.segments).
   */
  private multiset(a: unknown[], b: unknown[], path: string, at: Segments, bt: Segments) {
    const pool = new Map<string, number[]>();
    b.forEach((row, j) => {
      const key = keyOf(row, this.s.digits);
      const hits = pool.get(key);
      if (hits) hits.push(j);
      else pool.set(key, [j]);
    });
    const leftA: number[] = [];
    a.forEach((row, i) => {
      const hits = pool.get(keyOf(row, this.s.digits));
      if (hits && hits.length > 0) hits.shift();
      else leftA.push(i);
    });
    let leftB = [...pool.values()].flat().sort((x, y) => x - y);
    const take = (k: number) => {
      const j = leftB[k] as number;
      leftB = leftB.filter((_, m) => m !== k);
      return j;
    };
    const unmatched: number[] = [];
    for (const i of leftA) {
      // Rounding can put two equal-to-6-digits numbers on either side of a boundary: compare tolerantly.
      const k = leftB.findIndex((j) => this.equal(a[i], b[j]));
      if (k >= 0) take(k);
      else unmatched.push(i);
    }
    for (const i of unmatched) {
      const row = a[i];
      const id = isPlain(row) ? row.id : undefined;
      const k =
        id === undefined
          ? -1
          : leftB.findIndex((j) => {
              const other = b[j];
              return isPlain(other) && other.id === id;
            });
      if (k >= 0) {
        const j = take(k);
        this.walk(row, b[j], `${path}[id=${formatValue(id)}]`, [...at, i], [...bt, j]);
      } else {
        this.row('missing', path, row, [...at, i]);
      }
    }
    for (const j of leftB) this.row('extra', path, b[j], [...bt, j]);
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
  const maxLines = options.maxDiffLines ?? 20;
  const maxDifferences = options.maxDifferences ?? 1000;
  const differ = new Differ(settings, Math.max(maxLines, maxDifferences));
  differ.walk(normalize(control, settings), normalize(candidate, settings), '', [], []);
  if (differ.total === 0) return { equal: true };
  const lines = differ.entries.slice(0, maxLines).map((e) => e.line);
  if (differ.total > maxLines) lines.push(`… and ${differ.total - maxLines} more differences`);
  const differences = differ.entries.slice(0, maxDifferences).map((e) => e.difference);
  return differ.total > maxDifferences
    ? { equal: false, diff: lines, differences, truncated: true }
    : { equal: false, diff: lines, differences };
}
