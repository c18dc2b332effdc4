/**
 * The PostgreSQL wire protocol server: accepts TCP connections, gives each a process id and
 * cancel key, routes CancelRequests to the right connection, and serves statements through
 * one `PgQueryHandler`.
 */
import { randomInt } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { SqlError, SqlState } from '../../lib/errors.ts';
import { ScramSecrets, type AuthConfig } from './auth.ts';
import { serialize } from './backend-messages.ts';
import { ByteWriter } from './bytes.ts';
import { Connection } from './connection.ts';
import type { PgQueryHandler } from './handler.ts';

export interface PgServerOptions {
  handler: PgQueryHandler;
  /** Default: trust (any user, no password). */
  auth?: AuthConfig;
  /** Default: a pino logger named "pgwire" at METAFLOW_LOG_LEVEL (info). */
  log?: Logger;
  /** What server_version reports. Default "15.0 (MetaFlow)": clients gate features on the major version. */
  serverVersion?: string;
  /** Largest accepted message in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /** Connections beyond this many are refused with 53300, as PostgreSQL's max_connections. Default 500. */
  maxConnections?: number;
}

export interface PgServer {
  /** Starts listening; resolves with the bound address (port 0 picks a free port). */
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Stops accepting, ends every connection with 57P01, resolves when all are gone. */
  close(): Promise<void>;
  /** Open connections (for health and tests). */
  readonly connectionCount: number;
}

export const DEFAULT_SERVER_VERSION = '15.0 (MetaFlow)';

export function createPgServer(options: PgServerOptions): PgServer {
  const log = options.log ?? pino({ name: 'pgwire', level: process.env.METAFLOW_LOG_LEVEL ?? 'info' });
  const auth = options.auth ?? { method: 'trust' };
  const scramSecrets = auth.method === 'scram-sha-256' ? new ScramSecrets(auth.users) : null;
  const connections = new Map<number, Connection>();
  // Process ids start at a random point so ids from a previous run are not reused at once.
  let nextProcessId = randomInt(10_000, 1_000_000);

  const context = {
    handler: options.handler,
    auth,
    scramSecrets,
    log,
    serverVersion: options.serverVersion ?? DEFAULT_SERVER_VERSION,
    maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024,
    cancel(processId: number, secretKey: number): void {
      const target = connections.get(processId);
      // A wrong key is ignored silently, as PostgreSQL does, so keys cannot be probed.
      if (target && target.secretKey === secretKey) target.cancel();
      else log.warn({ processId }, 'cancel request with unknown process id or wrong key');
    },
    closed(conn: Connection): void {
      connections.delete(conn.processId);
    },
  };

  const maxConnections = options.maxConnections ?? 500;
  /** Every open socket, refused ones included, so close() can finish even if a client lingers. */
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (connections.size >= maxConnections) {
      const w = new ByteWriter();
      serialize.errorResponse(w, new SqlError(SqlState.tooManyConnections, 'sorry, too many clients already', { severity: 'FATAL' }));
      socket.on('error', () => undefined);
      socket.end(w.take());
      log.warn({ maxConnections }, 'connection refused: too many clients');
      return;
    }
    const processId = nextProcessId++;
    const conn = new Connection(socket, context, processId, randomInt(0, 2 ** 31 - 1));
    connections.set(processId, conn);
  });
  server.on('error', (err) => log.error({ err }, 'pg wire server error'));

  return {
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          log.info({ host: address.address, port: address.port }, 'pg wire server listening');
          resolve(address);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        const shutdown = new SqlError(SqlState.adminShutdown, 'terminating connection due to administrator command', { severity: 'FATAL' });
        for (const conn of connections.values()) conn.terminate(shutdown);
        for (const socket of sockets) socket.end();
        setTimeout(() => { for (const socket of sockets) socket.destroy(); }, 1000).unref();
      });
    },
    get connectionCount() {
      return connections.size;
    },
  };
}
