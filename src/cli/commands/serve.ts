import type { Command } from 'commander';
import { startServer } from '../../app/serve.js';
import { createLogger } from '../../logger.js';
import { progressBar } from './progress-bar.js';
import { runCommand } from './run.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the API (embedded PostgreSQL with demo data unless DATABASE_URL is set)')
    .action(() =>
      runCommand(async ({ config }) => {
        const logger = createLogger(config.logLevel);
        const server = await startServer(config, logger, progressBar(logger));
        logger.info({ address: server.address }, `kgdb listening on ${server.address}`);
        await new Promise<void>((resolve) => {
          let stopping = false;
          const stop = (signal: NodeJS.Signals) => {
            if (stopping) {
              logger.warn({ signal }, 'second signal: exiting without waiting');
              process.exit(130);
            }
            stopping = true;
            logger.info(
              { signal, shutdownTimeoutMs: config.shutdownTimeoutMs },
              'shutting down: draining requests, closing pool, stopping database',
            );
            server.close().then(resolve, (raw) => {
              logger.error({ err: raw }, 'shutdown failed');
              process.exitCode = 1;
              resolve();
            });
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        logger.info('stopped');
        logger.flush();
      }),
    );
}
