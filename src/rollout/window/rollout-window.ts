import { addInto, emptyHistogram, observe } from './rollout-window-histogram.js';
import {
  ARM_PATTERN,
  type ExperimentSource,
  type Mode,
  NAME_PATTERN,
  OUTCOMES,
  type Outcome,
} from './window-labels.js';

/**
 * How a served request ended, for the guard: 'unavailable' a 503 DATABASE_UNAVAILABLE (the database could not be
 * reached), 'error' any other response ≥ 500, 'ok' everything else — 4xx included: a rejected input is the
 * caller's doing, never an arm's error.
 */
export type RequestOutcome = 'ok' | 'error' | 'unavailable';

/** What the window counts of one finished experiment call; an ExperimentResult (experiment-types.ts) fits. */
interface CountedExperiment {
  name: string;
  mode: Mode;
  source: ExperimentSource;
  outcome: Outcome;
  /** The declared rules that explained an 'ignored' outcome. */
  rules: readonly string[];
  control: { ms: number };
  /** null when the candidate timed out. */
  candidate: { ms: number } | null;
}

/** One arm's requests in one window of one instance. */
export interface ArmCell {
  windowStart: number;
  arm: string;
  requests: number;
  /** Responses ≥ 500 other than database unavailability. */
  errors: number;
  /** Responses that said the database was unavailable (503 DATABASE_UNAVAILABLE), counted apart from errors. */
  unavailable: number;
  latency: number[];
}

/** One experiment's outcomes in one window of one instance, per mode and source. */
export interface ExperimentCell {
  windowStart: number;
  experiment: string;
  mode: Mode;
  source: ExperimentSource;
  counts: Record<Outcome, number>;
  /** Ignored runs per rule that explained them (a run explained by two rules counts for both). */
  ignoredByRule: Record<string, number>;
  controlLatency: number[];
  candidateLatency: number[];
}

interface WindowDeltas {
  arms: ArmCell[];
  experiments: ExperimentCell[];
}

export interface RolloutWindowOptions {
  /** Window length; default 10 s. Every instance must use the same value (window starts align on it). */
  windowMs?: number;
  /** Wall clock in ms (window starts are wall-clock instants shared by all instances). */
  now?: () => number;
  /** Distinct arms / experiments held at once; more are dropped (labels must stay bounded). Default 16 / 64. */
  maxArms?: number;
  maxExperiments?: number;
  /** Cells older than this are dropped when a failed write hands them back; default 10 min. */
  maxAgeMs?: number;
}

export interface RolloutWindow {
  readonly windowMs: number;
  /** Runs in the response hook: synchronous, O(log buckets). `true`/`false` mean 'error'/'ok'. */
  observeRequest(arm: string, ms: number, outcome: RequestOutcome | boolean): void;
  observeExperiment(result: CountedExperiment): void;
  /** Everything observed since the last take, as additive deltas; the window starts over empty. */
  take(): WindowDeltas;
  /** Merges deltas back after a failed write, so the next flush retries them. */
  restore(deltas: WindowDeltas): void;
  /** Observations refused because their label was malformed or over the cap. */
  dropped(): number;
}

const zeroCounts = (): Record<Outcome, number> =>
  Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;

/** Rule names become jsonb keys of the window rows: only well-formed ones are counted. */
function addRules(into: Record<string, number>, rules: readonly string[]) {
  for (const rule of rules) if (NAME_PATTERN.test(rule)) into[rule] = (into[rule] ?? 0) + 1;
}

/** The per-instance accumulator of rollout numbers; the writer adds it into PostgreSQL. */
export function createRolloutWindow(options: RolloutWindowOptions = {}): RolloutWindow {
  const windowMs = options.windowMs ?? 10_000;
  const now = options.now ?? Date.now;
  const maxArms = options.maxArms ?? 16;
  const maxExperiments = options.maxExperiments ?? 64;
  const maxAgeMs = options.maxAgeMs ?? 600_000;
  let arms = new Map<string, ArmCell>();
  let experiments = new Map<string, ExperimentCell>();
  const armNames = new Set<string>();
  const experimentNames = new Set<string>();
  let dropped = 0;

  const startOf = (t: number) => Math.floor(t / windowMs) * windowMs;

  const admit = (names: Set<string>, name: string, pattern: RegExp, max: number) => {
    if (names.has(name)) return true;
    if (!pattern.test(name) || names.size >= max) {
      dropped++;
      return false;
    }
    names.add(name);
    return true;
  };

  const armCell = (windowStart: number, arm: string) => {
    const key = `${windowStart}|${arm}`;
    let cell = arms.get(key);
    if (!cell) {
      cell = { windowStart, arm, requests: 0, errors: 0, unavailable: 0, latency: emptyHistogram() };
      arms.set(key, cell);
    }
    return cell;
  };

  const experimentCell = (windowStart: number, experiment: string, mode: Mode, source: ExperimentSource) => {
    const key = `${windowStart}|${experiment}|${mode}|${source}`;
    let cell = experiments.get(key);
    if (!cell) {
      cell = {
        windowStart,
        experiment,
        mode,
        source,
        counts: zeroCounts(),
        ignoredByRule: {},
        controlLatency: emptyHistogram(),
        candidateLatency: emptyHistogram(),
      };
      experiments.set(key, cell);
    }
    return cell;
  };

  return {
    windowMs,
    observeRequest(arm, ms, outcome) {
      if (!admit(armNames, arm, ARM_PATTERN, maxArms)) return;
      const cell = armCell(startOf(now()), arm);
      cell.requests++;
      if (outcome === true || outcome === 'error') cell.errors++;
      else if (outcome === 'unavailable') cell.unavailable++;
      observe(cell.latency, ms);
    },
    observeExperiment(result) {
      if (!admit(experimentNames, result.name, NAME_PATTERN, maxExperiments)) return;
      const cell = experimentCell(startOf(now()), result.name, result.mode, result.source);
      cell.counts[result.outcome]++;
      if (result.outcome === 'ignored') addRules(cell.ignoredByRule, result.rules);
      observe(cell.controlLatency, result.control.ms);
      if (result.candidate) observe(cell.candidateLatency, result.candidate.ms);
    },
    take() {
      const deltas = { arms: [...arms.values()], experiments: [...experiments.values()] };
      arms = new Map();
      experiments = new Map();
      return deltas;
    },
    restore(deltas) {
      const oldest = startOf(now()) - maxAgeMs;
      for (const d of deltas.arms) {
        if (d.windowStart < oldest) continue;
        const cell = armCell(d.windowStart, d.arm);
        cell.requests += d.requests;
        cell.errors += d.errors;
        cell.unavailable += d.unavailable;
        addInto(cell.latency, d.latency);
      }
      for (const d of deltas.experiments) {
        if (d.windowStart < oldest) continue;
        const cell = experimentCell(d.windowStart, d.experiment, d.mode, d.source);
        for (const o of OUTCOMES) cell.counts[o] += d.counts[o];
        for (const [rule, n] of Object.entries(d.ignoredByRule))
          cell.ignoredByRule[rule] = (cell.ignoredByRule[rule] ?? 0) + n;
        addInto(cell.controlLatency, d.controlLatency);
        addInto(cell.candidateLatency, d.candidateLatency);
      }
    },
    dropped: () => dropped,
  };
}
