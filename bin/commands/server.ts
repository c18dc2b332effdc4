import { loadConfig } from '../../lib/config.ts';
import { createLogger } from '../../lib/log.ts';
import { runServer } from '../server/run.ts';
import { parseFlags, settingFlags, settingValues, settingsHelp, type Command } from '../command.ts';

/** Runs until SIGINT/SIGTERM, then stops cleanly (the store is closed, nothing acknowledged is lost). */
/**
 * `extra` runs once the server listens; the function it may return runs at shutdown, before
 * the store closes (an in-process agent flushes its last rows there).
 */
export async function serveUntilSignal(argv: string[], extra?: (log: ReturnType<typeof createLogger>, server: { httpPort: number; pgPort?: number }) => void | Promise<void | (() => Promise<void>)>): Promise<number> {
  const { values } = parseFlags(argv, settingFlags());
  const config = loadConfig({ file: values.config as string | undefined, flags: settingValues(values) });
  const log = createLogger(config.log.level);
  const server = await runServer(config, log);
  const cleanup = await extra?.(log, server);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping');
  if (cleanup) await cleanup();
  await server.stop();
  log.flush();
  return 0;
}

export const serverCommand: Command = {
  name: 'server',
  summary: 'run the MetaFlow server (ingester + querier)',
  usage: 'metaflow server [--data-dir DIR] [--http-port P] [--pg-port Q] [--config FILE] [--storage URL]',
  help: `Settings (flag > environment > config file > default):\n${settingsHelp()}`,
  run: (argv) => serveUntilSignal(argv),
};
