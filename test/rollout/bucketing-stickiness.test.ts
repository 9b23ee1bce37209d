import { describe, expect, it } from 'vitest';
import { stickinessKeyOf } from '../../src/rollout/flags/stickiness.js';

describe('stickiness key = user id, else a client id header, else the client address', () => {
  it('prefers the user id', () => {
    expect(stickinessKeyOf({ userId: 42, headers: { 'x-client-id': 'abc' }, ip: '10.0.0.1' })).toEqual({
      key: 'user:42',
      kind: 'user',
    });
  });

  it('falls back to X-Client-Id (first value, trimmed), then the address', () => {
    expect(stickinessKeyOf({ userId: null, headers: { 'x-client-id': ' abc ' }, ip: '10.0.0.1' }).key).toBe(
      'client:abc',
    );
    expect(stickinessKeyOf({ headers: { 'x-client-id': ['a', 'b'] }, ip: '10.0.0.1' }).key).toBe('client:a');
    expect(stickinessKeyOf({ headers: { 'x-client-id': '' }, ip: '10.0.0.1' })).toEqual({
      key: 'address:10.0.0.1',
      kind: 'address',
    });
    expect(stickinessKeyOf({ headers: {} })).toEqual({ key: '', kind: 'none' });
  });

  it('ignores an oversized client id instead of hashing unbounded input', () => {
    expect(stickinessKeyOf({ headers: { 'x-client-id': 'x'.repeat(201) }, ip: '::1' }).kind).toBe('address');
  });

  it('a client claiming id 42 never shares the key of user 42', () => {
    const client = stickinessKeyOf({ headers: { 'x-client-id': '42' } }).key;
    expect(client).not.toBe(stickinessKeyOf({ userId: 42, headers: {} }).key);
  });
});
