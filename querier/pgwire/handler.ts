/**
 * The one interface the PostgreSQL wire server calls: what a SQL engine implements to be
 * reachable from psql, JDBC, psycopg, node-postgres and pgbench. The server owns the
 * protocol (framing, auth, statements and portals, formats, cancel, transaction status);
 * the handler only describes and runs one statement at a time.
 *
 * Session commands never reach the handler: BEGIN/START TRANSACTION, COMMIT/END,
 * ROLLBACK/ABORT, SAVEPOINT/RELEASE/ROLLBACK TO, SET/RESET, DISCARD, DEALLOCATE, and SHOW of
 * a setting name; the handler reads their effect through `PgSession`. SHOW of any other
 * name (SHOW TABLES, SHOW TAGS FROM t) does reach it.
 *
 * Errors: throw (or yield-throw from `execute`) a `SqlError` from `lib/errors.ts` with a
 * SQLSTATE from its `SqlState` table, e.g. 42P01/42703 with `position` (1-based character
 * offset into the `sql` passed in) and `hint`, 57014 on timeout, 54000 on a row cap,
 * 25006 for writes. Anything else that is thrown reaches the client as XX000. The server
 * keeps the connection usable after any error.
 */
import type { SqlNotice } from '../../lib/errors.ts';

export type { SqlNotice };

/** The connection's view of its session, readable by the handler on every call. */
export interface PgSession {
  /** Server-unique id, also the process id sent in BackendKeyData. */
  readonly processId: number;
  /** The authenticated user name from the startup message. */
  readonly user: string;
  /** The database from the startup message (defaults to the user name, as in PostgreSQL). */
  readonly database: string;
  /** Client address as "ip:port". */
  readonly remoteAddress: string;
  /**
   * Run-time settings by lower-case name: the server defaults (server_version, TimeZone, ...),
   * startup parameters and `options=-c x=y`, then every `SET`/`RESET` the client ran.
   * Examples: `search_path`, `application_name`, `statement_timeout`, `datestyle`.
   */
  readonly settings: ReadonlyMap<string, string>;
  /** Reads one setting case-insensitively. */
  setting(name: string): string | undefined;
  /** 'idle', 'in-transaction' (after BEGIN) or 'failed' (an error inside a transaction block). */
  readonly transactionState: 'idle' | 'in-transaction' | 'failed';
}

/** One result column. `typeOid` selects the wire codec (see `types/type-registry.ts`). */
export interface ColumnDescription {
  name: string;
  /** pg_type OID, e.g. TypeOid.int8, TypeOid.timestamptz, TypeOid.text. */
  typeOid: number;
  /** pg_type.typlen; defaults to the registry's size for `typeOid` (-1 when unknown). */
  typeSize?: number;
  /** atttypmod, e.g. varchar(n) → n + 4; defaults to -1. */
  typeMod?: number;
  /** OID of the table the column comes from (JDBC metadata uses it); defaults to 0. */
  tableOid?: number;
  /** Column number within that table; defaults to 0. */
  columnAttr?: number;
}

/** What `describe` learns about a statement without running it. */
export interface StatementDescription {
  /**
   * Parameter type OIDs ($1 → [0], ...), with the client's declared types kept and the
   * unspecified (0) ones resolved where the handler can infer them. Any left at 0 are sent
   * and decoded as text. Its length is the statement's parameter count.
   */
  paramTypes: number[];
  /** Result columns, or null when the statement returns no rows (the client then gets NoData). */
  columns: ColumnDescription[] | null;
}

/** Options of one `execute` call. */
export interface ExecuteOptions {
  /** The connection's session (settings, user, database). */
  session: PgSession;
  /** The parameter types the values were decoded with (the statement's described types). */
  paramTypes: readonly number[];
  /**
   * Rows the client asked for in its first Execute (0 = all). A hint only: the handler may
   * yield more, and the server keeps what the client has not fetched for the next Execute.
   */
  maxRows: number;
  /**
   * Aborted when the client cancels (CancelRequest) or disconnects. Stop work and throw; the
   * server reports 57014 "canceling statement due to user request" whatever is thrown.
   */
  signal: AbortSignal;
}

/**
 * One event of a running statement, in this order: `columns` (exactly once, before any
 * rows, for row-returning statements), any number of `rows` and `notice` events, then
 * `complete` (optional: without it the tag is "SELECT <rows sent>").
 */
export type ExecuteEvent =
  | { kind: 'columns'; columns: ColumnDescription[] }
  /** Rows in column order; each value is a JS value of the column's type, or null. */
  | { kind: 'rows'; rows: readonly (readonly unknown[])[] }
  /** A notice or warning shown beside the result (e.g. "default LIMIT 10000 applied"). */
  | { kind: 'notice'; notice: SqlNotice }
  /**
   * The command word for the CommandComplete tag ('SELECT', 'SHOW', 'EXPLAIN', ...). The server
   * appends the row count for SELECT/FETCH/MOVE/COPY/UPDATE/DELETE/MERGE (and "INSERT 0 n");
   * `rowCount` overrides the number of rows the server sent.
   */
  | { kind: 'complete'; command: string; rowCount?: number };

export interface PgQueryHandler {
  /**
   * Describes one statement (the server splits multi-statement text and handles session
   * commands itself). Called at Parse time in the extended protocol, so errors in the
   * statement surface there, as in PostgreSQL; never called for the simple protocol, where
   * `execute` alone must report every error. `paramTypeOids` are the client's declared
   * types, 0 where unspecified; `$n` beyond them may appear in `sql`.
   */
  describe(sql: string, paramTypeOids: readonly number[], session: PgSession): Promise<StatementDescription>;

  /**
   * Runs one statement with bound parameters (decoded to JS values per `paramTypes` of the
   * description, null for NULL; see `types/type-registry.ts` for the JS type of each OID)
   * and streams its result.
   */
  execute(sql: string, params: readonly unknown[], options: ExecuteOptions): AsyncIterable<ExecuteEvent>;

  /**
   * Optional fast path, tried before `execute`: every event of the statement when the handler
   * already knows them without doing any work (a kept answer), or null to go through
   * `execute`. The events and their order must be exactly what `execute` would yield.
   * Must not throw. Saves a trivial query the cost of an async stream.
   */
  answerNow?(sql: string, params: readonly unknown[], options: ExecuteOptions): readonly ExecuteEvent[] | null;

  /** Called once when a client has authenticated, before its first statement. */
  sessionStarted?(session: PgSession): void;

  /** Called once when the connection ends, for any per-session cleanup. */
  sessionEnded?(session: PgSession): void;
}
