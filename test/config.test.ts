import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_GUARD_OPTIONS, DEFAULT_GUARD_THRESHOLDS, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('KGDB_GUARD_MAX_P99_RATIO: a multiple of the control p99 above 1', () => {
    expect(loadConfig({ KGDB_GUARD_MAX_P99_RATIO: '3' }).guard.thresholds.maxP99Ratio).toBe(3);
    for (const bad of ['1', '0.5', '-2', 'x', '101']) {
      expect(() => loadConfig({ KGDB_GUARD_MAX_P99_RATIO: bad })).toThrow(
        `KGDB_GUARD_MAX_P99_RATIO: expected a number above 1 and at most 100, got '${bad}'`,
      );
    }
  });

  it('uses the documented defaults for an empty environment', () => {
    const config = loadConfig({}, '/srv/app');
    expect(config).toMatchObject({
      databaseUrl: undefined,
      host: '127.0.0.1',
      port: 8000,
      dataDir: '/srv/app/.kgdb',
      logLevel: 'info',
      poolSize: 10,
      shutdownTimeoutMs: 10_000,
      seedDemoOnEmpty: true,
      guard: {
        intervalMs: 10_000,
        lookbackMs: 60_000,
        thresholds: {
          maxErrorRate: 0.01,
          maxP99Ms: 200,
          maxP99Ratio: 2,
          maxMismatchRate: 0.05,
          minSamples: 100,
          minShadowSamples: 50,
          minAaSamples: 50,
        },
        autoPromote: true,
        retainArmsMs: 2 * 3600_000,
        retainExperimentsMs: 7 * 24 * 3600_000,
      },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads every variable it documents', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u:p@db:5432/kgdb',
        DATABASE_READ_URL: 'postgres://u:p@replica:5432/kgdb',
        HOST: '0.0.0.0',
        PORT: '9000',
        KGDB_DATA_DIR: '/data',
        REDIS_URL: 'redis://cache:6379',
        LOG_LEVEL: 'debug',
        JWT_SECRET: 'x'.repeat(32),
        KGDB_METRICS_TOKEN: 'scrape-0123456789abcdef',
        KGDB_TRUST_PROXY: '1',
        KGDB_POOL_SIZE: '25',
        KGDB_SHUTDOWN_TIMEOUT_S: '30',
        KGDB_SEED_DEMO: 'false',
        KGDB_GUARD_MAX_ERROR_RATE: '0.02',
        KGDB_GUARD_MAX_P99_MS: '500',
        KGDB_GUARD_MAX_P99_RATIO: '1.5',
        KGDB_GUARD_MAX_MISMATCH_RATE: '0.1',
        KGDB_GUARD_MIN_SAMPLES: '20',
        KGDB_GUARD_INTERVAL_S: '5',
        KGDB_GUARD_WINDOW_S: '30',
      },
      '/srv',
    );
    expect(config).toEqual({
      databaseUrl: 'postgres://u:p@db:5432/kgdb',
      databaseReadUrl: 'postgres://u:p@replica:5432/kgdb',
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/data',
      redisUrl: 'redis://cache:6379',
      logLevel: 'debug',
      jwtSecret: 'x'.repeat(32),
      metricsToken: 'scrape-0123456789abcdef',
      trustProxy: 1,
      poolSize: 25,
      shutdownTimeoutMs: 30_000,
      seedDemoOnEmpty: false,
      guard: {
        ...DEFAULT_GUARD_OPTIONS,
        intervalMs: 5000,
        lookbackMs: 30000,
        thresholds: {
          ...DEFAULT_GUARD_THRESHOLDS,
          maxErrorRate: 0.02,
          maxP99Ms: 500,
          maxP99Ratio: 1.5,
          maxMismatchRate: 0.1,
          minSamples: 20,
        },
      },
    });
  });

  it('collects every problem into one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'abc',
        LOG_LEVEL: 'loud',
        DATABASE_URL: 'mysql://x',
        KGDB_POOL_SIZE: '0',
        KGDB_GUARD_MAX_ERROR_RATE: '2',
      });
    } catch (raw) {
      error = raw;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatchInlineSnapshot(`
      "Invalid configuration:
      - DATABASE_URL: expected a postgres or postgresql URL, got scheme 'mysql'
      - PORT: expected a whole number 1..65535, got 'abc'
      - LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got 'loud'
      - KGDB_POOL_SIZE: expected a whole number 1..500, got '0'
      - KGDB_GUARD_MAX_ERROR_RATE: expected a number 0..1, got '2'"
    `);
  });

  it('KGDB_SHUTDOWN_TIMEOUT_S: whole seconds, 1..600', () => {
    expect(loadConfig({ KGDB_SHUTDOWN_TIMEOUT_S: '600' }).shutdownTimeoutMs).toBe(600_000);
    for (const bad of ['0', '601', '2.5', '-1', 'ten']) {
      expect(() => loadConfig({ KGDB_SHUTDOWN_TIMEOUT_S: bad })).toThrow(
        `KGDB_SHUTDOWN_TIMEOUT_S: expected a whole number 1..600, got '${bad}'`,
      );
    }
  });

  it('KGDB_METRICS_TOKEN: unset leaves /metrics public; a short or spaced token is refused', () => {
    expect(loadConfig({}).metricsToken).toBeUndefined();
    expect(() => loadConfig({ KGDB_METRICS_TOKEN: 'short' })).toThrow(
      'KGDB_METRICS_TOKEN: expected at least 16 characters, got 5',
    );
    expect(() => loadConfig({ KGDB_METRICS_TOKEN: 'with a space in the middle' })).toThrow(
      'KGDB_METRICS_TOKEN: must not contain whitespace',
    );
  });

  it('KGDB_TRUST_PROXY: unset or false trusts no proxy; hops, addresses, CIDRs and named ranges are kept', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ KGDB_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ KGDB_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(
      loadConfig({ KGDB_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7,::1,fd00::/8,loopback' }).trustProxy,
    ).toEqual(['10.0.0.0/8', '192.0.2.7', '::1', 'fd00::/8', 'loopback']);
  });

  it('KGDB_TRUST_PROXY: true, a hop count out of range, a bad address or prefix is refused naming the forms', () => {
    const forms =
      'allowed: false, a hop count 1..10, or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal';
    expect(() => loadConfig({ KGDB_TRUST_PROXY: 'true' })).toThrow(
      `KGDB_TRUST_PROXY: 'true' would believe any client's X-Forwarded-For (${forms})`,
    );
    expect(() => loadConfig({ KGDB_TRUST_PROXY: '11' })).toThrow(
      "KGDB_TRUST_PROXY: a hop count must be 1..10, got '11'",
    );
    expect(() => loadConfig({ KGDB_TRUST_PROXY: '0' })).toThrow("a hop count must be 1..10, got '0'");
    expect(() => loadConfig({ KGDB_TRUST_PROXY: '10.0.0.0/33,proxy.local' })).toThrow(
      `KGDB_TRUST_PROXY: '10.0.0.0/33': the prefix must be 0..32; 'proxy.local' is not an address, a CIDR or loopback/linklocal/uniquelocal (${forms})`,
    );
    expect(() => loadConfig({ KGDB_TRUST_PROXY: '::1/129' })).toThrow("'::1/129': the prefix must be 0..128");
    expect(() => loadConfig({ KGDB_TRUST_PROXY: '10.0.0.1,' })).toThrow("'' is not an address");
  });
});
