import { describe, expect, it } from 'vitest';
import {
  connectionsNeeded,
  DEDICATED_CONNECTIONS,
  MAX_WORKERS,
  parseWorkerCount,
  resolveWorkerCount,
} from '../../src/cluster/worker-count.js';
import { ENV_DOCS } from '../../src/config.js';
import { KgdbError } from '../../src/errors.js';

const failure = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (raw) {
    return raw;
  }
  throw new Error('expected a failure');
};

describe('kgdb serve --workers / KGDB_WORKERS', () => {
  it('takes whole numbers 1..64, and auto as one per CPU, capped the same way', () => {
    expect(parseWorkerCount('1', '--workers', 2)).toBe(1);
    expect(parseWorkerCount('4', '--workers', 2)).toBe(4);
    expect(parseWorkerCount(' 64 ', 'KGDB_WORKERS', 2)).toBe(MAX_WORKERS);
    expect(parseWorkerCount('auto', '--workers', 2)).toBe(2);
    expect(parseWorkerCount('auto', '--workers', 256)).toBe(MAX_WORKERS);
    expect(parseWorkerCount('auto', '--workers', 0)).toBe(1);
  });

  it('refuses anything else with INVALID_PARAMETER naming where it came from and what is allowed', () => {
    for (const raw of ['0', '65', '-1', '1.5', '2x', '', 'AUTO', '1e1', '0x2']) {
      const err = failure(() => parseWorkerCount(raw, '--workers', 2));
      expect(err).toBeInstanceOf(KgdbError);
      expect(err).toMatchObject({
        code: 'INVALID_PARAMETER',
        parameter: '--workers',
        message: `--workers must be a whole number from 1 to 64, or auto (one per CPU: 2 here), got '${raw}'`,
      });
    }
    expect(failure(() => parseWorkerCount('many', 'KGDB_WORKERS', 8))).toMatchObject({
      parameter: 'KGDB_WORKERS',
      message: "KGDB_WORKERS must be a whole number from 1 to 64, or auto (one per CPU: 8 here), got 'many'",
    });
  });

  it('the flag wins over the variable; neither, or an empty variable, is one process', () => {
    expect(resolveWorkerCount({ flag: undefined, env: undefined, available: 2 })).toBe(1);
    expect(resolveWorkerCount({ flag: undefined, env: '', available: 2 })).toBe(1);
    expect(resolveWorkerCount({ flag: undefined, env: '3', available: 2 })).toBe(3);
    expect(resolveWorkerCount({ flag: '2', env: '3', available: 2 })).toBe(2);
    expect(resolveWorkerCount({ flag: 'auto', env: undefined, available: 3 })).toBe(3);
  });

  it('a bad variable is refused even when the flag is given: it would bite the next start without it', () => {
    for (const flag of [undefined, '2']) {
      expect(failure(() => resolveWorkerCount({ flag, env: 'x', available: 2 }))).toMatchObject({
        code: 'INVALID_PARAMETER',
        parameter: 'KGDB_WORKERS',
      });
    }
    expect(failure(() => resolveWorkerCount({ flag: '0', env: '2', available: 2 }))).toMatchObject({
      parameter: '--workers',
    });
  });

  it('the documented range is the parsed one', () => {
    expect(ENV_DOCS.KGDB_WORKERS).toContain(`1..${MAX_WORKERS} or auto`);
  });

  it('connections: every worker its full pool plus its dedicated listener and guard clients', () => {
    expect(DEDICATED_CONNECTIONS).toBe(4);
    expect(connectionsNeeded(1, 10)).toBe(14);
    expect(connectionsNeeded(4, 10)).toBe(56);
  });
});
