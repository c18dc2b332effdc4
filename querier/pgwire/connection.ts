/**
 * One client connection: socket I/O, the startup and authentication phase, then the message
 * loop. Messages are handled strictly one at a time in arrival order (pipelined messages
 * queue up), output is batched and sent at ReadyForQuery, Flush, or when a result grows
 * large. Statement handling (simple and extended protocol) lives in `statement-runner.ts`.
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { SqlError, SqlState, toSqlError } from '../../lib/errors.ts';
import { AuthExchange, type AuthConfig, type ScramSecrets } from './auth.ts';
import { serialize } from './backend-messages.ts';
import { ByteWriter, ProtocolError } from './bytes.ts';
import { FrameReader, type Frame } from './frame-reader.ts';
import { parseFrontendMessage, parseStartupPhaseMessage, type FrontendMessage, type StartupMessage } from './frontend-messages.ts';
import type { PgQueryHandler } from './handler.ts';
import { EncryptionRefused, StartupCode } from './protocol-constants.ts';
import { applyStartupParameters, Session } from './session.ts';
import { StatementRunner } from './statement-runner.ts';
import { FLUSH_THRESHOLD } from './portal.ts';

/** What a connection needs from its server. */
export interface ConnectionContext {
  handler: PgQueryHandler;
  auth: AuthConfig;
  scramSecrets: ScramSecrets | null;
  log: Logger;
  serverVersion: string;
  maxMessageBytes: number;
  /** Finds the connection a CancelRequest names and cancels its running statement. */
  cancel(processId: number, secretKey: number): void;
  /** Called once when the connection is gone. */
  closed(conn: Connection): void;
}

/** Pause reading when this many messages wait, so a flood of pipelined messages cannot grow memory. */
const MAX_QUEUED_FRAMES = 10_000;

type Phase = 'startup' | 'authenticating' | 'ready' | 'closed';

export class Connection {
  readonly session: Session;
  private readonly reader: FrameReader;
  private readonly out = new ByteWriter(16 * 1024);
  private readonly queue: (Frame | ProtocolError)[] = [];
  private processing = false;
  private phase: Phase = 'startup';
  private auth: AuthExchange | null = null;
  /** Whether the handler was told about this session (so it is told when it ends). */
  private started = false;
  private readonly runner: StatementRunner;
  private readonly log: Logger;

