import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import { renderError } from '../../src/http/errors.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { metricsPlugin, requestOutcome } from '../../src/metrics/metrics-plugin.js';
import type { RequestOutcome } from '../../src/rollout/window/rollout-window.js';

/**
 * rollout Guard: what the rollout window counts per arm. 4xx (a rejected input, a missing gene, a rate limit)
 * are the caller's doing and never an arm's error; a database outage (503 DATABASE_UNAVAILABLE) is counted apart
 * from errors; every other response ≥ 500 is an error.
 */
const seen: Array<{ arm: string; outcome: RequestOutcome }> = [];
let app: FastifyInstance;

const FAILURES: Record<string, () => Error> = {
  invalid: () => new KgdbError('INVALID_PARAMETER', { parameter: 'sort', detail: "Unknown sort field 'x'" }),
  missing: () => new KgdbError('GENE_NOT_FOUND', { detail: 'No gene PKD9' }),
  limited: () => new KgdbError('RATE_LIMITED', { detail: 'Slow down' }),
  bug: () => new Error('a bug'),
  timeout: () => new KgdbError('UNAVAILABLE', { detail: 'Query timed out' }),
  outage: () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
};

beforeAll(async () => {
  // As buildApp: an unknown query key is a 400, not silently dropped.
  app = Fastify({ ajv: { customOptions: { removeAdditional: false } } });
  app.setErrorHandler(renderError);
  await app.register(metricsPlugin, {
    metrics: createMetrics(new Registry()),
    window: { observeRequest: (arm, _ms, outcome) => seen.push({ arm, outcome }) },
  });
  app.get<{ Params: { kind: string } }>(
    '/arm/:kind',
    {
      // The arm is decided before validation, as a route might: a rejected input still reaches the window.
      onRequest: (request, _reply, done) => {
        request.arm = 'views';
        done();
      },
      schema: {
        querystring: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false },
      },
    },
    async (request) => {
      const fail = FAILURES[request.params.kind];
      if (fail) throw fail();
      return { ok: true };
    },
  );
  app.get('/no-arm', async () => {
    throw new Error('outside any rollout');
  });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

async function outcomeOf(url: string): Promise<{ status: number; outcome: RequestOutcome | undefined }> {
  seen.length = 0;
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, outcome: seen[0]?.outcome };
}

describe('rollout Guard: how a served request counts', () => {
  it('4xx never count as errors: validation failures, unknown parameters, not found, rate limited', async () => {
    expect(await outcomeOf('/arm/ok')).toEqual({ status: 200, outcome: 'ok' });
    expect(await outcomeOf('/arm/ok?n=abc')).toEqual({ status: 400, outcome: 'ok' });
    expect(await outcomeOf('/arm/ok?page=1')).toEqual({ status: 400, outcome: 'ok' });
    expect(await outcomeOf('/arm/invalid')).toEqual({ status: 400, outcome: 'ok' });
    expect(await outcomeOf('/arm/missing')).toEqual({ status: 404, outcome: 'ok' });
    expect(await outcomeOf('/arm/limited')).toEqual({ status: 429, outcome: 'ok' });
  });

  it('a database outage is counted as unavailable, apart from errors', async () => {
    expect(await outcomeOf('/arm/outage')).toEqual({ status: 503, outcome: 'unavailable' });
  });

  it("any other response ≥ 500 is the arm's error, a statement timeout (503 UNAVAILABLE) included", async () => {
    expect(await outcomeOf('/arm/bug')).toEqual({ status: 500, outcome: 'error' });
    expect(await outcomeOf('/arm/timeout')).toEqual({ status: 503, outcome: 'error' });
  });

  it('requests outside a rollout (no arm) never reach the window', async () => {
    expect(await outcomeOf('/no-arm')).toEqual({ status: 500, outcome: undefined });
  });

  it('requestOutcome: the status and the rendered error code decide', () => {
    expect(requestOutcome(200)).toBe('ok');
    expect(requestOutcome(499)).toBe('ok');
    expect(requestOutcome(500)).toBe('error');
    expect(requestOutcome(503)).toBe('error');
    expect(requestOutcome(503, 'DATABASE_UNAVAILABLE')).toBe('unavailable');
  });
});
