import { type Logger, pino } from 'pino';
import type { LogLevel } from './config.js';

export type { Logger };

/** JSON logs to stdout for the server; the CLI passes stderr so results on stdout stay clean. */
export function createLogger(level: LogLevel, destination: 1 | 2 = 1): Logger {
  return pino({ level, base: { service: 'kgdb' } }, pino.destination({ fd: destination, sync: false }));
}
