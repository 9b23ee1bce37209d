import type { FlagSnapshot } from '../flags/flag-snapshot.js';
import type { Evaluation } from '../flags/flag-types.js';
import { type StickinessSource, stickinessKeyOf } from '../flags/stickiness.js';
import { type ExperimentDefinition, specFields } from './experiment-registry.js';
import type { RolloutPlan } from './experiment-types.js';
import type { Experimenter } from './experimenter.js';
import { type FaultInjection, InjectedFault } from './fault-injection.js';

/** The parts of a request the switch reads and writes; a FastifyRequest (with the metrics plugin) fits. */
export interface ArmRequest {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  /** Set by the switch to the arm that serves (a label of the plan's arms): metrics and the rollout window read it. */
  arm: string | null;
}

export interface ArmSwitchOptions {
  /** Flag evaluation without I/O. */
  flags: Pick<FlagSnapshot, 'evaluate'>;
  experimenter: Experimenter;
  /**
   * The rollout flag (on for a caller → the `arms.on` candidate serves), the shadow flag (its percentage is the
   * sampled share of calls, on either arm, that also run a comparison) and the two arm labels.
   */
  plan: RolloutPlan;
  /**
   * The signed-in user behind a request, or null: the first choice of stickiness key (then the X-Client-Id
   * header, then the address). Authentication is the caller's business; the switch only needs the id.
   */
  userIdOf: (request: ArmRequest) => StickinessSource['userId'];
  /** Share (0..1) of sampled calls run as A/A (control vs control) to measure noise; default 0. */
  aaShare?: number;
  /** Test-only: the new path (serving, shadowing or verifying) fails on this share of calls. */
  faults?: FaultInjection;
  /** Per-call randomness (shadow sampling, A/A); Math.random by default. */
  random?: () => number;
}

interface ArmDecision {
  arm: string;
  rollout: Evaluation;
  /** This call also runs a comparison: a shadow candidate (arm off) or a verification (arm on). */
  sampled: boolean;
}

export interface ArmSwitch {
  /** Which arm serves this caller and whether the call is shadowed; sets request.arm. No I/O. */
  decide(request: ArmRequest): ArmDecision;
  /**
   * Serves one call: rollout flag on for this caller → `serve` (default the candidate) answers and, on the
   * sampled share, control and candidate run detached as a verification; otherwise the control serves and, on
   * the sampled share, the candidate runs as a detached shadow. The result (or error) is always that of the
   * serving path alone.
   */
  run<Req, T>(definition: ExperimentDefinition<Req, T>, input: Req, request: ArmRequest): Promise<T>;
}

export function createArmSwitch(options: ArmSwitchOptions): ArmSwitch {
  const { flag: rolloutFlag, shadowFlag, arms } = options.plan;
  const random = options.random ?? Math.random;
  const faults = options.faults;

  const decide = (request: ArmRequest): ArmDecision => {
    const { key } = stickinessKeyOf({
      userId: options.userIdOf(request),
      headers: request.headers,
      ip: request.ip,
    });
    const rollout = options.flags.evaluate(rolloutFlag, { targetingKey: key });
    const arm = rollout.value ? arms.on : arms.off;
    request.arm = arm;
    // Sampling is per call, not per caller: a fresh random key each time, so the share is the flag's
    // percentage of calls and independent of who is in the rollout.
    const sampled = options.flags.evaluate(shadowFlag, {
      targetingKey: `call:${Math.floor(random() * 2 ** 32)}`,
    }).value;
    return { arm, rollout, sampled };
  };

  const serveOn = async <Req, T>(definition: ExperimentDefinition<Req, T>, input: Req): Promise<T> => {
    if (faults && (faults.random ?? random)() < faults.candidateFailureRate) throw new InjectedFault();
    return definition.serve
      ? definition.serve(input)
      : definition.candidate(input, new AbortController().signal);
  };

  return {
    decide,
    async run(definition, input, request) {
      const { arm, sampled } = decide(request);
      if (arm === arms.on) {
        // The served call is issued first; the verification never holds it up and never throws into it.
        const served = serveOn(definition, input);
        if (sampled)
          options.experimenter.verify({ ...specFields(definition, input), mode: 'ab', source: 'live' });
        return served;
      }
      const mode = sampled && options.aaShare && random() < options.aaShare ? 'aa' : 'ab';
      return options.experimenter.run({
        ...specFields(definition, input),
        sample: sampled,
        mode,
        source: 'live',
      });
    },
  };
}
