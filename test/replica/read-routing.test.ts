import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import {
  classifyReadError,
  nextReplicaState,
  REPLICA_UP,
  type ReplicaState,
  replayPollDelayMs,
  replayTargetOf,
  statusChanged,
} from '../../src/db/read-routing.js';

function sqlState(code: string): DatabaseError {
  const err = new DatabaseError('server says no', 14, 'error');
  err.code = code;
  return err;
}

const socketError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:5433`), { code });

describe('classifyReadError', () => {
  it.each([
    ['refused', socketError('ECONNREFUSED')],
    ['reset', socketError('ECONNRESET')],
    ['terminated', new Error('Connection terminated unexpectedly')],
    ['connect timeout', new Error('timeout exceeded when trying to connect')],
    ['admin shutdown 57P01', sqlState('57P01')],
    ['cannot connect now 57P03', sqlState('57P03')],
    ['connection failure 08006', sqlState('08006')],
    ['too many clients 53300', sqlState('53300')],
    ['password refused 28P01', sqlState('28P01')],
    ['no such database 3D000', sqlState('3D000')],
    ['a refused member of an AggregateError', new AggregateError([socketError('ECONNREFUSED')], 'connect')],
  ])('%s: the replica is unavailable', (_, err) => {
    expect(classifyReadError(err)).toBe('unavailable');
  });

  it('a recovery conflict (40001) retries the one statement on the primary', () => {
    expect(classifyReadError(sqlState('40001'))).toBe('conflict');
  });

  it.each([
    ['syntax error 42601', sqlState('42601')],
    ['undefined column 42703', sqlState('42703')],
    ['read-only transaction 25006 (a write sent to the replica is a bug)', sqlState('25006')],
    ['statement timeout 57014', sqlState('57014')],
    ['a plain Error', new Error('boom')],
    ['not an error at all', 'boom'],
    ['null', null],
  ])('%s is the statement’s own failure: rethrown, no failover', (_, err) => {
    expect(classifyReadError(err)).toBe('query');
  });
});

describe('nextReplicaState', () => {
  const down: ReplicaState = { status: 'down', cause: 'unavailable', attempt: 0, replayTarget: null };

  it('a connection failure takes an up replica down, with no replay target', () => {
    expect(nextReplicaState(REPLICA_UP, { type: 'unavailable' })).toEqual(down);
  });

  it('falling behind takes it down until it has replayed the LSN it was waited for', () => {
    expect(nextReplicaState(REPLICA_UP, { type: 'behind', lsn: '0/3000060' })).toEqual({
      status: 'down',
      cause: 'lagging',
      attempt: 0,
      replayTarget: '0/3000060',
    });
  });

  it('failed rechecks count up (the backoff grows); a passed one brings it back', () => {
    const once = nextReplicaState(down, { type: 'recheck-failed' });
    const twice = nextReplicaState(once, { type: 'recheck-failed' });
    expect(twice).toEqual({ ...down, attempt: 2 });
    expect(nextReplicaState(twice, { type: 'recheck-passed' })).toEqual(REPLICA_UP);
  });

  it('more failures while down change nothing: one state change, one log line', () => {
    const again = nextReplicaState(down, { type: 'unavailable' });
    expect(again).toBe(down);
    expect(statusChanged(down, again)).toBe(false);
  });

  it('a later replay target replaces the earlier one while down (the replica must have the latest change)', () => {
    const lagging = nextReplicaState(REPLICA_UP, { type: 'behind', lsn: '0/1' });
    expect(nextReplicaState(lagging, { type: 'behind', lsn: '0/2' })).toMatchObject({ replayTarget: '0/2' });
  });

  it('a recheck that finishes after the replica is already up changes nothing', () => {
    expect(nextReplicaState(REPLICA_UP, { type: 'recheck-failed' })).toBe(REPLICA_UP);
    expect(nextReplicaState(REPLICA_UP, { type: 'recheck-passed' })).toBe(REPLICA_UP);
  });

  it('only up ↔ down is a change worth a log line', () => {
    expect(statusChanged(REPLICA_UP, down)).toBe(true);
    expect(statusChanged(down, REPLICA_UP)).toBe(true);
    expect(statusChanged(down, { ...down, attempt: 3 })).toBe(false);
  });
});

describe('replayPollDelayMs', () => {
  it('starts at a few milliseconds and grows to 50 ms', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 40].map(replayPollDelayMs)).toEqual([2, 4, 8, 16, 32, 50, 50, 50]);
  });
});

describe('replayTargetOf', () => {
  const BLOCK = 8192;
  const SEGMENT = 16 * 1024 * 1024;

  it('is the insert position when the last record ended inside a page', () => {
    expect(replayTargetOf('0/3000148', BLOCK, SEGMENT)).toBe('0/3000148');
    expect(replayTargetOf('1A/FF0020D8', BLOCK, SEGMENT)).toBe('1A/FF0020D8');
  });

  it('takes off the page header the insert position points past when the last record ended at a page end', () => {
    // 0x3002018 = page 0x3002000 + 24: the last record ended at 0x3002000.
    expect(replayTargetOf('0/3002018', BLOCK, SEGMENT)).toBe('0/3002000');
    expect(replayTargetOf('2/A0004018', BLOCK, SEGMENT)).toBe('2/A0004000');
  });

  it('takes off the long header of a segment’s first page, across the 32-bit boundary of the text form', () => {
    expect(replayTargetOf('0/4000028', BLOCK, SEGMENT)).toBe('0/4000000');
    expect(replayTargetOf('1/28', BLOCK, SEGMENT)).toBe('1/0');
  });

  it('follows the server’s block and segment sizes', () => {
    expect(replayTargetOf('0/2018', 16384, SEGMENT)).toBe('0/2018');
    expect(replayTargetOf('0/4018', 16384, SEGMENT)).toBe('0/4000');
    expect(replayTargetOf('0/1000028', BLOCK, 32 * 1024 * 1024)).toBe('0/1000028');
  });
});
