import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { VIEWS_ROLLOUT } from '../../src/rollout-plan.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';

export type Arm = (typeof VIEWS_ROLLOUT.arms)[keyof typeof VIEWS_ROLLOUT.arms];
export const ARMS: readonly Arm[] = [VIEWS_ROLLOUT.arms.off, VIEWS_ROLLOUT.arms.on];

/** One database per arm, the same rows in each; the flags, not the test, decide which arm serves. */
export type ArmDatabases = Record<Arm, TestDatabase> & { drop(): Promise<void> };

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
  } finally {
    await admin.end();
  }
}

/**
 * Seeds one database and copies it once per arm, so an HTTP test compares the arms with routing as in
 * production. The views copy is a fresh install (use_database_views at 100 %, shadow at 1 %); on the legacy copy
 * startFlagsAtZero puts the legacy arm in front, before any app reads the flags. Copies rather than two
 * seedings: ids, timestamps and tokens are the same in both, so whole response bodies compare.
 */
export async function armDatabases(
  seed: (pool: Pool) => Promise<unknown>,
  poolSize = 5,
): Promise<ArmDatabases> {
  const source = await createTestDatabase(poolSize);
  try {
    await seed(source.pool);
  } finally {
    // A template database must have no connections (PostgreSQL waits a few seconds for them to go).
    await source.pool.end();
  }
  try {
    const views = await createTestDatabase(poolSize, source.name);
    const legacy = await createTestDatabase(poolSize, source.name);
    await startFlagsAtZero(legacy.pool);
    return {
      legacy,
      views,
      drop: async () => {
        await Promise.all([legacy.drop(), views.drop()]);
      },
    };
  } finally {
    await dropDatabase(source.name);
  }
}

/** The arm that answered, from the Server-Timing header the arm switch's label produces. */
export function servedArm(res: LightMyRequestResponse): string | undefined {
  return /arm;desc="([^"]*)"/.exec(String(res.headers['server-timing'] ?? ''))?.[1];
}
