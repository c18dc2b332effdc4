/**
 * Starts the wire server with the fixture handler on 127.0.0.1 and a free port, for tests.
 */
import { pino } from 'pino';
import type { AuthConfig } from '../auth.ts';
import { createPgServer, type PgServer } from '../server.ts';
import { FixtureHandler } from './fixture-handler.ts';

export interface FixtureServer {
  port: number;
  handler: FixtureHandler;
  server: PgServer;
  close(): Promise<void>;
}

export async function startFixtureServer(auth?: AuthConfig, maxConnections?: number): Promise<FixtureServer> {
  const handler = new FixtureHandler();
  const log = pino({ name: 'pgwire-test', level: process.env.METAFLOW_LOG_LEVEL ?? 'warn' });
  const server = createPgServer({ handler, auth, log, maxConnections });
  const { port } = await server.listen(0, '127.0.0.1');
  return { port, handler, server, close: () => server.close() };
}
