import os from 'node:os';
import type { Command } from 'commander';
import { KgdbError } from '../../errors.js';
import { atLastStep } from '../../rollout/flags/flag-rules.js';
import type { FlagStore } from '../../rollout/flags/flag-store.js';
import type { Flag, FlagAudit, FlagChange, FlagPatch } from '../../rollout/flags/flag-types.js';
import { runWithDatabase } from './run.js';

const EXIT_CODES = '\nExit codes: 0 done (also when nothing changed), 1 failure (CODE: message on stderr).';

/** `cli:<os user>`: the event says who ran the command, as the API's says which account called it. */
function cliAudit(reason: string | undefined): FlagAudit {
  return { actor: `cli:${os.userInfo().username}`, ...(reason ? { reason } : {}) };
}

function describe(flag: Flag): string {
  const split =
    flag.strategy === 'gradual'
      ? `gradual step ${flag.step}/${flag.steps.length - 1} (${flag.percentage} %)`
      : flag.strategy === 'percentage'
        ? `percentage ${flag.percentage} %`
        : flag.strategy;
  return `${flag.key}: ${flag.enabled ? 'enabled' : 'DISABLED'}, ${split}`;
}

function printChange(change: FlagChange): void {
  const how = change.event ? `event #${change.event.id} by ${change.event.actor}` : 'unchanged, no event';
  process.stdout.write(`${describe(change.flag)} — ${how}\n`);
}

function printTable(flags: Flag[]): void {
  const rows = flags.map((f) => [
    f.key,
    f.enabled ? 'yes' : 'no',
    f.strategy,
    `${f.percentage}`,
    f.strategy === 'gradual' ? `${f.step} of [${f.steps.join(',')}]` : '-',
    f.auto_promote ? 'yes' : 'no',
    f.updated_at.toISOString(),
    f.updated_by,
  ]);
  const header = ['key', 'enabled', 'strategy', 'percent', 'step', 'auto', 'updated_at', 'updated_by'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  for (const row of [header, ...rows]) {
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd()}\n`,
    );
  }
}

function parseNumber(raw: string, option: string, integer: boolean): number {
  const ok = integer ? /^\d+$/.test(raw) : /^\d+(\.\d+)?$/.test(raw);
  if (!ok) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: option,
      detail: `${option} expects ${integer ? 'a whole number' : 'a number like 12.5'}, got '${raw}'`,
    });
  }
  return Number(raw);
}

function parseBoolean(raw: string, option: string): boolean {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  throw new KgdbError('INVALID_PARAMETER', {
    parameter: option,
    detail: `${option} expects true or false, got '${raw}'`,
  });
}

interface SetOptions {
  percentage?: string;
  step?: string;
  enabled?: string;
  reason?: string;
}

/** The options of `set` as a patch; rejected before any database work when empty. */
function toPatch(opts: SetOptions): FlagPatch {
  const patch: FlagPatch = {};
  if (opts.percentage !== undefined) patch.percentage = parseNumber(opts.percentage, '--percentage', false);
  if (opts.step !== undefined) patch.step = parseNumber(opts.step, '--step', true);
  if (opts.enabled !== undefined) patch.enabled = parseBoolean(opts.enabled, '--enabled');
  if (Object.keys(patch).length === 0) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: 'set',
      detail: 'Nothing to change: give at least one of --percentage, --step, --enabled',
    });
  }
  return patch;
}

/**
 * One step up; a flag already on its last step is left as it is (exit 0, no event) — "nothing changed" for a
 * script that advances until done — though the API answers 409 there. An on/off or unknown flag still fails.
 */
async function advanceOrStay(store: FlagStore, key: string, audit: FlagAudit): Promise<void> {
  let change: FlagChange;
  try {
    change = await store.advance(key, audit);
  } catch (raw) {
    if (!(raw instanceof KgdbError && raw.code === 'CONFLICT')) throw raw;
    // The store's refusal, made under the row lock, decides; this read only tells whether it meant "at the end".
    const flag = await store.getOrThrow(key);
    if (!atLastStep(flag)) throw raw;
    process.stdout.write(`${describe(flag)} — already at its last step: unchanged, no event\n`);
    return;
  }
  printChange(change);
}

const withStore = (fn: (store: FlagStore) => Promise<void>) =>
  runWithDatabase(async (db) => {
    const { createFlagStore } = await import('../../rollout/flags/flag-store.js');
    await fn(createFlagStore(db.pool));
  });

export function registerFlags(program: Command): void {
  const flags = program
    .command('flags')
    .description(
      'Feature flags in the database (every change is an audited event; all servers see it within 1 s)',
    );

  flags
    .command('list')
    .description(`List the feature flags${EXIT_CODES}`)
    .option('--json', 'print JSON instead of a table')
    .action((opts: { json?: boolean }) =>
      withStore(async (store) => {
        const all = await store.list();
        if (opts.json) process.stdout.write(`${JSON.stringify(all, null, 2)}\n`);
        else printTable(all);
      }),
    );

  flags
    .command('set <key>')
    .description(`Change a flag: percentage (gradual flags: one of their steps), step, enabled${EXIT_CODES}`)
    .option('--percentage <p>', 'share in % (0..100, at most 3 decimals)')
    .option('--step <n>', 'gradual flags: index into the steps')
    .option('--enabled <true|false>', 'master switch')
    .option('--reason <text>', 'why (recorded in the event)')
    .action((key: string, opts: SetOptions) => {
      // Parsed before the database opens: a typo costs no embedded-server start.
      let patch: FlagPatch;
      try {
        patch = toPatch(opts);
      } catch (raw) {
        const err = raw as KgdbError;
        process.stderr.write(`${err.code}: ${err.message}\n`);
        process.exitCode = 1;
        return;
      }
      return withStore(async (store) => printChange(await store.update(key, patch, cliAudit(opts.reason))));
    });

  flags
    .command('enable <key>')
    .description(`Turn a flag's master switch on (its percentage/step stay as they are)${EXIT_CODES}`)
    .option('--reason <text>', 'why (recorded in the event)')
    .action((key: string, opts: { reason?: string }) =>
      withStore(async (store) => printChange(await store.enable(key, cliAudit(opts.reason)))),
    );

  flags
    .command('disable <key>')
    .description(`Emergency stop: switch a flag off and return it to 0 %${EXIT_CODES}`)
    .option('--reason <text>', 'why (recorded in the event)')
    .action((key: string, opts: { reason?: string }) =>
      withStore(async (store) => printChange(await store.disable(key, cliAudit(opts.reason)))),
    );

  flags
    .command('advance <key>')
    .description(
      'Advance a gradual (or percentage) flag one step of its schedule; at its last step it stays there.' +
        '\nExit codes: 0 advanced, or already at its last step (nothing changed, no event); 1 failure' +
        ' (CODE: message on stderr), e.g. an unknown flag (NOT_FOUND) or an on/off flag (CONFLICT).',
    )
    .option('--reason <text>', 'why (recorded in the event)')
    .action((key: string, opts: { reason?: string }) =>
      withStore((store) => advanceOrStay(store, key, cliAudit(opts.reason))),
    );
}
