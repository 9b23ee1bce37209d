import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, unavailableReason } from '../../src/db/unavailable.js';
import { KgdbError } from '../../src/errors.js';

// README "Decisions", outages: which errors mean "the database is unavailable" (503, retry) and which are the
// code's own failures (500).

function sqlState(code: string, message = 'server says no'): DatabaseError {
  const err = new DatabaseError(message, message.length, 'error');
  err.code = code;
  return err;
}

function socketError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), {
    code,
    errno: -111,
    syscall: 'connect',
  });
}

describe('unavailableReason', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EPIPE',
    'ENOTFOUND',
    'EAI_AGAIN',
  ])('a socket error %s is an outage', (code) => {
    expect(unavailableReason(socketError(code))).toBe(code);
  });

  it.each([
    ['08000', 'connection_exception'],
    ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
    ['08006', 'connection_failure'],
    ['08P01', 'protocol_violation'],
    ['57P01', 'admin_shutdown'],
    ['57P02', 'crash_shutdown'],
    ['57P03', 'cannot_connect_now'],
    ['53300', 'too_many_connections'],
  ])('SQLSTATE %s (%s) is an outage', (code) => {
    expect(unavailableReason(sqlState(code))).toBe(`SQLSTATE ${code}`);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated due to connection timeout',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('the driver message "%s" is an outage', (message) => {
    expect(unavailableReason(new Error(message))).toBe(message);
  });

  it.each([
    ['a unique violation', sqlState('23505')],
    ['a syntax error', sqlState('42601')],
    ['a statement timeout (its own 503, no retry hint)', sqlState('57014')],
    ['an undefined table', sqlState('42P01')],
    ['a disk full', sqlState('53100')],
    ['a plain Error', new Error('boom')],
    ['a message that only mentions a connection', new Error('connection refused')],
    ['a pool used after end()', new Error('Cannot use a pool after calling end on the pool')],
    ['a KgdbError', new KgdbError('INVALID_PARAMETER', { detail: 'bad sort' })],
    ['a string', 'ECONNREFUSED'],
    ['null', null],
    ['undefined', undefined],
    ['a number', 57],
  ])('%s is not an outage', (_what, err) => {
    expect(unavailableReason(err)).toBeNull();
    expect(isDatabaseUnavailable(err)).toBe(false);
  });

  it('follows the cause chain (a wrapped connect error, the pool timeout wrapping the client error)', () => {
    const wrapped = new Error('could not load flags', { cause: socketError('ECONNREFUSED') });
    expect(unavailableReason(wrapped)).toBe('ECONNREFUSED');
    const deep = new Error('a', { cause: new Error('b', { cause: sqlState('57P03') }) });
    expect(unavailableReason(deep)).toBe('SQLSTATE 57P03');
  });

  it('looks into AggregateError members (connect to a host with several addresses)', () => {
    const aggregate = new AggregateError([new Error('x'), socketError('ECONNREFUSED')], 'all failed');
    expect(unavailableReason(aggregate)).toBe('ECONNREFUSED');
  });

  it('stops on a cause cycle', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b', { cause: a });
    a.cause = b;
    expect(unavailableReason(a)).toBeNull();
  });
});
