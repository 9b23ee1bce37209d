import { performance } from 'node:perf_hooks';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { compareResults } from './comparator.js';
import { classify } from './experiment-outcome.js';
import {
  type Comparison,
  type ExperimentResult,
  type FaultInjection,
  InjectedFault,
  type Mode,
  type Observation,
} from './experiment-types.js';

/** One call of one experiment. */
export interface ExperimentSpec<T> {
  name: string;
  /** The path whose result (or error) the caller gets. */
  control: () => Promise<T>;
  /** The path under test; `signal` aborts when timeoutMs has passed (pass it on where the work can stop). */
  candidate: (signal: AbortSignal) => Promise<T>;
  /** Replaces the default comparator (compareResults with `ordered` and `ignore`). */
  compare?: (control: T, candidate: T) => Comparison;
  /** Field names the default comparator skips (timestamps). */
  ignore?: readonly string[];
  /** A mismatch this accepts is recorded as 'ignored' (known, harmless differences). */
  ignoreMismatch?: (control: T, candidate: T) => boolean;
  /** Order is part of the contract (a sorted page): compare arrays as sequences. */
  ordered?: boolean;
  /** Run the candidate on this call: the caller's decision (the `enable_shadow_testing` flag or explicit). */
  sample: boolean;
  /** The candidate's budget; past it the outcome is 'timeout' and the signal aborts. */
  timeoutMs: number;
  /** 'aa' runs the control twice instead of control and candidate (noise measurement). Default 'ab'. */
  mode?: Mode;
  /** The request as JSON, stored with non-matching samples so they can be replayed. */
  request?: unknown;
}

export interface ExperimentRecorderSink {
  /** Synchronous and bounded (an in-memory enqueue); runs once per finished experiment call. */
  record(result: ExperimentResult): void;
}

export interface ExperimenterOptions {
  recorder: ExperimentRecorderSink;
  /** Candidates running at once in this process; a sampled call beyond it runs the control only. Default 32. */
  maxInFlight?: number;
  /** Test-only: make the candidate fail on a share of calls. */
  faults?: FaultInjection;
  /** Monotonic ms clock; performance.now by default. */
  clock?: () => number;
  logger?: Logger;
  /** Runs after each recorded result (metrics); its exceptions are swallowed. */
  onResult?: (result: ExperimentResult) => void;
}

export interface ExperimenterStats {
  inFlight: number;
  started: number;
  /** Sampled calls that ran the control only because maxInFlight candidates were already running. */
  skipped: number;
}

export interface Experimenter {
  /** Resolves or rejects exactly as the control does; a sampled candidate runs detached and is recorded. */
  run<T>(spec: ExperimentSpec<T>): Promise<T>;
  /** Runs both now and waits for the comparison (admin run-single/run-batch); recorded like run(). */
  runNow<T>(spec: Omit<ExperimentSpec<T>, 'sample'>): Promise<ExperimentResult>;
  /** Resolves when every detached candidate started so far has been recorded (shutdown, tests). */
  drain(): Promise<void>;
  stats(): ExperimenterStats;
}

type Run = { observation: Observation; raw?: unknown };

async function timed(arm: Observation['arm'], clock: () => number, fn: () => Promise<unknown>): Promise<Run> {
  const start = clock();
  try {
    const value = await fn();
    return { observation: { arm, ms: clock() - start, ok: true, value } };
  } catch (raw) {
    return { observation: { arm, ms: clock() - start, ok: false, error: toError(raw).message }, raw };
  }
}

export function createExperimenter(options: ExperimenterOptions): Experimenter {
  const clock = options.clock ?? (() => performance.now());
  const maxInFlight = options.maxInFlight ?? 32;
  const pending = new Set<Promise<void>>();
  const stats = { started: 0, skipped: 0 };

  const record = (result: ExperimentResult) => {
    try {
      options.recorder.record(result);
      options.onResult?.(result);
    } catch (raw) {
      // Recording is machinery: a failure here must never reach the caller (STYLE rule 17).
      options.logger?.warn({ err: toError(raw), experiment: result.name }, 'experiment result not recorded');
    }
  };

  const candidateOf =
    <T>(spec: Omit<ExperimentSpec<T>, 'sample'>, signal: AbortSignal) =>
    async () => {
      if (spec.mode === 'aa') return spec.control();
      const faults = options.faults;
      if (faults && (faults.random ?? Math.random)() < faults.candidateFailureRate) throw new InjectedFault();
      return spec.candidate(signal);
    };

  /** Starts control and candidate in the same tick; `finished` settles once the result is recorded. */
  const start = <T>(spec: Omit<ExperimentSpec<T>, 'sample'>) => {
    stats.started++;
    const abort = new AbortController();
    const controlRun = timed('control', clock, spec.control);
    const candidateRun = timed('candidate', clock, candidateOf(spec, abort.signal));
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        abort.abort(new Error(`candidate exceeded ${spec.timeoutMs} ms`));
        resolve(null);
      }, spec.timeoutMs);
    });
    const bounded = Promise.race([candidateRun.then((r) => r.observation), expired]).finally(() =>
      clearTimeout(timer),
    );
    const compare = (spec.compare ??
      ((a: unknown, b: unknown) => compareResults(a, b, { ordered: spec.ordered, ignore: spec.ignore }))) as (
      a: unknown,
      b: unknown,
    ) => Comparison;
    const finished = Promise.all([controlRun, bounded]).then(([control, candidate]) => {
      const { outcome, diff } = classify({
        control: control.observation,
        candidate,
        timeoutMs: spec.timeoutMs,
        compare,
        ignoreMismatch: spec.ignoreMismatch as ((a: unknown, b: unknown) => boolean) | undefined,
      });
      const result: ExperimentResult = {
        name: spec.name,
        mode: spec.mode ?? 'ab',
        outcome,
        diff,
        control: control.observation,
        candidate,
        request: spec.request,
      };
      record(result);
      return result;
    });
    const tracked = finished.then(
      () => undefined,
      (raw) => options.logger?.warn({ err: toError(raw), experiment: spec.name }, 'experiment failed'),
    );
    pending.add(tracked);
    void tracked.finally(() => pending.delete(tracked));
    return { controlRun, finished };
  };

  return {
    async run<T>(spec: ExperimentSpec<T>): Promise<T> {
      if (!spec.sample) return spec.control();
      if (pending.size >= maxInFlight) {
        stats.skipped++;
        return spec.control();
      }
      const { controlRun } = start(spec);
      const control = await controlRun;
      // The caller sees the control's own value or its own error object, untouched.
      if (!control.observation.ok) throw control.raw;
      return control.observation.value as T;
    },
    async runNow(spec) {
      return start(spec).finished;
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stats: () => ({ inFlight: pending.size, ...stats }),
  };
}
