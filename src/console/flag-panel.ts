import { effectivePercentage } from '../rollout/flags/flag-evaluation.js';
import { PATCH_FIELDS } from '../rollout/flags/flag-rules.js';
import type { Flag, FlagEvent } from '../rollout/flags/flag-types.js';
import type { StoredVerdict } from '../rollout/guard/guard-verdict-store.js';

/** One changed field of an event: from → to. */
interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

interface EventView {
  id: number;
  at: string;
  actor: string;
  action: string;
  reason: string | null;
  changes: FieldChange[];
  /** The numbers a guard decision was taken on; null for people's changes. */
  measured: Record<string, unknown> | null;
}

/** A flag as the console shows it: its state, what comes next, the bake, the guard's word and its history. */
export interface FlagPanel {
  key: string;
  description: string;
  enabled: boolean;
  strategy: Flag['strategy'];
  /** The share that gets the flag's `on` arm now (0 when disabled). */
  percentage: number;
  steps: number[];
  /** Gradual flags only. */
  step: number | null;
  /** One advance from here; null at the last step and for flags that have no steps. */
  next: { step: number; percentage: number } | null;
  auto_promote: boolean;
  bake_seconds: number;
  /** Since the flag's last change: what a bake counts from at the earliest. Null when nothing bakes. */
  bake: { since: string; elapsed_seconds: number; remaining_seconds: number } | null;
  updated_at: string;
  updated_by: string;
  version: number;
  /** The guard's latest verdict on this flag; `current` is false when it judged an older version. */
  guard: (StoredVerdict & { current: boolean; age_seconds: number }) | null;
  events: EventView[];
}

/** Fields a person reads in an event: those a change decides (salt and bookkeeping columns are left out). */
const SHOWN_FIELDS = PATCH_FIELDS;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a creation or deletion is summed up by: the state the flag started (or ended) in. */
const STATE_FIELDS = ['enabled', 'strategy', 'percentage'] as const;

/** Pure: the shown fields an event changed; of a creation or deletion, only the state. */
export function eventChanges(event: Pick<FlagEvent, 'old' | 'new'>): FieldChange[] {
  const before = event.old ?? {};
  const after = event.new ?? {};
  const fields = event.old === null || event.new === null ? STATE_FIELDS : SHOWN_FIELDS;
  return fields
    .filter((f) => (f in before || f in after) && !same(before[f], after[f]))
    .map((f) => ({
      field: f,
      from: before[f] ?? null,
      to: after[f] ?? null,
    }));
}

function nextStep(flag: Flag): FlagPanel['next'] {
  if (flag.strategy !== 'gradual') return null;
  const percentage = flag.steps[flag.step + 1];
  return percentage === undefined ? null : { step: flag.step + 1, percentage };
}

/** Pure: the panel of one flag at `now`. */
export function flagPanel(
  flag: Flag,
  verdict: StoredVerdict | undefined,
  events: readonly FlagEvent[],
  now: Date,
): FlagPanel {
  const percentage = flag.enabled ? effectivePercentage(flag) : 0;
  const next = nextStep(flag);
  const since = new Date(flag.updated_at);
  const elapsed = Math.max(0, (now.getTime() - since.getTime()) / 1000);
  const bakes = flag.enabled && next !== null && percentage > 0;
  return {
    key: flag.key,
    description: flag.description,
    enabled: flag.enabled,
    strategy: flag.strategy,
    percentage,
    steps: [...flag.steps],
    step: flag.strategy === 'gradual' ? flag.step : null,
    next,
    auto_promote: flag.auto_promote,
    bake_seconds: flag.bake_seconds,
    bake: bakes
      ? {
          since: since.toISOString(),
          elapsed_seconds: Math.round(elapsed),
          remaining_seconds: Math.max(0, Math.round(flag.bake_seconds - elapsed)),
        }
      : null,
    updated_at: since.toISOString(),
    updated_by: flag.updated_by,
    version: flag.version,
    guard: verdict
      ? {
          ...verdict,
          current: verdict.flag_version === flag.version,
          age_seconds: Math.max(0, Math.round((now.getTime() - Date.parse(verdict.at)) / 1000)),
        }
      : null,
    events: events.map((e) => ({
      id: e.id,
      at: new Date(e.at).toISOString(),
      actor: e.actor,
      action: e.action,
      reason: e.reason,
      changes: eventChanges(e),
      measured: e.measured,
    })),
  };
}
