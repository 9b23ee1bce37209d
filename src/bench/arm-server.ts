/**
 * A benchmark server pinned to one arm, in a child process of its own, so the load generator in the parent
 * never shares an event loop with the server it measures. The parent half (startArmServer) forks this file;
 * the child half (serveArm, run when this file is the process's main module) composes the production graph,
 * serves /api/genes from one arm, listens on a loopback port and answers the parent over the IPC channel.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app/build-app.js';
import { type Composition, compose } from '../app/compose.js';
import { createPool, type Pool } from '../db/pool.js';
import { toError } from '../errors.js';
import { cachedLegacyFacts, createCachedGeneRepository } from '../genes/cached-gene-repository.js';
import type { GeneService } from '../genes/gene-service.js';
import { createLegacyGeneRepository } from '../genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../genes/views/view-gene-repository.js';
import { createLogger } from '../logger.js';
import { fixedArmService } from './fixed-arm.js';

export type ArmName = 'legacy' | 'views';

export interface ArmServerOptions {
  arm: ArmName;
  databaseUrl: string;
  /** Connections of the server's pool (KGDB_POOL_SIZE, as `kgdb serve` uses). */
  poolSize: number;
  redisUrl: string | undefined;
  /** Write a V8 CPU profile of the server's whole run into this folder, as `kgdb-<arm>.cpuprofile`. */
  cpuProfileDir?: string;
}

/** One cache namespace's reads since the server started (what /metrics and /api/admin/cache/stats count). */
export interface NamespaceCounts {
  /** Answered by the cache: memory, Redis, or joined a load already running for the key. */
  hits: number;
  /** Ran the query and stored the value. */
  misses: number;
  /** Went to PostgreSQL without the cache (its invalidation listener down). */
  bypassed: number;
}

export type CacheCounts = Record<string, NamespaceCounts>;

export interface ArmServer {
  arm: ArmName;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  cacheCounts(): Promise<CacheCounts>;
  /**
   * Resolves once no query runs or waits on the server's pool and its request log is written: the requests a
   * load left behind (autocannon stops without waiting for them) must not overlap the next load.
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

type Question = 'counts' | 'settle';
type ParentMessage = { type: 'start'; options: ArmServerOptions } | { type: Question; id: number };
type ChildMessage =
  | { type: 'listening'; port: number }
  | { type: 'failed'; message: string }
  | { type: 'counts'; id: number; counts: CacheCounts }
  | { type: 'settle'; id: number };

/** tsx's loader, resolved from here: the child runs this file (TypeScript from src/) whatever the working directory. */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const threadProfileDir = (dir: string, arm: ArmName) => path.join(dir, `.${arm}-threads`);

/**
 * Moves the server's main-thread profile (thread id 0 in Node's default name,
 * `CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile`) to `<dir>/kgdb-<arm>.cpuprofile` and drops the rest.
 */
async function keepMainThreadProfile(dir: string, arm: ArmName): Promise<void> {
  const threads = threadProfileDir(dir, arm);
  const main = (await readdir(threads)).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  if (main) await rename(path.join(threads, main), path.join(dir, `kgdb-${arm}.cpuprofile`));
  await rm(threads, { recursive: true, force: true });
}

export function startArmServer(options: ArmServerOptions): Promise<ArmServer> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: [
      // The sources need tsx's loader; the compiled build (dist/) runs as it is.
      ...(import.meta.url.endsWith('.ts') ? ['--import', TSX] : []),
      // Written when the server exits, which it does when the channel closes (close() below): one file per
      // thread (tsx's loader has one), in a folder of the arm's own until close() keeps the main thread's.
      ...(options.cpuProfileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${threadProfileDir(options.cpuProfileDir, options.arm)}`]
        : []),
    ],
    // Its warnings and errors reach our stderr; the options (a database URL with its password) go over IPC.
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const send = (message: ParentMessage) => child.send(message);
  const pending = new Map<
    number,
    { resolve: (message: ChildMessage) => void; reject: (err: Error) => void }
  >();
  let nextId = 0;
  let exited: Error | undefined;
  const ask = (type: Question) =>
    new Promise<ChildMessage>((resolve, reject) => {
      if (exited) return reject(exited);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ type, id });
    });

  return new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      exited = new Error(`the ${options.arm} benchmark server exited (${signal ?? `code ${code}`})`);
      for (const p of pending.values()) p.reject(exited);
      pending.clear();
      reject(exited);
    });
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'failed') {
        reject(new Error(`the ${options.arm} benchmark server failed to start: ${message.message}`));
      } else if (message.type === 'listening') {
        resolve({
          arm: options.arm,
          origin: `http://127.0.0.1:${message.port}`,
          cacheCounts: async () => {
            const answer = await ask('counts');
            return answer.type === 'counts' ? answer.counts : {};
          },
          settle: async () => {
            await ask('settle');
          },
          close: async () => {
            await new Promise<void>((done) => {
              if (exited) return done();
              child.once('exit', () => done());
              // The child closes app and pool when the channel goes, as it does when this process dies.
              child.disconnect();
            });
            if (options.cpuProfileDir) await keepMainThreadProfile(options.cpuProfileDir, options.arm);
          },
        });
      } else {
        pending.get(message.id)?.resolve(message);
        pending.delete(message.id);
      }
    });
    send({ type: 'start', options });
  });
}

