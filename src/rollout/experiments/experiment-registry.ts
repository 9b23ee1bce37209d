import { KgdbError } from '../../errors.js';
import { NAME_PATTERN } from '../window/window-labels.js';
import { checkRules, type DifferenceRule } from './difference-rules.js';
import type { Comparison } from './experiment-types.js';

/** The candidate's default budget when a definition gives none. */
const DEFAULT_EXPERIMENT_TIMEOUT_MS = 1000;

/**
 * One experiment as domain code declares it (the rollout module knows nothing about the domain): how to run the
 * old path (control) and the new one (candidate) for a request, and which requests exemplify it.
 */
export interface ExperimentDefinition<Req, T> {
  /** Metric label and table key: /^[a-z][a-z0-9_]{0,63}$/ ('item_list'). */
  name: string;
  description?: string;
  /** Representative requests for run-single (the first) and run-batch (cycled). Called per admin run. */
  sampleRequests(): readonly Req[] | Promise<readonly Req[]>;
  /** The old path: its result is what callers get. */
  control(req: Req): Promise<T>;
  /** The new path as compared (uncached, so its durations are the path's own); `signal` aborts at the timeout. */
  candidate(req: Req, signal: AbortSignal): Promise<T>;
  /**
   * What serves a caller the rollout flag is on for (e.g. the candidate behind a cache); default `candidate`.
   * Sampled calls served this way are still verified: control and candidate run detached and are compared.
   */
  serve?(req: Req): Promise<T>;
  /** Order is part of the contract for this request (a sorted page): true, or decided per request. */
  ordered?: boolean | ((req: Req) => boolean);
  /** Fields the default comparator skips. */
  ignore?: readonly string[];
  compare?: (control: T, candidate: T) => Comparison;
  /** Declared differences (names unique, /^[a-z][a-z0-9_]{0,63}$/): explained runs count as 'ignored' per rule. */
  rules?: readonly DifferenceRule<T>[];
  /** Default DEFAULT_EXPERIMENT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** The request as stored with samples (JSON); default the request itself. */
  describe?(req: Req): unknown;
}

/** A definition with its types erased, as the registry holds it. */
export type AnyExperiment = ExperimentDefinition<unknown, unknown>;

export interface ExperimentRegistry {
  /** Adds a definition; a second one with the same name is a programming error (throws). */
  register<Req, T>(definition: ExperimentDefinition<Req, T>): void;
  get(name: string): AnyExperiment | undefined;
  /** Unknown name → 400 INVALID_PARAMETER listing the registered names. */
  getOrThrow(name: string, parameter?: string): AnyExperiment;
  names(): string[];
}

export function createExperimentRegistry(): ExperimentRegistry {
  const byName = new Map<string, AnyExperiment>();
  return {
    register(definition) {
      if (!NAME_PATTERN.test(definition.name)) {
        throw new Error(`experiment name '${definition.name}' must match ${NAME_PATTERN.source}`);
      }
      if (byName.has(definition.name))
        throw new Error(`experiment '${definition.name}' is already registered`);
      checkRules(definition.name, definition.rules ?? []);
      byName.set(definition.name, definition as unknown as AnyExperiment);
    },
    get: (name) => byName.get(name),
    getOrThrow(name, parameter = 'endpoint') {
      const found = byName.get(name);
      if (found) return found;
      const known = [...byName.keys()].sort().join(', ') || '(none registered)';
      throw new KgdbError('INVALID_PARAMETER', {
        parameter,
        detail: `Unknown experiment '${name}'. Allowed: ${known}`,
      });
    },
    names: () => [...byName.keys()].sort(),
  };
}

/** The spec fields a definition decides for one request. */
export function specFields<Req, T>(def: ExperimentDefinition<Req, T>, req: Req) {
  return {
    name: def.name,
    control: () => def.control(req),
    candidate: (signal: AbortSignal) => def.candidate(req, signal),
    compare: def.compare,
    ignore: def.ignore,
    rules: def.rules,
    ordered: typeof def.ordered === 'function' ? def.ordered(req) : (def.ordered ?? false),
    timeoutMs: def.timeoutMs ?? DEFAULT_EXPERIMENT_TIMEOUT_MS,
    request: def.describe ? def.describe(req) : req,
  };
}
