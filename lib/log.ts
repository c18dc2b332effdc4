/** Structured logs (pino) on stderr, so commands can print results on stdout. */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level = process.env.METAFLOW_LOG_LEVEL ?? 'info', name = 'metaflow'): Logger {
  return pino({ name, level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: false }));
}
