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
import { QueryEngine } from '../../querier/engine.ts';
import { createPgHandler } from '../../querier/pg-handler.ts';
import { createPgServer, type PgServer } from '../../querier/pgwire/server.ts';
import type { AuthConfig } from '../../querier/pgwire/auth.ts';

export interface RunningServer {
  httpPort: number;
  /** PostgreSQL wire port; undefined for `--role ingester`. */
  pgPort?: number;
  adapter: StorageAdapter;
  stop(): Promise<void>;
}

export async function runServer(config: Config, log: Logger): Promise<RunningServer> {
  const adapter = createAdapter(config.storage, { dataDir: config.data_dir, clickhouse: config.clickhouse });
  await adapter.open(TABLES, DICTIONARY_TABLES);
  const ingester = config.role === 'querier' ? undefined : new Ingester(adapter, log.child({ component: 'ingester' }));
  await ingester?.start();
  const engine = config.role === 'ingester' ? undefined : new QueryEngine({
    adapter, defaultLimit: config.query.default_limit, timeoutMs: config.query.timeout, maxRows: config.query.max_rows,
    log: log.child({ component: 'querier' }),
  });
  // New names are visible to queries as soon as the rows that carry them are.
  if (ingester && engine) ingester.onDictionaryChange(() => engine.dictionaries.invalidate());
  const app = await buildApp({
    adapter, ingester, engine, log, bodyLimit: config.ingest.body_limit, version: VERSION, queryTimeoutMs: config.query.timeout,
  });
  let pg: PgServer | undefined;
  let pgPort: number | undefined;
  try {
    await app.listen({ host: config.listen, port: config.http_port });
    if (engine) {
      pg = createPgServer({ handler: createPgHandler(engine), auth: authConfig(config), log: log.child({ component: 'pgwire' }) });
      pgPort = (await pg.listen(config.pg_port, config.listen)).port;
    }
  } catch (e) {
    await app.close();
    await adapter.close();
    throw e;
  }
  const httpPort = (app.server.address() as AddressInfo).port;
  log.info({ http: `${config.listen}:${httpPort}`, pg: pgPort === undefined ? undefined : `${config.listen}:${pgPort}`, store: adapter.kind, role: config.role }, 'metaflow server ready');
  return {
    httpPort,
    pgPort,
    adapter,
    async stop() {
      await pg?.close();
      await app.close();
      await adapter.close();
    },
  };
}

function authConfig(config: Config): AuthConfig {
  const method = config.auth.method;
  if (method === 'trust') return { method: 'trust' };
  if (method !== 'password' && method !== 'scram-sha-256') throw new Error(`auth.method must be trust, password or scram-sha-256, not '${method}'`);
  if (!config.auth.users || Object.keys(config.auth.users).length === 0) throw new Error(`auth.method ${method} needs auth.users in the config file`);
  return { method, users: config.auth.users };
}