// ---- the child ----------------------------------------------------------------------------------------------

/**
 * The arm's gene service as `kgdb serve` serves a caller the flag puts on it (compose.ts), minus the flag and
 * the shadow sampling: the views through the cache (page and list facts cached per normalized request), the
 * legacy arm with only its list facts cached, as upstream cached them.
 */
function pinnedGenes(arm: ArmName, pool: Pool, composed: Composition): GeneService {
  const { cache } = composed.caching;
  return arm === 'views'
    ? fixedArmService('views', createCachedGeneRepository(createViewGeneRepository(pool), cache))
    : fixedArmService('legacy', createLegacyGeneRepository(pool, { cachedFacts: cachedLegacyFacts(cache) }));
}

/** Resolves when no query runs or waits on `pool`: checked again on each release, never polled. */
function poolIdle(pool: Pool): Promise<void> {
  const idle = () => pool.waitingCount === 0 && pool.idleCount === pool.totalCount;
  if (idle()) return Promise.resolve();
  return new Promise((resolve) => {
    // The pool emits 'release' before it takes the client back, so look once the release is through.
    const check = () =>
      setImmediate(() => {
        if (!idle()) return;
        pool.off('release', check);
        pool.off('remove', check);
        resolve();
      });
    pool.on('release', check);
    pool.on('remove', check);
  });
}

/** Runs in the child: composes, listens, then answers the parent until the channel closes. */
async function serveArm(options: ArmServerOptions, reply: (message: ChildMessage) => Promise<void>) {
  const pool = createPool({
    connectionString: options.databaseUrl,
    max: options.poolSize,
    applicationName: `kgdb-bench-${options.arm}`,
  });
  // Warnings only: request lines at info would measure the logger.
  const logger = createLogger('warn', 2);
  const apps: FastifyInstance[] = [];
  // The parent closes the channel to stop us, and so does its death: nothing outlives it.
  process.once('disconnect', () => {
    void (async () => {
      for (const app of apps.reverse()) await app.close();
      await pool.end();
      logger.flush();
      process.exit(0);
    })();
  });
  try {
    const composed = await compose({
      pool,
      logger,
      jwtSecret: randomBytes(32).toString('base64url'),
      redisUrl: options.redisUrl,
      // A leader loop would evaluate the rollout of a flag no request here reads.
      guard: false,
    });
    apps.push(composed.app);
    const app = await buildApp({ ...composed.parts, genes: pinnedGenes(options.arm, pool, composed) });
    apps.push(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    // As `kgdb serve` does after listen: the rollout window writes every instance makes.
    composed.startBackground();
    const { cache } = composed.caching;
    const { requestLog } = composed.parts;
    process.on('message', (message: ParentMessage) => {
      if (message.type === 'counts') {
        const counts: CacheCounts = {};
        for (const ns of cache.stats().namespaces) {
          counts[ns.namespace] = {
            hits: ns.hits.memory + ns.hits.shared + ns.hits.inflight,
            misses: ns.misses,
            bypassed: ns.bypassed,
          };
        }
        void reply({ type: 'counts', id: message.id, counts });
      } else if (message.type === 'settle') {
        const { id } = message;
        void (async () => {
          await poolIdle(pool);
          await requestLog.flush();
          await poolIdle(pool);
          await reply({ type: 'settle', id });
        })();
      }
    });
    await reply({ type: 'listening', port: (app.server.address() as AddressInfo).port });
  } catch (raw) {
    for (const app of apps.reverse()) await app.close();
    await pool.end();
    await reply({ type: 'failed', message: toError(raw).message });
    process.exit(1);
  }
}

if (process.argv[1] !== undefined && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const reply = (message: ChildMessage) =>
    new Promise<void>((resolve) => {
      process.send?.(message, undefined, {}, () => resolve());
    });
  process.once('message', (message: ParentMessage) => {
    if (message.type === 'start') void serveArm(message.options, reply);
  });
}
