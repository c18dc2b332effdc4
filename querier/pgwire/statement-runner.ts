/**
 * Runs statements for one connection: the simple protocol (Query, possibly many statements)
 * and the extended protocol (Parse/Bind/Describe/Execute/Close, Sync). Errors become
 * ErrorResponse; in the extended protocol the following messages are then skipped until
 * Sync, and inside a transaction block the transaction becomes failed, as in PostgreSQL.
 */
import type { Logger } from 'pino';
import { SqlError, SqlState, toSqlError } from '../../lib/errors.ts';
import { serialize } from './backend-messages.ts';
import { Cancellation } from './cancellation.ts';
import type { BindMessage, CloseMessage, DescribeMessage, ExecuteMessage, FrontendMessage, ParseMessage } from './frontend-messages.ts';
import type { ExecuteEvent, PgQueryHandler } from './handler.ts';
import { decodeParams } from './params.ts';
import { fieldDescriptions, Portal, type PortalOutput, type PreparedStatement } from './portal.ts';
import {
  allowedInFailedTransaction, inFailedTransactionError, runSessionCommand, sessionCommandColumns, sessionCommandFor, type SessionCommand,
} from './session-commands.ts';
import type { Session } from './session.ts';
import { codePointOffset, splitStatements } from './sql-split.ts';
import { memoizeText } from '../../lib/memo.ts';

/** Statement boundaries kept per text: clients send the same few texts over and over. */
const statementsOf = memoizeText(splitStatements);

const canceledError = () => new SqlError(SqlState.queryCanceled, 'canceling statement due to user request');

export class StatementRunner {
  private readonly statements = new Map<string, PreparedStatement>();
  private readonly portals = new Map<string, Portal>();
  private skipUntilSync = false;
  private readonly cancellation = new Cancellation();

  constructor(
    private readonly handler: PgQueryHandler,
    private readonly session: Session,
    private readonly log: Logger,
    private readonly out: PortalOutput,
  ) {}

  /** Aborts the statement running now, if any (CancelRequest). */
  cancel(): void {
    this.cancellation.cancel(canceledError());
  }

  /** Connection gone: stop everything. */
  closeAll(): void {
    this.cancel();
    for (const p of this.portals.values()) p.close();
    this.portals.clear();
    this.statements.clear();
  }

  // ---- simple protocol -------------------------------------------------------------------

  async simpleQuery(text: string): Promise<void> {
    this.closePortal('');
    this.statements.delete('');
    for (const slice of statementsOf(text)) {
      if (slice.empty) {
        serialize.emptyQueryResponse(this.out.w);
        break;
      }
      try {
        // No describe here: in the simple protocol the columns come with the result, so the
        // handler plans each statement once.
        const statement = await this.prepare('', slice.sql, [], false, false);
        const portal = this.makePortal('', statement, [], [], true);
        await this.run(portal, 0);
      } catch (err) {
        if (err instanceof SqlError && err.severity === 'FATAL') throw err;
        this.reportError(err, codePointOffset(text, slice.offset));
        break;
      }
    }
    serialize.readyForQuery(this.out.w, this.session.statusByte);
  }

  // ---- extended protocol -----------------------------------------------------------------

  /** Handles one message; a promise only for those that wait on the handler (Parse, Execute). */
  extended(msg: Exclude<FrontendMessage, { kind: 'query' | 'sync' | 'flush' | 'terminate' | 'password' | 'unsupported' }>): void | Promise<void> {
    if (this.skipUntilSync) return;
    try {
      switch (msg.kind) {
        case 'parse': return this.parse(msg).catch((err) => this.failed(err));
        case 'bind': return this.bind(msg);
        case 'describe': return this.describe(msg);
        case 'execute': return this.execute(msg).catch((err) => this.failed(err));
        case 'close': return this.close(msg);
      }
    } catch (err) {
      this.failed(err);
    }
  }

  /** A FATAL error ends the connection; any other is reported and skips to Sync. */
  private failed(err: unknown): void {
    if (err instanceof SqlError && err.severity === 'FATAL') throw err;
    this.extendedError(err);
  }

