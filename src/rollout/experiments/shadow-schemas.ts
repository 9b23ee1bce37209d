import { type Static, Type } from '@sinclair/typebox';
import { IntParam, NumberParam, TextParam } from '../../http/params.js';
import type { SourceFilter } from '../window/rollout-window-store.js';
import { EXPERIMENT_SOURCES, MODES, type Mode } from '../window/window-labels.js';

const ModeSchema = Type.Unsafe<Mode>({
  type: 'string',
  enum: [...MODES],
  description:
    "'ab' compares control with candidate (default); 'aa' compares the control with itself (noise)",
});
const Endpoint = TextParam({ minLength: 1, maxLength: 64, description: 'A registered experiment name' });
const Endpoints = Type.Array(Endpoint, { minItems: 1, maxItems: 50, uniqueItems: true });

export const ResultsQuerySchema = Type.Object(
  {
    experiment: Type.Optional(Endpoint),
    window_seconds: Type.Optional(
      IntParam({
        minimum: 10,
        maximum: 30 * 86_400,
        description: 'Count outcomes this far back (default 1 h); not together with hours',
      }),
    ),
    hours: Type.Optional(
      IntParam({
        minimum: 1,
        maximum: 720,
        description: "Upstream's name for the window, in hours; not together with window_seconds",
      }),
    ),
    samples: Type.Optional(
      IntParam({
        minimum: 0,
        maximum: 200,
        default: 20,
        description: 'Recent non-matching samples to list (default 20)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type ResultsQuery = Static<typeof ResultsQuerySchema>;

export const RunSingleQuerySchema = Type.Object(
  {
    endpoint: Endpoint,
    mode: Type.Optional(ModeSchema),
    sample: Type.Optional(
      IntParam({
        minimum: 0,
        maximum: 10_000,
        default: 0,
        description: 'Which of the sample requests (cycled)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RunSingleQuery = Static<typeof RunSingleQuerySchema>;

export const RunBatchBodySchema = Type.Object(
  {
    endpoints: Type.Optional(Endpoints),
    samples_per_endpoint: Type.Optional(IntParam({ minimum: 1, maximum: 500, default: 10 })),
    mode: Type.Optional(ModeSchema),
  },
  { additionalProperties: false },
);
export type RunBatchBody = Static<typeof RunBatchBodySchema>;

export const ValidateBodySchema = Type.Object(
  {
    endpoints: Type.Optional(Endpoints),
    window_seconds: Type.Optional(
      IntParam({
        minimum: 60,
        maximum: 30 * 86_400,
        default: 86_400,
        description: 'Evidence this far back (default 24 h)',
      }),
    ),
    min_samples: Type.Optional(IntParam({ minimum: 1, maximum: 10_000_000, default: 100 })),
    min_match_rate: Type.Optional(NumberParam({ minimum: 0, maximum: 1, default: 0.95 })),
    max_latency_ratio: Type.Optional(NumberParam({ exclusiveMinimum: 0, maximum: 100, default: 1.2 })),
    source: Type.Optional(
      Type.Unsafe<SourceFilter>({
        type: 'string',
        enum: [...EXPERIMENT_SOURCES, 'all'],
        default: 'live',
        description:
          "The runs the verdict is decided on: 'live' traffic (default), 'admin' runs (run-single, run-batch) or 'all'",
      }),
    ),
  },
  { additionalProperties: false },
);
export type ValidateBody = Static<typeof ValidateBodySchema>;

/** Lists every unknown key of a body in one 400 (ajv stops at the first). */
export const BATCH_FIELDS = Object.keys(RunBatchBodySchema.properties);
export const VALIDATE_FIELDS = Object.keys(ValidateBodySchema.properties);
