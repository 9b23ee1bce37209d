import { AsyncResource } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { DatabaseError } from 'pg';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { ExperimentSource, Mode } from '../window/window-labels.js';
import { compareResults } from './comparator.js';
import type { DifferenceRule } from './difference-rules.js';
import { classify } from './experiment-outcome.js';
import type { Comparison, ExperimentResult, Observation } from './experiment-types.js';
import { type FaultInjection, InjectedFault } from './fault-injection.js';

/** One call of one experiment. */
interface ExperimentSpec<T> {
  name: string;
  /** The path whose result (or error) the caller gets. */
  control: () => Promise<T>;
  /** The path under test; `signal` aborts when timeoutMs has passed (pass it on where the work can stop). */
  candidate: (signal: AbortSignal) => Promise<T>;
  /** Replaces the default comparator (compareResults with `ordered` and `ignore`). */
  compare?: (control: T, candidate: T) => Comparison;
  /** Field names the default comparator skips (timestamps). */
  ignore?: readonly string[];
  /** Declared differences: a comparison whose every difference one of them explains is recorded 'ignored'. */
  rules?: readonly DifferenceRule<T>[];
  /** Order is part of the contract (a sorted page): compare arrays as sequences. */
  ordered?: boolean;
  /** Run the candidate on this call: the caller's decision (the plan's shadow flag, or explicit). */
  sample: boolean;
  /** The candidate's budget; past it the outcome is 'timeout' and the signal aborts. */
  timeoutMs: number;
  /** 'aa' runs the control twice instead of control and candidate (noise measurement). Default 'ab'. */
  mode?: Mode;
  /** The request as JSON, stored with non-matching samples so they can be replayed. */
  request?: unknown;
  /** Who asked: 'live' (the arm switch; the guard's evidence) or 'admin' (run-single, run-batch). Default 'live'. */
  source?: ExperimentSource;
}

/** What verify() and runNow() take: the comparison always runs. */
type ComparisonSpec<T> = Omit<ExperimentSpec<T>, 'sample'>;

export interface ExperimentRecorderSink {
  /** Synchronous and bounded (an in-memory enqueue); runs once per finished experiment call. */
  record(result: ExperimentResult): void;
}

export interface ExperimenterOptions {
  recorder: ExperimentRecorderSink;
  /** Candidates running at once in this process; a sampled call beyond it runs the control only. Default 32. */
  maxInFlight?: number;
  /**
   * Verifications running at once (verify()); beyond it one is skipped. Default 2: a verification runs both
   * paths on top of the call that was served, so only a few may hold connections at a time.
   */
  maxVerifyInFlight?: number;
  /** Test-only: make the candidate fail on a share of calls. */
  faults?: FaultInjection;
  /** Monotonic ms clock; performance.now by default. */
  clock?: () => number;
  logger?: Logger;
  /** Runs after each recorded result (metrics); its exceptions are swallowed. */
  onResult?: (result: ExperimentResult) => void;
}

interface ExperimenterStats {
  /** Detached comparisons running: shadows and verifications. */
  inFlight: number;
  /** Comparisons started: shadows, admin runs and verifications. */
  started: number;
  /** Sampled calls that ran the control only because maxInFlight candidates were already running. */
  skipped: number;
  /** Verifications running. */
  verifying: number;
  /** Verifications not started because maxVerifyInFlight were already running. */
  verifySkipped: number;
}

export interface Experimenter {
  /** Resolves or rejects exactly as the control does; a sampled candidate runs detached and is recorded. */
  run<T>(spec: ExperimentSpec<T>): Promise<T>;
  /** Runs both now and waits for the comparison (admin run-single/run-batch); recorded like run(). */
  runNow<T>(spec: ComparisonSpec<T>): Promise<ExperimentResult>;
  /**
   * Starts control and candidate detached and records their comparison (a call served by another path, e.g.
   * the candidate behind a cache). Returns at once, never throws; false when skipped at maxVerifyInFlight.
   */
  verify<T>(spec: ComparisonSpec<T>): boolean;
  /** Resolves when every detached comparison started so far has been recorded (shutdown, tests). */
  drain(): Promise<void>;
  stats(): ExperimenterStats;
}

type Run = { observation: Observation; raw?: unknown };

/**
 * Runs `fn` in the async context this module was loaded in, outside every request: request-scoped state
 * (AsyncLocalStorage: a request's database time, its logger bindings) must not see detached work.
 */
