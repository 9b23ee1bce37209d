import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { acceptedRequestId, requestIdOf } from '../../src/http/request-id.js';

// docs/api.md, "Response headers": a caller's X-Request-Id is kept when well-formed, else replaced.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('acceptedRequestId', () => {
  it('keeps 1..128 letters, digits and . _ : -', () => {
    for (const id of [
      'a',
      '0f8fad5b-d9cb-469f-a165-70867728950e',
      '01ARZ3NDEKTSV4RRFFQ69G5FAV',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      'edge:lb-1.req_42',
      'x'.repeat(128),
    ]) {
      expect(acceptedRequestId(id)).toBe(id);
    }
  });

  it('refuses anything else: empty, too long, other characters, a repeated header', () => {
    for (const bad of [
      '',
      'x'.repeat(129),
      'has space',
      'a,b',
      'a, b',
      '"quoted"',
      'line\r\nbreak',
      'tab\t',
      'slash/',
      '<script>',
      'ünïcode',
      'semi;colon',
    ]) {
      expect(acceptedRequestId(bad), JSON.stringify(bad)).toBeUndefined();
    }
    expect(acceptedRequestId(['a', 'b'])).toBeUndefined();
    expect(acceptedRequestId(undefined)).toBeUndefined();
  });
});

describe('requestIdOf', () => {
  const withHeader = (value?: string) =>
    ({ headers: value === undefined ? {} : { 'x-request-id': value } }) as IncomingMessage;

  it("is the caller's well-formed id, else a new UUID each time", () => {
    expect(requestIdOf(withHeader('trace-1'))).toBe('trace-1');
    const fresh = [requestIdOf(withHeader()), requestIdOf(withHeader('bad id')), requestIdOf(withHeader(''))];
    for (const id of fresh) expect(id).toMatch(UUID);
    expect(new Set(fresh).size).toBe(3);
  });
});
