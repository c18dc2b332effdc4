/** Starts a MetaFlow server from a Config and returns a handle that stops it cleanly. */
import type { AddressInfo } from 'node:net';
import { TABLES, DICTIONARY_TABLES } from '../../schema/index.ts';
import { createAdapter } from '../../storage-adapters/registry.ts';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import { Ingester } from '../../ingester/ingester.ts';
import type { Config } from '../../lib/config.ts';
import type { Logger } from '../../lib/log.ts';
import { buildApp } from './app.ts';
import { VERSION } from '../version.ts';

export interface RunningServer {
  httpPort: number;
  adapter: StorageAdapter;
  stop(): Promise<void>;
}

export async function runServer(config: Config, log: Logger): Promise<RunningServer> {
  const adapter = createAdapter(config.storage, { dataDir: config.data_dir, clickhouse: config.clickhouse });
  await adapter.open(TABLES, DICTIONARY_TABLES);
  const ingester = config.role === 'querier' ? undefined : new Ingester(adapter, log.child({ component: 'ingester' }));
  await ingester?.start();
  const app = await buildApp({ adapter, ingester, log, bodyLimit: config.ingest.body_limit, version: VERSION });
  try {
    await app.listen({ host: config.listen, port: config.http_port });
  } catch (e) {
    await adapter.close();
    throw e;
  }
  const httpPort = (app.server.address() as AddressInfo).port;
  log.info({ http: `${config.listen}:${httpPort}`, store: adapter.kind, role: config.role }, 'metaflow server ready');
  return {
    httpPort,
    adapter,
    async stop() {
      await app.close();
      await adapter.close();
    },
  };
}
