import { isIP } from 'node:net';
import path from 'node:path';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything kgdb reads from the environment, parsed once at start. */
export interface Config {
  /** External PostgreSQL; undefined = start the embedded server in dataDir. */
  databaseUrl: string | undefined;
  /** A streaming replica of it: the views arm's reads go there (docs/read-replica.md); undefined = all on the primary. */
  databaseReadUrl: string | undefined;
  host: string;
  port: number;
  /** Holds the embedded cluster and its credentials. */
  dataDir: string;
  redisUrl: string | undefined;
  logLevel: LogLevel;
  jwtSecret: string | undefined;
  /** When set, GET /metrics requires `Authorization: Bearer <it>`; undefined = public. */
  metricsToken: string | undefined;
  /**
   * Which peers' X-Forwarded-For is believed for the client address (the login limit, address stickiness, the
   * request log): false = none (the TCP peer is the client), a hop count, or proxy addresses/CIDRs.
   */
  trustProxy: TrustProxy;
  poolSize: number;
  /** On SIGINT/SIGTERM, how long in-flight requests may finish before their connections are closed. */
  shutdownTimeoutMs: number;
  /** Load the default demo dataset when the database has no genes at start. */
  seedDemoOnEmpty: boolean;
  /** When and how the rollout guard acts (docs/rollout.md, "Guard"); the composition root hands it over. */
  guard: GuardSettings;
}

/** Fastify's `trustProxy` in the forms kgdb accepts (never `true`: any client could then pick its address). */
export type TrustProxy = false | number | string[];

/** The rollout guard's thresholds, owned here with their defaults (the guard itself has none). */
export interface GuardThresholdSettings {
  /**
   * Roll back when the candidate's error rate exceeds the control's by more than this (a fraction: 0.01 = 1
   * percentage point). With no control observation at all in the window, the candidate's own rate above this
   * rolls back (the absolute rule).
   */
  maxErrorRate: number;
  /** The p99 rule needs the candidate's p99 above this (ms) … */
  maxP99Ms: number;
  /** … and above this multiple of the control's p99 over the same window. */
  maxP99Ratio: number;
  /** Roll back above this share of mismatching shadow comparisons, net of A/A noise. */
  maxMismatchRate: number;
  /** Fewer candidate executions than this in the window: inconclusive, hold (never promote on no data). */
  minSamples: number;
  /** The mismatch rule applies only with at least this many compared shadow runs. */
  minShadowSamples: number;
  /** A/A noise is subtracted only when measured on at least this many A/A comparisons. */
  minAaSamples: number;
}

/** Every setting of the rollout guard but the flag and arms it guards (GuardOptions in src/rollout/guard). */
export interface GuardSettings {
  /** Evaluate this often (also how often a follower retries the lock). */
  intervalMs: number;
  /** Evaluate over the windows that started this long ago or later. */
  lookbackMs: number;
  thresholds: GuardThresholdSettings;
  /** Global permission to auto-promote; the flag's own auto_promote must also be on. */
  autoPromote: boolean;
  /** How long request windows and experiment windows are kept. */
  retainArmsMs: number;
  retainExperimentsMs: number;
}

/** The guard's defaults: the numbers of the original rollout plan (docs/rollout.md, "Guard"). */
export const DEFAULT_GUARD_THRESHOLDS: Readonly<GuardThresholdSettings> = Object.freeze({
  maxErrorRate: 0.01,
  maxP99Ms: 200,
  maxP99Ratio: 2,
  maxMismatchRate: 0.05,
  minSamples: 100,
  minShadowSamples: 50,
  minAaSamples: 50,
});

export const DEFAULT_GUARD_OPTIONS: Readonly<GuardSettings> = Object.freeze({
  intervalMs: 10_000,
  lookbackMs: 60_000,
  thresholds: DEFAULT_GUARD_THRESHOLDS,
  autoPromote: true,
  retainArmsMs: 2 * 3600_000,
  retainExperimentsMs: 7 * 24 * 3600_000,
});

export type Env = Readonly<Record<string, string | undefined>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  dataDir: '.kgdb',
  logLevel: 'info',
  poolSize: 10,
  shutdownTimeoutMs: 10_000,
  seedDemoOnEmpty: true,
} as const satisfies Partial<Config>;