  constructor(private readonly socket: Socket, private readonly ctx: ConnectionContext, processId: number, readonly secretKey: number) {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.session = new Session(processId, remote, ctx.serverVersion);
    this.log = ctx.log.child({ processId, remote });
    this.reader = new FrameReader(ctx.maxMessageBytes);
    this.runner = new StatementRunner(ctx.handler, this.session, this.log, {
      w: this.out,
      flushIfLarge: () => this.flushIfLarge(),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.received(chunk));
    socket.on('error', (err) => this.log.debug({ err }, 'socket error'));
    socket.on('close', () => this.onClose());
  }

  get processId(): number {
    return this.session.processId;
  }

  /** Aborts the running statement (CancelRequest from another connection). */
  cancel(): void {
    this.log.info('cancel request');
    this.runner.cancel();
  }

  /** Ends the connection from the server side with a FATAL error (server shutdown). */
  terminate(err: SqlError): void {
    if (this.phase === 'closed') return;
    serialize.errorResponse(this.out, err);
    this.flush();
    this.socket.end();
    this.phase = 'closed';
    // A client that does not close its side must not hold up the server's shutdown.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private received(chunk: Buffer): void {
    const { frames, error } = this.reader.push(chunk);
    this.queue.push(...frames);
    if (error) this.queue.push(error);
    if (this.queue.length > MAX_QUEUED_FRAMES) this.socket.pause();
    if (!this.processing) void this.processQueue();
  }

  private async processQueue(): Promise<void> {
    this.processing = true;
    try {
      while (this.queue.length > 0 && this.phase !== 'closed') {
        const item = this.queue.shift()!;
        if (item instanceof ProtocolError) throw item;
        // Most messages (Bind, Describe, Sync, ...) finish synchronously: awaiting only the
        // ones that return a promise saves a microtask hop per message.
        const pending = this.handleFrame(item);
        if (pending) await pending;
        if (this.socket.isPaused() && this.queue.length < MAX_QUEUED_FRAMES / 2) this.socket.resume();
      }
    } catch (err) {
      this.fatal(toSqlError(err));
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  private handleFrame(frame: Frame): void | Promise<void> {
    if (this.phase === 'startup') return this.handleStartupPhase(frame.body);
    if (this.phase === 'authenticating') {
      const msg = parseFrontendMessage(frame);
      if (msg.kind === 'terminate') {
        // psql asks for a password this way: it hangs up, prompts, and reconnects.
        this.phase = 'closed';
        this.socket.end();
        return;
      }
      if (msg.kind !== 'password') throw new ProtocolError(`expected password response, got message type ${msg.kind}`);
      if (this.auth!.respond(this.out, msg.body)) this.authenticated();
      this.flush();
      return;
    }
    if (this.phase === 'ready') return this.handleMessage(parseFrontendMessage(frame));
  }

  private handleStartupPhase(body: Buffer): void {
    const msg = parseStartupPhaseMessage(body);
    switch (msg.kind) {
      case 'sslRequest':
      case 'gssEncRequest':
        // Encryption is not offered; the client continues in plain text or gives up.
        this.socket.write(Buffer.of(EncryptionRefused));
        return;
      case 'cancelRequest':
        this.ctx.cancel(msg.processId, msg.secretKey);
        this.phase = 'closed';
        this.socket.end();
        return;
      case 'startup':
        return this.startup(msg);
    }
  }

  private startup(msg: StartupMessage): void {
    const major = msg.protocolVersion >>> 16;
    const minor = msg.protocolVersion & 0xffff;
    if (major !== StartupCode.protocol30 >>> 16) {
      throw new SqlError(SqlState.featureNotSupported, `unsupported frontend protocol ${major}.${minor}: server supports 3.0 to 3.0`, { severity: 'FATAL' });
    }
    const user = msg.parameters.user;
    if (!user) {
      throw new SqlError(SqlState.invalidAuthorizationSpecification, 'no PostgreSQL user name specified in startup packet', { severity: 'FATAL' });
    }
    const protocolOptions = Object.keys(msg.parameters).filter((k) => k.startsWith('_pq_.'));
    if (minor > 0 || protocolOptions.length > 0) serialize.negotiateProtocolVersion(this.out, 0, protocolOptions);
    this.session.user = user;
    this.session.database = msg.parameters.database || user;
    applyStartupParameters(this.session, msg.parameters);
    this.session.setAtStartup('session_authorization', user);
    this.auth = new AuthExchange(this.ctx.auth, user, this.ctx.scramSecrets);
    if (this.auth.start(this.out)) this.authenticated();
    else this.phase = 'authenticating';
    this.flush();
  }

  private authenticated(): void {
    this.phase = 'ready';
    serialize.authenticationOk(this.out);
    for (const [name, value] of this.session.reportedSettings()) serialize.parameterStatus(this.out, name, value);
    serialize.backendKeyData(this.out, this.session.processId, this.secretKey);
    serialize.readyForQuery(this.out, this.session.statusByte);
    this.log.debug({ user: this.session.user, database: this.session.database }, 'client authenticated');
    this.started = true;
    this.ctx.handler.sessionStarted?.(this.session);
  }

  private handleMessage(msg: FrontendMessage): void | Promise<void> {
    switch (msg.kind) {
      case 'terminate':
        this.phase = 'closed';
        this.flush();
        this.socket.end();
        return;
      case 'flush':
        this.flush();
        return;
      case 'sync':
        this.runner.sync();
        this.flush();
        return;
      case 'query':
        return this.runner.simpleQuery(msg.sql).then(() => this.flush());
      case 'password':
        throw new ProtocolError('unexpected password message');
      case 'unsupported':
        return this.runner.extendedError(new SqlError(SqlState.featureNotSupported, `${msg.name} is not supported`));
      default:
        return this.runner.extended(msg);
    }
  }

  /** Sends a FATAL error and closes; the server keeps serving everyone else. */
  private fatal(err: SqlError): void {
    if (this.phase === 'closed') return;
    const fatal = err.severity === 'FATAL' ? err : new SqlError(err.sqlstate, err.message, { ...err.details(), severity: 'FATAL' });
    if (fatal.sqlstate === SqlState.internalError) this.log.error({ err }, 'closing connection after internal error');
    else this.log.warn({ sqlstate: fatal.sqlstate, message: fatal.message }, 'closing connection');
    serialize.errorResponse(this.out, fatal);
    this.flush();
    this.phase = 'closed';
    this.socket.end();
  }

  private flush(): void {
    if (this.out.length === 0 || this.socket.destroyed) {
      this.out.take();
      return;
    }
    this.socket.write(this.out.take());
  }

  private async flushIfLarge(): Promise<void> {
    if (this.out.length < FLUSH_THRESHOLD) return;
    const ok = this.socket.write(this.out.take());
    if (!ok && !this.socket.destroyed) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.socket.off('drain', done);
          this.socket.off('close', done);
          resolve();
        };
        this.socket.on('drain', done);
        this.socket.on('close', done);
      });
    }
  }

  private onClose(): void {
    this.phase = 'closed';
    this.queue.length = 0;
    this.runner.closeAll();
    if (this.started) this.ctx.handler.sessionEnded?.(this.session);
    this.log.debug('connection closed');
    this.ctx.closed(this);
  }
}
