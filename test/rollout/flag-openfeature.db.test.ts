import { OpenFeature } from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFlagSnapshot, type FlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import { createFlagStore } from '../../src/rollout/flags/flag-store.js';
import { KgdbFlagProvider } from '../../src/rollout/flags/openfeature-provider.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let snapshot: FlagSnapshot;

beforeAll(async () => {
  db = await createTestDatabase();
  await startFlagsAtZero(db.pool);
  const store = createFlagStore(db.pool);
  await store.advance('use_database_views', { actor: 'test' });
  await store.advance('use_database_views', { actor: 'test' }); // step 2: 25 %
  snapshot = createFlagSnapshot({ store, pollMs: 60_000 });
  await snapshot.start();
  await OpenFeature.setProviderAndWait(new KgdbFlagProvider(snapshot));
});
afterAll(async () => {
  await OpenFeature.close();
  await snapshot.stop();
  await db.drop();
});

describe('OpenFeature server provider over the snapshot', () => {
  it('getBooleanValue matches the snapshot evaluation for every targeting key', async () => {
    const client = OpenFeature.getClient();
    let on = 0;
    for (let i = 0; i < 2000; i++) {
      const targetingKey = `user:${i}`;
      const value = await client.getBooleanValue('use_database_views', false, { targetingKey });
      expect(value).toBe(snapshot.evaluate('use_database_views', { targetingKey }).value);
      if (value) on++;
    }
    expect(on / 2000).toBeGreaterThan(0.2);
    expect(on / 2000).toBeLessThan(0.3);
  });

  it('reports the split reason, variant and bucket metadata', async () => {
    const details = await OpenFeature.getClient().getBooleanDetails('use_database_views', false, {
      targetingKey: 'user:7',
    });
    const own = snapshot.evaluate('use_database_views', { targetingKey: 'user:7' });
    expect(details).toMatchObject({
      value: own.value,
      reason: 'SPLIT',
      variant: own.variant,
      flagMetadata: { bucket: own.bucket, percentage: 25, step: 2 },
    });
  });

  it("an unknown flag gives the caller's default with FLAG_NOT_FOUND; other types are a TYPE_MISMATCH", async () => {
    const client = OpenFeature.getClient();
    const details = await client.getBooleanDetails('no_such_flag', true, { targetingKey: 'user:1' });
    expect(details).toMatchObject({ value: true, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND' });
    expect(await client.getStringDetails('use_database_views', 'x')).toMatchObject({
      value: 'x',
      errorCode: 'TYPE_MISMATCH',
    });
  });

  it('a split flag without a targeting key answers the default (TARGETING_KEY_MISSING)', async () => {
    const details = await OpenFeature.getClient().getBooleanDetails('use_database_views', false);
    expect(details).toMatchObject({ value: false, errorCode: 'TARGETING_KEY_MISSING' });
  });
});
