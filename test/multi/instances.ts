import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { inheritedEnv } from '../../bench/workers-bench.js';
import { INSTANCE_HEADER } from '../../src/app/serve.js';

/**
 * `kgdb serve` as a child process (`node bin/kgdb.js serve`, the sources through tsx), on a port of its own or,
 * with `--workers N`, as the primary of N workers sharing one: what several instances on one database are in
 * production, observed from outside over HTTP and in the database.
 */

const KGDB = path.resolve(import.meta.dirname, '../../bin/kgdb.js');
/** A first start through tsx on a busy 2-core machine takes seconds; several at once, longer. */
const START_DEADLINE_MS = 180_000;

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface KgdbProcess {
  name: string;
  origin: string;
  child: ChildProcess;
  /** What it wrote to stdout and stderr so far (the last 50,000 characters). */
  output(): string;
  exited: Promise<Exit>;
  /** SIGTERM (a drain), or `signal`; resolves with how it exited. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Polls `check` until it returns something other than undefined/false and returns that with the time it took.
 * The deadline is generous: a busy 2-core machine can take seconds for what takes milliseconds idle.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return { value, ms: performance.now() - started };
    if (performance.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Starts `kgdb serve [args]` with `env` on a free port; resolves once GET /health answers 200. */
export async function startKgdb(
  name: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<KgdbProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [KGDB, 'serve', ...args], {
    env: {
      ...inheritedEnv(),
      KGDB_TSX: '1',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KGDB_SEED_DEMO: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = `${output}${chunk}`.slice(-50_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const instance: KgdbProcess = {
    name,
    origin: `http://127.0.0.1:${port}`,
    child,
    output: () => output,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (running()) child.kill(signal);
      return exited;
    },
  };
  try {
    await waitFor(
      `${name} to answer GET /health`,
      async () => {
        if (!running()) throw new Error(`${name} exited before it served:\n${output}`);
        return (await fetch(`${instance.origin}/health`).catch(() => undefined))?.status === 200;
      },
      START_DEADLINE_MS,
    );
  } catch (err) {
    await instance.stop('SIGKILL');
    throw err;
  }
  return instance;
}

export interface Answer {
  status: number;
  /** X-Kgdb-Instance: which instance answered. */
  instance: string;
  /** From Server-Timing: the arm that served, and whether the cache answered. */
  arm: string | undefined;
  cache: string | undefined;
  text: string;
}

/** One request on a connection of its own, so a cluster's round robin hands it to the next worker. */
export async function request(
  origin: string,
  url: string,
  init: { method?: string; token?: string; body?: unknown; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { connection: 'close' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${origin}${url}`, {
    method: init.method ?? 'GET',
    headers,
    signal: AbortSignal.timeout(init.timeoutMs ?? 60_000),
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  });
  const timing = res.headers.get('server-timing') ?? '';
  return {
    status: res.status,
    instance: res.headers.get(INSTANCE_HEADER) ?? '',
    arm: /\barm;desc="([^"]*)"/.exec(timing)?.[1],
    cache: /\bcache;desc="([^"]*)"/.exec(timing)?.[1],
    text: await res.text(),
  };
}

/** The process id inside an instance id (`host:pid:random`, src/rollout/rollout-deps.ts). */
export function pidOf(instanceId: string): number {
  return Number(instanceId.split(':').at(-2));
}

/** One counter or gauge of a Prometheus text page, by its labels (all of `labels` must match). */
export function metricValue(page: string, name: string, labels: Record<string, string>): number {
  for (const line of page.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.indexOf('}');
    const text = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) {
      return Number(line.slice(close + 1).trim());
    }
  }
  return 0;
}