/** Documented for the README and `kgdb --help`; the keys are the variables loadConfig reads. */
export const ENV_DOCS = {
  DATABASE_URL: 'postgres://… of an external PostgreSQL ≥ 14; unset = embedded server',
  DATABASE_READ_URL:
    "postgres://… of a streaming replica of DATABASE_URL's server: the views arm's reads go there, falling back to the primary while it is down (optional)",
  HOST: `address to listen on (${DEFAULTS.host})`,
  PORT: `port to listen on, 1..65535 (${DEFAULTS.port})`,
  KGDB_DATA_DIR: `embedded cluster and its credentials (${DEFAULTS.dataDir})`,
  REDIS_URL: 'redis://… shared cache for several instances (optional)',
  LOG_LEVEL: `${LOG_LEVELS.join('|')} (${DEFAULTS.logLevel})`,
  JWT_SECRET:
    'signing secret for access tokens (≥ 32 chars); unset = generated once and kept in the database, shared by all instances',
  KGDB_METRICS_TOKEN:
    'bearer token GET /metrics requires (≥ 16 chars, no spaces); unset = /metrics is public',
  KGDB_TRUST_PROXY:
    'behind a load balancer: the proxies whose X-Forwarded-For names the client, as a hop count 1..10 or a comma list of addresses, CIDRs, loopback, linklocal, uniquelocal; unset = the TCP peer is the client',
  KGDB_POOL_SIZE: `PostgreSQL connections per process, 1..500 (${DEFAULTS.poolSize})`,
  KGDB_WORKERS:
    'kgdb serve: processes serving one port and database, 1..64 or auto (one per CPU); --workers wins (1)',
  KGDB_SHUTDOWN_TIMEOUT_S: `on SIGINT/SIGTERM, seconds in-flight requests may take to finish before their connections are closed, 1..600 (${DEFAULTS.shutdownTimeoutMs / 1000})`,
  KGDB_GUARD_MAX_ERROR_RATE: `rollout guard: roll back when the views' error rate exceeds the legacy arm's by more than this (its own rate when the control is silent), 0..1 (${DEFAULT_GUARD_THRESHOLDS.maxErrorRate})`,
  KGDB_GUARD_MAX_P99_MS: `rollout guard: roll back when the views' p99 is above this (ms, 1..60000) (${DEFAULT_GUARD_THRESHOLDS.maxP99Ms})`,
  KGDB_GUARD_MAX_P99_RATIO: `rollout guard: … and above this multiple of the legacy arm's p99 at the same time, above 1, at most 100 (${DEFAULT_GUARD_THRESHOLDS.maxP99Ratio})`,
  KGDB_GUARD_MAX_MISMATCH_RATE: `rollout guard: roll back above this shadow mismatch rate, 0..1 (${DEFAULT_GUARD_THRESHOLDS.maxMismatchRate})`,
  KGDB_GUARD_MIN_SAMPLES: `rollout guard: fewer requests in the window = hold, 1..1000000 (${DEFAULT_GUARD_THRESHOLDS.minSamples})`,
  KGDB_GUARD_INTERVAL_S: `rollout guard: seconds between evaluations, 1..3600 (${DEFAULT_GUARD_OPTIONS.intervalMs / 1000})`,
  KGDB_GUARD_WINDOW_S: `rollout guard: seconds of all instances' samples it evaluates, 10..3600 (${DEFAULT_GUARD_OPTIONS.lookbackMs / 1000})`,
  KGDB_SEED_DEMO: `true|false: load the demo dataset into an empty database at start (${DEFAULTS.seedDemoOnEmpty})`,
} as const;

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };
type Parser<T> = (raw: string) => Parsed<T>;
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

function intIn(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = Number(raw);
    return /^\d+$/.test(raw) && n >= min && n <= max
      ? ok(n)
      : bad(`expected a whole number ${min}..${max}, got '${raw}'`);
  };
}

function oneOf<T extends string>(allowed: readonly T[]): Parser<T> {
  return (raw) =>
    (allowed as readonly string[]).includes(raw)
      ? ok(raw as T)
      : bad(`expected one of ${allowed.join(', ')}, got '${raw}'`);
}

function urlWithScheme(schemes: string[]): Parser<string> {
  return (raw) => {
    try {
      const scheme = new URL(raw).protocol.replace(/:$/, '');
      return schemes.includes(scheme)
        ? ok(raw)
        : bad(`expected a ${schemes.join(' or ')} URL, got scheme '${scheme}'`);
    } catch {
      return bad(`expected a ${schemes[0]}:// URL, got '${raw}'`);
    }
  };
}

function numberIn(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = Number(raw);
    return /^\d+(\.\d+)?$/.test(raw) && n >= min && n <= max
      ? ok(n)
      : bad(`expected a number ${min}..${max}, got '${raw}'`);
  };
}

function numberAbove(min: number, max: number): Parser<number> {
  return (raw) => {
    const n = Number(raw);
    return /^\d+(\.\d+)?$/.test(raw) && n > min && n <= max
      ? ok(n)
      : bad(`expected a number above ${min} and at most ${max}, got '${raw}'`);
  };
}

const bool: Parser<boolean> = (raw) =>
  raw === 'true' || raw === '1'
    ? ok(true)
    : raw === 'false' || raw === '0'
      ? ok(false)
      : bad(`expected true or false, got '${raw}'`);

const nonEmpty: Parser<string> = (raw) => (raw.trim() === '' ? bad('must not be empty') : ok(raw));

/** Sent as `Authorization: Bearer <token>`: no whitespace, and long enough not to be guessed. */
const bearerToken: Parser<string> = (raw) =>
  /\s/.test(raw)
    ? bad('must not contain whitespace')
    : raw.length < 16
      ? bad(`expected at least 16 characters, got ${raw.length}`)
      : ok(raw);

