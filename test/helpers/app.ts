import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { type ComposeOptions, type Composition, compose } from '../../src/app/compose.js';
import type { TrustProxy } from '../../src/config.js';
import type { Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';

export interface TestAppOptions {
  /** What a test may swap (clock, rollout window and faults, cache and login limits); never routing or caching. */
  swaps?: ComposeOptions['swaps'];
  /** Run the guard leader loop in this app; default no guard (a test's traffic must not move the flags). */
  guard?: Exclude<ComposeOptions['guard'], false>;
  jwtSecret?: string;
  metricsToken?: string;
  redisUrl?: string;
  trustProxy?: TrustProxy;
}

/**
 * The production graph (src/app/compose.ts) on a test database: the flags decide the arm, the shadow flag
 * samples comparisons, the views arm reads through the cache. A test database starts as a fresh install does
 * (views at 100 %, shadow at 1 %); startFlagsAtZero puts the legacy arm in front. Closing the app stops it all.
 */
export async function composeTestApp(pool: Pool, options: TestAppOptions = {}): Promise<Composition> {
  const composition = await compose({
    pool,
    logger: createLogger('silent'),
    jwtSecret: options.jwtSecret ?? randomBytes(32).toString('base64url'),
    metricsToken: options.metricsToken,
    trustProxy: options.trustProxy,
    redisUrl: options.redisUrl,
    guard: options.guard ?? false,
    swaps: options.swaps,
  });
  composition.startBackground();
  return composition;
}

/** composeTestApp's app, for tests that only send requests. */
export async function testApp(pool: Pool, options?: TestAppOptions): Promise<FastifyInstance> {
  return (await composeTestApp(pool, options)).app;
}
