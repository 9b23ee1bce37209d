import type { RolloutWindow } from '../window/rollout-window.js';
import type { ExperimentSample } from '../window/rollout-window-samples.js';
import type { ExperimentResult } from './experiment-types.js';
import type { ExperimentRecorderSink } from './experimenter.js';

export interface ExperimentRecorderOptions {
  /** Receives the outcome counts and durations (the per-window numbers all instances add up). */
  window: RolloutWindow;
  /** Samples queued between flushes; beyond it new samples are dropped (counted). Default 200. */
  maxQueuedSamples?: number;
  now?: () => Date;
}

export interface ExperimentRecorder extends ExperimentRecorderSink {
  /** The queued samples, oldest first; the queue starts over empty. */
  takeSamples(): ExperimentSample[];
  stats(): { recorded: number; samplesQueued: number; samplesDropped: number };
}

const MAX_DIFF_LINES = 50;
const MAX_LINE = 500;
const MAX_REQUEST_JSON = 16_000;

function requestJson(request: unknown): string | null {
  if (request === undefined) return null;
  try {
    const text = JSON.stringify(request);
    if (text === undefined) return null;
    return text.length <= MAX_REQUEST_JSON ? text : JSON.stringify({ truncated: text.slice(0, 2000) });
  } catch {
    // A request that cannot be serialised (a cycle, a bigint) is still worth its diff; store none.
    return null;
  }
}

/**
 * The experimenter's sink: counts go into the rollout window (flushed with the request numbers), non-matching
 * results are queued as samples. Synchronous and bounded, so recording never slows a request down.
 */
export function createExperimentRecorder(options: ExperimentRecorderOptions): ExperimentRecorder {
  const max = options.maxQueuedSamples ?? 200;
  const now = options.now ?? (() => new Date());
  let queue: ExperimentSample[] = [];
  let recorded = 0;
  let dropped = 0;

  return {
    record(result: ExperimentResult) {
      options.window.observeExperiment(result);
      recorded++;
      if (result.outcome === 'match') return;
      if (queue.length >= max) {
        dropped++;
        return;
      }
      queue.push({
        experiment: result.name,
        mode: result.mode,
        outcome: result.outcome,
        source: result.source,
        at: now(),
        diff: result.diff
          .slice(0, MAX_DIFF_LINES)
          .map((l) => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l)),
        rules: result.rules,
        request: requestJson(result.request),
        controlMs: result.control.ms,
        candidateMs: result.candidate?.ms ?? null,
      });
    },
    takeSamples() {
      const out = queue;
      queue = [];
      return out;
    },
    stats: () => ({ recorded, samplesQueued: queue.length, samplesDropped: dropped }),
  };
}
