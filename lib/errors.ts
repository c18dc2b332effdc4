/**
 * Errors that reach a SQL client. Every query error in MetaFlow (SQL front, PromQL over SQL,
 * the PostgreSQL wire server, the HTTP SQL API) is a `SqlError`: a SQLSTATE from the table
 * below, a message, and where it helps a 1-based character position into the statement text
 * and a hint. The fields are the ones pg-protocol's `DatabaseError` reads, so a PostgreSQL
 * client shows them the way it shows PostgreSQL's own errors.
 */

/**
 * The SQLSTATE codes MetaFlow raises, by PostgreSQL's condition names (Appendix A of the
 * PostgreSQL manual). Raise codes through this table, not as inline literals, so that a
 * search for a condition finds every place that raises it.
 */
export const SqlState = {
  successfulCompletion: '00000',
  warning: '01000',
  connectionException: '08000',
  protocolViolation: '08P01',
  featureNotSupported: '0A000',
  invalidTextRepresentation: '22P02',
  invalidBinaryRepresentation: '22P03',
  invalidParameterValue: '22023',
  invalidDatetimeFormat: '22007',
  datetimeFieldOverflow: '22008',
  numericValueOutOfRange: '22003',
  divisionByZero: '22012',
  invalidTransactionState: '25000',
  activeSqlTransaction: '25001',
  readOnlySqlTransaction: '25006',
  inFailedSqlTransaction: '25P02',
  noActiveSqlTransaction: '25P01',
  invalidSqlStatementName: '26000',
  invalidAuthorizationSpecification: '28000',
  invalidPassword: '28P01',
  invalidCursorName: '34000',
  syntaxError: '42601',
  insufficientPrivilege: '42501',
  undefinedColumn: '42703',
  undefinedFunction: '42883',
  undefinedTable: '42P01',
  undefinedParameter: '42P02',
  undefinedObject: '42704',
  duplicatePreparedStatement: '42P05',
  duplicateCursor: '42P03',
  ambiguousColumn: '42702',
  datatypeMismatch: '42804',
  groupingError: '42803',
  programLimitExceeded: '54000',
  tooManyConnections: '53300',
  queryCanceled: '57014',
  adminShutdown: '57P01',
  internalError: 'XX000',
} as const;

export type SqlStateName = keyof typeof SqlState;
export type SqlStateCode = (typeof SqlState)[SqlStateName];

/** Severity words of PostgreSQL's ErrorResponse/NoticeResponse (the non-localized `V` field). */
export type SqlSeverity = 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE' | 'DEBUG' | 'INFO' | 'LOG';

/** Optional fields of an error or notice, named as in pg-protocol's `DatabaseError`. */
export interface SqlErrorDetails {
  /** 1-based character (not byte) position in the statement text the error points at. */
  position?: number;
  /** What the user can do about it, e.g. "Perhaps you meant to reference the column \"pod_1\"." */
  hint?: string;
  /** A second line of explanation. */
  detail?: string;
  /** Call-stack-like context ("PL/pgSQL function ..." in PostgreSQL; a plan stage here). */
  where?: string;
  /** Position inside `internalQuery`, when the error is in text MetaFlow generated. */
  internalPosition?: number;
  /** Generated text the error is in (e.g. the SQL sent to the store). */
  internalQuery?: string;
  schema?: string;
  table?: string;
  column?: string;
  dataType?: string;
  constraint?: string;
  /** Defaults to ERROR; FATAL closes the connection on the wire. */
  severity?: SqlSeverity;
  /** The underlying error, kept for logs only (never sent to the client). */
  cause?: unknown;
}

/** An error with a SQLSTATE, safe to show to a SQL client. */
export class SqlError extends Error {
  override readonly name = 'SqlError';
  readonly sqlstate: string;
  readonly severity: SqlSeverity;
  readonly position?: number;
  readonly hint?: string;
  readonly detail?: string;
  readonly where?: string;
  readonly internalPosition?: number;
  readonly internalQuery?: string;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly dataType?: string;
  readonly constraint?: string;

  constructor(sqlstate: string, message: string, details: SqlErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.sqlstate = sqlstate;
    this.severity = details.severity ?? 'ERROR';
    this.position = details.position;
    this.hint = details.hint;
    this.detail = details.detail;
    this.where = details.where;
    this.internalPosition = details.internalPosition;
    this.internalQuery = details.internalQuery;
    this.schema = details.schema;
    this.table = details.table;
    this.column = details.column;
    this.dataType = details.dataType;
    this.constraint = details.constraint;
  }

  /** A copy with the position moved by `offset` characters (a statement inside a longer text). */
  withPositionOffset(offset: number): SqlError {
    if (this.position === undefined || offset === 0) return this;
    return new SqlError(this.sqlstate, this.message, { ...this.details(), position: this.position + offset });
  }

  /** The optional fields, for copying. */
  details(): SqlErrorDetails {
    const { severity, position, hint, detail, where, internalPosition, internalQuery, schema, table, column, dataType, constraint } = this;
    return { severity, position, hint, detail, where, internalPosition, internalQuery, schema, table, column, dataType, constraint, cause: this.cause };
  }
}

/** A warning or notice that travels beside a result instead of failing it. */
export interface SqlNotice extends Omit<SqlErrorDetails, 'cause'> {
  sqlstate: string;
  message: string;
}

/** Any thrown value as a SqlError: SqlErrors pass through, the rest become XX000 internal errors. */
export function toSqlError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError(SqlState.internalError, message || 'internal error', { cause: err });
}
