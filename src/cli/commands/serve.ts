import type { Command } from 'commander';
import { MAX_WORKERS, resolveWorkerCount } from '../../cluster/worker-count.js';
import type { Config } from '../../config.js';
import { runCommand } from './run.js';

/**
 * A cluster worker (`kgdb serve --workers N` forks this same command): serves until its primary stops it with
 * SIGTERM. Then, or when it failed to start, it lets go of the IPC channel, which would keep it alive.
 */
async function serveAsWorker(config: Config, worker: { id: number; disconnect(): void }): Promise<void> {
  const { createLogger } = await import('../../logger.js');
  const { startWorker } = await import('../../app/serve.js');
  const { firstStopSignal } = await import('../../cluster/stop-signal.js');
  const logger = createLogger(config.logLevel).child({ worker: worker.id, pid: process.pid });
  try {
    const server = await startWorker(config, logger);
    logger.info({ address: server.address, instance: server.instanceId }, 'worker listening');
    const signal = await firstStopSignal(logger, 'ignore');
    logger.info({ signal }, 'worker shutting down: draining requests, closing pool');
    await server.close();
    logger.info('worker stopped');
  } finally {
    logger.flush();
    worker.disconnect();
  }
}

/** One process (`workers` 1) or the primary of `workers` processes: serves until SIGINT/SIGTERM. */
async function serve(config: Config, workers: number): Promise<void> {
  const { createLogger } = await import('../../logger.js');
  const { startCluster, startServer } = await import('../../app/serve.js');
  const { firstStopSignal } = await import('../../cluster/stop-signal.js');
  const { progressBar } = await import('./progress-bar.js');
  const logger = createLogger(config.logLevel);
  const server =
    workers === 1
      ? await startServer(config, logger, progressBar(logger))
      : await startCluster(config, logger, progressBar(logger), workers);
  const on = workers === 1 ? '' : ` with ${workers} worker processes`;
  logger.info({ address: server.address, workers }, `kgdb listening on ${server.address}${on}`);
  const signal = await firstStopSignal(logger, 'exit');
  logger.info(
    { signal, shutdownTimeoutMs: config.shutdownTimeoutMs },
    workers === 1
      ? 'shutting down: draining requests, closing pool, stopping database'
      : 'shutting down: stopping the workers (each drains its requests), then the database',
  );
  try {
    await server.close();
  } catch (raw) {
    logger.error({ err: raw }, 'shutdown failed');
    process.exitCode = 1;
  }
  logger.info('stopped');
  logger.flush();
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the API (embedded PostgreSQL with demo data unless DATABASE_URL is set)')
    .option(
      '--workers <n>',
      `processes serving the one port and database, 1..${MAX_WORKERS} or auto (one per CPU); default: KGDB_WORKERS, else 1 (a single process, no cluster)`,
    )
    .action((opts: { workers?: string }) =>
      runCommand(async ({ config }) => {
        const { default: cluster } = await import('node:cluster');
        if (cluster.worker) return serveAsWorker(config, cluster.worker);
        const { availableParallelism } = await import('node:os');
        const workers = resolveWorkerCount({
          flag: opts.workers,
          env: process.env.KGDB_WORKERS,
          available: availableParallelism(),
        });
        await serve(config, workers);
      }),
    );
}