  /** Reports an error in the extended protocol and skips to the next Sync. */
  extendedError(err: unknown): void {
    if (this.skipUntilSync) return;
    this.reportError(err, 0);
    this.skipUntilSync = true;
  }

  sync(): void {
    this.skipUntilSync = false;
    // Outside a transaction block each Sync ends the implicit transaction, and its portals.
    if (this.session.transactionState === 'idle') {
      for (const p of this.portals.values()) p.close();
      this.portals.clear();
    }
    serialize.readyForQuery(this.out.w, this.session.statusByte);
  }

  private async parse(msg: ParseMessage): Promise<void> {
    if (msg.name !== '' && this.statements.has(msg.name)) {
      throw new SqlError(SqlState.duplicatePreparedStatement, `prepared statement "${msg.name}" already exists`);
    }
    const slices = statementsOf(msg.sql);
    if (slices.length > 1) throw new SqlError(SqlState.syntaxError, 'cannot insert multiple commands into a prepared statement');
    const statement = await this.prepare(msg.name, msg.sql, msg.paramTypeOids, slices[0]!.empty);
    this.statements.set(msg.name, statement);
    serialize.parseComplete(this.out.w);
  }

  private bind(msg: BindMessage): void {
    const statement = this.statements.get(msg.statement);
    if (!statement) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${msg.statement}" does not exist`);
    if (msg.portal !== '' && this.portals.has(msg.portal)) throw new SqlError(SqlState.duplicateCursor, `cursor "${msg.portal}" already exists`);
    this.checkTransaction(statement.sessionCommand);
    if (msg.params.length !== statement.paramTypes.length) {
      throw new SqlError(SqlState.protocolViolation,
        `bind message supplies ${msg.params.length} parameters, but prepared statement "${statement.name}" requires ${statement.paramTypes.length}`);
    }
    const params = decodeParams(statement.paramTypes, msg.paramFormats, msg.params);
    const portal = this.makePortal(msg.portal, statement, params, msg.resultFormats, false);
    if (statement.columns) portal.formats(statement.columns); // rejects a wrong result format count now
    this.closePortal(msg.portal);
    this.portals.set(msg.portal, portal);
    serialize.bindComplete(this.out.w);
  }

  private describe(msg: DescribeMessage): void {
    if (msg.target === 'statement') {
      const statement = this.statements.get(msg.name);
      if (!statement) throw new SqlError(SqlState.invalidSqlStatementName, `prepared statement "${msg.name}" does not exist`);
      serialize.parameterDescription(this.out.w, statement.paramTypes);
      if (statement.columns) serialize.rowDescription(this.out.w, fieldDescriptions(statement.columns, []));
      else serialize.noData(this.out.w);
      return;
    }
    const portal = this.portals.get(msg.name);
    if (!portal) throw new SqlError(SqlState.invalidCursorName, `portal "${msg.name}" does not exist`);
    const columns = portal.statement.columns;
    if (columns) serialize.rowDescription(this.out.w, fieldDescriptions(columns, portal.formats(columns)));
    else serialize.noData(this.out.w);
  }

  private async execute(msg: ExecuteMessage): Promise<void> {
    const portal = this.portals.get(msg.portal);
    if (!portal) throw new SqlError(SqlState.invalidCursorName, `portal "${msg.portal}" does not exist`);
    this.checkTransaction(portal.statement.sessionCommand);
    await this.run(portal, msg.maxRows);
  }

  private close(msg: CloseMessage): void {
    if (msg.target === 'statement') this.statements.delete(msg.name);
    else this.closePortal(msg.name);
    serialize.closeComplete(this.out.w);
  }

  // ---- shared ----------------------------------------------------------------------------