const PROXY_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** One trusted proxy: an address, a CIDR whose prefix fits its family, or a named range. */
function proxyEntryProblem(entry: string): string | undefined {
  if (PROXY_RANGES.includes(entry)) return undefined;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0)
    return `'${entry}' is not an address, a CIDR or ${PROXY_RANGES.join('/')}`;
  if (prefix === undefined) return undefined;
  const bits = family === 4 ? 32 : 128;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits
    ? undefined
    : `'${entry}': the prefix must be 0..${bits}`;
}

const TRUST_PROXY_FORMS = `false, a hop count 1..10, or a comma list of addresses, CIDRs, ${PROXY_RANGES.join(', ')}`;

const trustProxy: Parser<TrustProxy> = (raw) => {
  if (raw === 'false') return ok(false);
  if (raw === 'true')
    return bad(`'true' would believe any client's X-Forwarded-For (allowed: ${TRUST_PROXY_FORMS})`);
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    return hops >= 1 && hops <= 10 ? ok(hops) : bad(`a hop count must be 1..10, got '${raw}'`);
  }
  const entries = raw.split(',').map((e) => e.trim());
  const problems = entries.flatMap((e) => proxyEntryProblem(e) ?? []);
  return problems.length > 0 ? bad(`${problems.join('; ')} (allowed: ${TRUST_PROXY_FORMS})`) : ok(entries);
};

/** Pure: reads `env`, collects every problem, and throws one ConfigError listing them all. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  const problems: string[] = [];
  function read<T>(name: keyof typeof ENV_DOCS, parse: Parser<T>, fallback: T): T {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const parsed = parse(raw);
    if (parsed.ok) return parsed.value;
    problems.push(`${name}: ${parsed.problem}`);
    return fallback;
  }

  const config: Config = {
    databaseUrl: read('DATABASE_URL', urlWithScheme(['postgres', 'postgresql']), undefined),
    databaseReadUrl: read('DATABASE_READ_URL', urlWithScheme(['postgres', 'postgresql']), undefined),
    host: read('HOST', nonEmpty, DEFAULTS.host),
    port: read('PORT', intIn(1, 65535), DEFAULTS.port),
    dataDir: path.resolve(cwd, read('KGDB_DATA_DIR', nonEmpty, DEFAULTS.dataDir)),
    redisUrl: read('REDIS_URL', urlWithScheme(['redis', 'rediss']), undefined),
    logLevel: read('LOG_LEVEL', oneOf(LOG_LEVELS), DEFAULTS.logLevel),
    jwtSecret: read('JWT_SECRET', nonEmpty, undefined),
    metricsToken: read('KGDB_METRICS_TOKEN', bearerToken, undefined),
    trustProxy: read('KGDB_TRUST_PROXY', trustProxy, false),
    poolSize: read('KGDB_POOL_SIZE', intIn(1, 500), DEFAULTS.poolSize),
    shutdownTimeoutMs:
      read('KGDB_SHUTDOWN_TIMEOUT_S', intIn(1, 600), DEFAULTS.shutdownTimeoutMs / 1000) * 1000,
    seedDemoOnEmpty: read('KGDB_SEED_DEMO', bool, DEFAULTS.seedDemoOnEmpty),
    guard: {
      ...DEFAULT_GUARD_OPTIONS,
      intervalMs:
        read('KGDB_GUARD_INTERVAL_S', intIn(1, 3600), DEFAULT_GUARD_OPTIONS.intervalMs / 1000) * 1000,
      lookbackMs:
        read('KGDB_GUARD_WINDOW_S', intIn(10, 3600), DEFAULT_GUARD_OPTIONS.lookbackMs / 1000) * 1000,
      thresholds: {
        ...DEFAULT_GUARD_THRESHOLDS,
        maxErrorRate: read(
          'KGDB_GUARD_MAX_ERROR_RATE',
          numberIn(0, 1),
          DEFAULT_GUARD_THRESHOLDS.maxErrorRate,
        ),
        maxP99Ms: read('KGDB_GUARD_MAX_P99_MS', numberIn(1, 60_000), DEFAULT_GUARD_THRESHOLDS.maxP99Ms),
        maxP99Ratio: read(
          'KGDB_GUARD_MAX_P99_RATIO',
          numberAbove(1, 100),
          DEFAULT_GUARD_THRESHOLDS.maxP99Ratio,
        ),
        maxMismatchRate: read(
          'KGDB_GUARD_MAX_MISMATCH_RATE',
          numberIn(0, 1),
          DEFAULT_GUARD_THRESHOLDS.maxMismatchRate,
        ),
        minSamples: read('KGDB_GUARD_MIN_SAMPLES', intIn(1, 1_000_000), DEFAULT_GUARD_THRESHOLDS.minSamples),
      },
    },
  };
  if (config.jwtSecret !== undefined && config.jwtSecret.length < 32) {
    problems.push('JWT_SECRET: expected at least 32 characters');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
