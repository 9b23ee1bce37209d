import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      host: '127.0.0.1',
      port: 8000,
      dataDir: '/srv/app/.kgdb',
      logLevel: 'info',
      poolSize: 10,
      seedDemoOnEmpty: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u:p@db:5432/kgdb',
        HOST: '0.0.0.0',
        PORT: '9000',
        KGDB_DATA_DIR: '/data',
        REDIS_URL: 'redis://cache:6379',
        LOG_LEVEL: 'debug',
        JWT_SECRET: 'x'.repeat(32),
        KGDB_POOL_SIZE: '25',
        KGDB_SEED_DEMO: 'false',
      },
      '/srv',
    );
    expect(config).toEqual({
      databaseUrl: 'postgres://u:p@db:5432/kgdb',
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/data',
      redisUrl: 'redis://cache:6379',
      logLevel: 'debug',
      jwtSecret: 'x'.repeat(32),
      poolSize: 25,
      seedDemoOnEmpty: false,
    });
  });

  it('collects every problem into one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', KGDB_POOL_SIZE: '0' });
    } catch (raw) {
      error = raw;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Invalid configuration:
      - DATABASE_URL: expected a postgres or postgresql URL, got scheme 'mysql'
      - PORT: expected a whole number 1..65535, got 'abc'
      - LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'
      - KGDB_POOL_SIZE: expected a whole number 1..500, got '0'"
    `);
  });
});
