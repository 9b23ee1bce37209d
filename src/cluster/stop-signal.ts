import type { Logger } from '../logger.js';

/**
 * Resolves with the first SIGINT or SIGTERM this process gets. A later one either ends the process at once
 * (`'exit'`, code 130: the operator does not want to wait for the drain) or is ignored (`'ignore'`: a cluster
 * worker, whose primary decides — it stops its workers, or exits, which ends them).
 */
export function firstStopSignal(logger: Logger, later: 'exit' | 'ignore'): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received === undefined) {
        received = signal;
        resolve(signal);
      } else if (later === 'exit') {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        process.exit(130);
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
