/** The HTTP app: ingest, health, status (and, as they land, SQL and PromQL routes). */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import type { Ingester } from '../../ingester/ingester.ts';
import { ingestErrorReply, registerIngestRoutes } from '../../ingester/routes.ts';
import type { Logger } from '../../lib/log.ts';
import { registerPromRoutes } from '../../dialects/promql/http/routes.ts';
import { AdapterSeriesStore } from '../../querier/series/adapter-series-store.ts';
import { registerQueryRoutes } from '../../querier/http/query-routes.ts';
import type { QueryEngine } from '../../querier/engine.ts';

export interface AppDeps {
  adapter: StorageAdapter;
  ingester?: Ingester;
  log: Logger;
  bodyLimit: number;
  version: string;
  /** The SQL engine; absent for `--role ingester` (then no query routes at all). */
  engine?: QueryEngine;
  queryTimeoutMs: number;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Per-request lines only at warn and above: ingest runs many requests per second.
    loggerInstance: deps.log.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: deps.bodyLimit,
  });
  app.setErrorHandler((err: Error, req, reply) => {
    const typed = ingestErrorReply(err);
    if (typed) return reply.code(typed.status).send(typed.body);
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'request failed');
    return reply.code(status).send({ error: { code: (err as { code?: string }).code ?? 'INTERNAL', message: err.message } });
  });
  if (deps.ingester) await registerIngestRoutes(app, { ingester: deps.ingester, bodyLimit: deps.bodyLimit });
  if (deps.engine) {
    await registerQueryRoutes(app, { engine: deps.engine });
    await registerPromRoutes(app, { store: new AdapterSeriesStore(deps.adapter), timeoutMs: deps.queryTimeoutMs, version: deps.version });
  }

  app.get('/v1/health', async (_req, reply) => {
    const store = await deps.adapter.health();
    return reply.code(store.ok ? 200 : 503).send({ status: store.ok ? 'ok' : 'unavailable', store: { kind: deps.adapter.kind, ...store } });
  });

  app.get('/v1/status', async () => status(deps));
  return app;
}

export async function status(deps: Pick<AppDeps, 'adapter' | 'version'>): Promise<Record<string, unknown>> {
  const [tables, entries, health] = await Promise.all([deps.adapter.stats(), deps.adapter.dictionaries.entries(), deps.adapter.health()]);
  const dictionaries: Record<string, number> = {};
  for (const e of entries) dictionaries[e.type] = (dictionaries[e.type] ?? 0) + 1;
  return { version: deps.version, store: { kind: deps.adapter.kind, ...health }, tables, dictionaries };
}