const detached: <R>(fn: () => R) => R = AsyncResource.bind(<R>(fn: () => R) => fn());

/**
 * What a failed arm's observation says. A PostgreSQL error keeps only its SQLSTATE: its message can quote the
 * statement, and outcomes are served by the shadow-test results; the whole error goes to the server log.
 */
function failureText(raw: unknown): string {
  return raw instanceof DatabaseError
    ? `PostgreSQL error ${raw.code ?? '(no SQLSTATE)'}, see the server log`
    : toError(raw).message;
}

async function timed(arm: Observation['arm'], clock: () => number, fn: () => Promise<unknown>): Promise<Run> {
  const start = clock();
  try {
    const value = await fn();
    return { observation: { arm, ms: clock() - start, ok: true, value } };
  } catch (raw) {
    return { observation: { arm, ms: clock() - start, ok: false, error: failureText(raw) }, raw };
  }
}

export function createExperimenter(options: ExperimenterOptions): Experimenter {
  const clock = options.clock ?? (() => performance.now());
  const maxInFlight = options.maxInFlight ?? 32;
  const maxVerifyInFlight = options.maxVerifyInFlight ?? 2;
  const pending = new Set<Promise<void>>();
  const verifying = new Set<Promise<void>>();
  const stats = { started: 0, skipped: 0, verifySkipped: 0 };

  const record = (result: ExperimentResult) => {
    try {
      options.recorder.record(result);
      options.onResult?.(result);
    } catch (raw) {
      // Recording is machinery: a failure here must never reach the caller.
      options.logger?.warn({ err: toError(raw), experiment: result.name }, 'experiment result not recorded');
    }
  };

  const candidateOf =
    <T>(spec: ComparisonSpec<T>, signal: AbortSignal) =>
    async () => {
      if (spec.mode === 'aa') return spec.control();
      const faults = options.faults;
      if (faults && (faults.random ?? Math.random)() < faults.candidateFailureRate) throw new InjectedFault();
      return spec.candidate(signal);
    };

  /**
   * Starts control and candidate in the same tick; `finished` settles once the result is recorded. The candidate
   * runs detached from the caller's context, and so does the control unless it serves the caller (`serving`).
   */
  const start = <T>(spec: ComparisonSpec<T>, serving = false) => {
    stats.started++;
    const abort = new AbortController();
    const controlRun = serving
      ? timed('control', clock, spec.control)
      : detached(() => timed('control', clock, spec.control));
    const candidateRun = detached(() => timed('candidate', clock, candidateOf(spec, abort.signal)));
    // A serving control's error reaches the caller, whose error handler logs it.
    for (const run of serving ? [candidateRun] : [controlRun, candidateRun]) {
      void run.then(({ observation, raw }) => {
        if (raw instanceof DatabaseError)
          options.logger?.warn(
            { err: raw, experiment: spec.name, arm: observation.arm },
            'experiment arm failed in PostgreSQL',
          );
      });
    }
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
      const { outcome, diff, rules } = classify({
        control: control.observation,
        candidate,
        timeoutMs: spec.timeoutMs,
        compare,
        rules: spec.rules as readonly DifferenceRule<unknown>[] | undefined,
      });
      const result: ExperimentResult = {
        name: spec.name,
        mode: spec.mode ?? 'ab',
        outcome,
        diff,
        rules,
        source: spec.source ?? 'live',
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
    return { controlRun, finished, tracked };
  };

  return {
    async run<T>(spec: ExperimentSpec<T>): Promise<T> {
      if (!spec.sample) return spec.control();
      if (pending.size >= maxInFlight) {
        stats.skipped++;
        return spec.control();
      }
      const { controlRun } = start(spec, true);
      const control = await controlRun;
      // The caller sees the control's own value or its own error object, untouched.
      if (!control.observation.ok) throw control.raw;
      return control.observation.value as T;
    },
    async runNow(spec) {
      return start(spec).finished;
    },
    verify(spec) {
      if (verifying.size >= maxVerifyInFlight) {
        stats.verifySkipped++;
        return false;
      }
      try {
        const { tracked } = start(spec);
        verifying.add(tracked);
        void tracked.finally(() => verifying.delete(tracked));
        return true;
      } catch (raw) {
        // Only a bug can get here (start settles everything it runs); the served call must not notice.
        options.logger?.warn({ err: toError(raw), experiment: spec.name }, 'verification not started');
        return false;
      }
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    stats: () => ({ inFlight: pending.size, verifying: verifying.size, ...stats }),
  };
}
