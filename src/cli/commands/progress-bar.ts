import cliProgress from 'cli-progress';
import type { Logger } from '../../logger.js';
import type { Progress } from '../../progress.js';

/** A bar on stderr when it is a terminal; otherwise one log line per phase (CI logs stay readable). */
export function progressBar(logger: Logger): Progress {
  if (!process.stderr.isTTY) {
    let phase = '';
    let started = 0;
    return {
      start(label, total) {
        phase = label;
        started = performance.now();
        logger.info({ total }, `${label}…`);
      },
      advance() {},
      done() {
        logger.info({ ms: Math.round(performance.now() - started) }, `${phase} done`);
      },
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      format: '{label} [{bar}] {percentage}% | {value}/{total} | {duration_formatted}',
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (label, total) => bar.start(total, 0, { label }),
    advance: (n) => bar.increment(n),
    done: () => bar.stop(),
  };
}
