import {
  ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
  StandardResolutionReasons,
} from '@openfeature/server-sdk';
import type { FlagSnapshot } from './flag-snapshot.js';
import type { EvaluationErrorCode, EvaluationReason } from './flag-types.js';

const REASONS = {
  disabled: StandardResolutionReasons.DISABLED,
  static: StandardResolutionReasons.STATIC,
  split: StandardResolutionReasons.SPLIT,
  error: StandardResolutionReasons.ERROR,
} as const satisfies Record<EvaluationReason, string>;

const ERROR_CODES = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  TARGETING_KEY_MISSING: ErrorCode.TARGETING_KEY_MISSING,
  GENERAL: ErrorCode.GENERAL,
} as const satisfies Record<EvaluationErrorCode, ErrorCode>;

/**
 * An OpenFeature server provider over the flag snapshot, so code can use the standard client:
 * `OpenFeature.setProvider(new KgdbFlagProvider(snapshot)); client.getBooleanValue('my_flag', false,
 * { targetingKey })`. Resolution is in memory; on an error the SDK hands the caller its own default.
 * kgdb flags are boolean only: the other value types resolve to TYPE_MISMATCH.
 */
export class KgdbFlagProvider implements Provider {
  readonly metadata = { name: 'kgdb-postgres-flags' } as const;
  readonly runsOn = 'server' as const;

  constructor(private readonly snapshot: FlagSnapshot) {}

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    const targetingKey = typeof context.targetingKey === 'string' ? context.targetingKey : undefined;
    const e = this.snapshot.evaluate(flagKey, { targetingKey });
    const flagMetadata: FlagMetadata = {};
    if (e.bucket !== null) flagMetadata.bucket = e.bucket;
    if (e.percentage !== null) flagMetadata.percentage = e.percentage;
    if (e.step !== null) flagMetadata.step = e.step;
    if (e.errorCode) {
      return {
        value: defaultValue,
        reason: REASONS.error,
        errorCode: ERROR_CODES[e.errorCode],
        errorMessage: e.errorMessage ?? e.errorCode,
        flagMetadata,
      };
    }
    return { value: e.value, variant: e.variant, reason: REASONS[e.reason], flagMetadata };
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string): Promise<ResolutionDetails<string>> {
    return this.mismatch(flagKey, defaultValue);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    return this.mismatch(flagKey, defaultValue);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
  ): Promise<ResolutionDetails<T>> {
    return this.mismatch(flagKey, defaultValue);
  }

  private mismatch<T>(flagKey: string, defaultValue: T): ResolutionDetails<T> {
    return {
      value: defaultValue,
      reason: REASONS.error,
      errorCode: ErrorCode.TYPE_MISMATCH,
      errorMessage: `kgdb flag '${flagKey}' is boolean`,
    };
  }
}