  /**
   * Builds a prepared statement: session commands are described here, the rest by the
   * handler (unless `describe` is false, for the simple protocol).
   */
  private async prepare(name: string, sql: string, paramTypeOids: number[], empty = false, describe = true): Promise<PreparedStatement> {
    if (empty) return { name, sql, empty, sessionCommand: null, paramTypes: paramTypeOids, columns: null };
    const sessionCommand = sessionCommandFor(sql, this.session);
    this.checkTransaction(sessionCommand);
    if (sessionCommand) return { name, sql, empty, sessionCommand, paramTypes: paramTypeOids, columns: sessionCommandColumns(sessionCommand) };
    if (!describe) return { name, sql, empty, sessionCommand, paramTypes: paramTypeOids, columns: null };
    const description = await this.handler.describe(sql, paramTypeOids, this.session);
    const paramTypes = description.paramTypes.map((oid, i) => oid || paramTypeOids[i] || 0);
    return { name, sql, empty, sessionCommand, paramTypes, columns: description.columns };
  }

  private checkTransaction(cmd: SessionCommand | null): void {
    if (this.session.transactionState === 'failed' && !allowedInFailedTransaction(cmd)) throw inFailedTransactionError();
  }

  private makePortal(name: string, statement: PreparedStatement, params: unknown[], resultFormats: BindMessage['resultFormats'], simple: boolean): Portal {
    // An inline arrow: a named one costs a defineProperty per call under tsx's keepNames.
    return new Portal(name, statement, resultFormats, (maxRows: number, signal: AbortSignal): AsyncIterable<ExecuteEvent> | readonly ExecuteEvent[] => {
      if (statement.sessionCommand) return this.sessionEvents(statement.sessionCommand);
      const options = { session: this.session, paramTypes: statement.paramTypes, maxRows, signal };
      return this.handler.answerNow?.(statement.sql, params, options) ?? this.handler.execute(statement.sql, params, options);
    }, simple);
  }

  /** Runs a session command as the same event stream a handler would produce. */
  private async *sessionEvents(cmd: SessionCommand): AsyncIterable<ExecuteEvent> {
    const result = runSessionCommand(cmd, this.session);
    for (const name of result.changed) serialize.parameterStatus(this.out.w, name, this.session.setting(name) ?? '');
    if (result.discardStatements) {
      this.statements.clear();
      for (const [portalName, p] of this.portals) if (portalName !== '') p.close();
    }
    for (const notice of result.notices) yield { kind: 'notice', notice };
    if (result.columns) {
      yield { kind: 'columns', columns: result.columns };
      yield { kind: 'rows', rows: result.rows };
    }
    yield { kind: 'complete', command: result.tag };
  }

  /** Executes a portal, with the cancel signal armed for its duration. */
  private async run(portal: Portal, maxRows: number): Promise<void> {
    if (portal.statement.empty) {
      serialize.emptyQueryResponse(this.out.w);
      return;
    }
    const cancellation = this.cancellation;
    cancellation.begin();
    const debug = this.log.isLevelEnabled('debug');
    const started = debug ? performance.now() : 0;
    let outcome: 'complete' | 'suspended' = 'complete';
    try {
      outcome = await portal.execute(this.out, maxRows, cancellation);
      if (debug) this.log.debug({ sql: portal.statement.sql, outcome, ms: +(performance.now() - started).toFixed(3) }, 'statement');
    } catch (err) {
      portal.close();
      throw cancellation.signal.aborted ? cancellation.signal.reason : err;
    } finally {
      cancellation.end(outcome === 'suspended');
    }
  }

  private closePortal(name: string): void {
    this.portals.get(name)?.close();
    this.portals.delete(name);
  }

  /** Sends ErrorResponse; `positionOffset` moves the position from statement to query text. */
  private reportError(err: unknown, positionOffset: number): void {
    const e = toSqlError(err).withPositionOffset(positionOffset);
    if (e.sqlstate === SqlState.internalError) this.log.error({ err }, 'statement failed');
    else this.log.debug({ sqlstate: e.sqlstate, message: e.message }, 'statement failed');
    if (this.session.transactionState === 'in-transaction') this.session.transactionState = 'failed';
    serialize.errorResponse(this.out.w, e);
  }
}
