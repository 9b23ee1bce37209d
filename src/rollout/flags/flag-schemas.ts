import { type Static, Type } from '@sinclair/typebox';
import { IdParam, IntParam, NumberParam, TextParam } from '../../http/params.js';
import { MAX_BAKE_SECONDS, MAX_STEPS, MAX_TEXT } from './flag-rules.js';
import { FLAG_ACTIONS, type Flag, type FlagEvent, STRATEGIES, type Strategy } from './flag-types.js';

const DateTime = Type.String({ format: 'date-time' });
const StrategySchema = Type.Unsafe<Strategy>({ type: 'string', enum: [...STRATEGIES] });
const Reason = TextParam({ maxLength: MAX_TEXT, description: 'Why; recorded in the event' });

/**
 * Ranges are checked by flag-rules (one message naming the field and its range for API and CLI alike); the
 * schema only keeps numbers finite (integers within ±2^53) and text storable.
 */
export const FlagPatchBodySchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    strategy: Type.Optional(StrategySchema),
    percentage: Type.Optional(
      NumberParam({ description: '0..100, at most 3 decimals; for gradual flags one of the steps' }),
    ),
    step: Type.Optional(IntParam({ description: 'Gradual flags: index into steps' })),
    steps: Type.Optional(
      Type.Array(NumberParam(), { maxItems: MAX_STEPS, description: 'Ascending, starting at 0' }),
    ),
    auto_promote: Type.Optional(Type.Boolean()),
    bake_seconds: Type.Optional(IntParam({ description: `0..${MAX_BAKE_SECONDS}` })),
    description: Type.Optional(TextParam({ maxLength: MAX_TEXT })),
    reason: Type.Optional(Reason),
  },
  { additionalProperties: false },
);
export type FlagPatchBody = Static<typeof FlagPatchBodySchema>;

export const ReasonBodySchema = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
export type ReasonBody = Static<typeof ReasonBodySchema>;

export const DisableBodySchema = Type.Object(
  { flag: TextParam({ minLength: 1, maxLength: 100 }), reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
export type DisableBody = Static<typeof DisableBodySchema>;

export const FlagParamsSchema = Type.Object({ key: TextParam({ minLength: 1, maxLength: 100 }) });
export type FlagParams = Static<typeof FlagParamsSchema>;

export const EventsQuerySchema = Type.Object(
  {
    limit: Type.Optional(IntParam({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(IdParam({ description: 'Only events with a smaller id (paging back)' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuerySchema>;

const FlagViewSchema = Type.Object({
  key: Type.String(),
  description: Type.String(),
  enabled: Type.Boolean(),
  strategy: StrategySchema,
  percentage: Type.Number({ description: 'Effective share in %; for gradual flags steps[step]' }),
  steps: Type.Array(Type.Number()),
  step: Type.Integer(),
  salt: Type.String(),
  auto_promote: Type.Boolean(),
  bake_seconds: Type.Integer(),
  updated_at: DateTime,
  updated_by: Type.String(),
  version: Type.Integer(),
});
export type FlagView = Static<typeof FlagViewSchema>;

const FlagEventViewSchema = Type.Object({
  id: Type.Integer(),
  flag_key: Type.String(),
  at: DateTime,
  actor: Type.String(),
  action: Type.Unsafe<FlagEvent['action']>({ type: 'string', enum: [...FLAG_ACTIONS] }),
  old: Type.Unknown({ description: 'Changed fields before (whole row for delete), or null' }),
  new: Type.Unknown({ description: 'Changed fields after (whole row for create), or null' }),
  reason: Type.Union([Type.String(), Type.Null()]),
  measured: Type.Unknown({ description: 'What a guard measured when it acted, or null' }),
});
export type FlagEventView = Static<typeof FlagEventViewSchema>;

export const FlagListResponseSchema = Type.Object({
  data: Type.Array(FlagViewSchema),
  meta: Type.Object({ total: Type.Integer() }),
});
export const FlagResponseSchema = Type.Object({
  data: FlagViewSchema,
  meta: Type.Object({
    snapshot: Type.Object(
      {
        version: Type.Union([Type.Integer(), Type.Null()]),
        loaded_at: Type.Union([DateTime, Type.Null()]),
      },
      {
        description:
          'The version this instance evaluates (equal to data.version once the change has arrived)',
      },
    ),
  }),
});
export const FlagChangeResponseSchema = Type.Object({
  data: FlagViewSchema,
  meta: Type.Object({
    changed: Type.Boolean({ description: 'False when the flag already had this state: no event written' }),
    event: Type.Union([FlagEventViewSchema, Type.Null()]),
  }),
});
export const FlagEventsResponseSchema = Type.Object({
  data: Type.Array(FlagEventViewSchema),
  meta: Type.Object({
    limit: Type.Integer(),
    next_before: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Pass as `before` for older events',
    }),
  }),
});

export function toFlagView(flag: Flag): FlagView {
  return { ...flag, steps: [...flag.steps], updated_at: flag.updated_at.toISOString() };
}

export function toFlagEventView(event: FlagEvent): FlagEventView {
  return { ...event, at: event.at.toISOString() };
}
