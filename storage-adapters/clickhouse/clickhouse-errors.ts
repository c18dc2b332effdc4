/**
 * ClickHouse failures → StoreError with ClickHouse's own message and a SQLSTATE.
 * ClickHouse error codes are stable across versions (ErrorCodes.cpp); the table maps the ones a
 * MetaFlow user can cause or must act on. 18.16 words errors as
 * `Code: 60, e.displayText() = DB::Exception: <msg>, e.what() = DB::Exception`, current
 * versions as `Code: 60. DB::Exception: <msg>. (UNKNOWN_TABLE) (version 24.x)`: both are read.
 */
import { StoreError } from '../adapter.ts';

export const SQLSTATE_OF_CODE: Record<number, string> = {
  6: '22P02', // CANNOT_PARSE_TEXT
  15: '42701', // DUPLICATE_COLUMN
  16: '42703', // NO_SUCH_COLUMN_IN_TABLE
  27: '22P02', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  33: '22P02', // CANNOT_READ_ALL_DATA
  43: '42804', // ILLEGAL_TYPE_OF_ARGUMENT
  46: '42883', // UNKNOWN_FUNCTION
  47: '42703', // UNKNOWN_IDENTIFIER
  48: '0A000', // NOT_IMPLEMENTED
  53: '42804', // TYPE_MISMATCH
  57: '42P07', // TABLE_ALREADY_EXISTS
  60: '42P01', // UNKNOWN_TABLE
  62: '42601', // SYNTAX_ERROR
  69: '22003', // ARGUMENT_OUT_OF_BOUND
  70: '22018', // CANNOT_CONVERT_TYPE
  72: '22P02', // CANNOT_PARSE_NUMBER
  81: '3D000', // UNKNOWN_DATABASE
  82: '42P04', // DATABASE_ALREADY_EXISTS
  159: '57014', // TIMEOUT_EXCEEDED
  164: '25006', // READONLY
  192: '28P01', // UNKNOWN_USER
  193: '28P01', // WRONG_PASSWORD
  194: '28P01', // REQUIRED_PASSWORD
  195: '28000', // IP_ADDRESS_NOT_ALLOWED
  202: '53300', // TOO_MANY_SIMULTANEOUS_QUERIES
  210: '08006', // NETWORK_ERROR
  241: '53200', // MEMORY_LIMIT_EXCEEDED
  252: '53000', // TOO_MANY_PARTS
  279: '08006', // ALL_CONNECTION_TRIES_FAILED
  386: '42804', // NO_COMMON_TYPE
  394: '57014', // QUERY_WAS_CANCELLED
  395: 'P0001', // FUNCTION_THROW_IF_VALUE_IS_NON_ZERO (throwIf: an error the query raised itself)
  497: '42501', // ACCESS_DENIED
  516: '28P01', // AUTHENTICATION_FAILED
};

/** Node socket failures: the store cannot be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'ETIMEDOUT', 'EAI_AGAIN', 'EPIPE']);

export interface ParsedServerError { code: number; message: string }

/** Finds ClickHouse's code and message in a response text or error message. */
export function parseServerError(text: string): ParsedServerError | undefined {
  const m = /Code: (\d+)[.,]\s*(?:e\.displayText\(\) = )?(?:DB::Exception: )?([\s\S]*)/.exec(text);
  if (!m) return undefined;
  let message = m[2]!.trim();
  message = message.replace(/,\s*e\.what\(\) = [\s\S]*$/, '');
  message = message.replace(/\s*\([A-Z][A-Z0-9_]+\)(\s*\(version .*\))?\.?\s*$/, '');
  return { code: Number(m[1]), message: message.trim() };
}

function errnoOf(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Any failure of a ClickHouse call as a StoreError. `where` names the server (host:port) so a
 * message says which node of a cluster failed.
 */
export function storeError(e: unknown, where: string, context?: string): StoreError {
  if (e instanceof StoreError) return e;
  const raw = e instanceof Error ? e.message : String(e);
  const prefix = context ? `${context}: ` : '';
  const errno = errnoOf(e);
  if (errno && UNREACHABLE.has(errno)) {
    return new StoreError(`${prefix}cannot reach ClickHouse at ${where}: ${errno}${raw && !raw.includes(errno) ? ` (${raw})` : ''}`, 'clickhouse', '08001', e);
  }
  if ((e as { name?: string })?.name === 'AbortError' || /aborted/i.test(raw)) {
    return new StoreError(`${prefix}query canceled`, 'clickhouse', '57014', e);
  }
  if (/^Timeout error/.test(raw)) return new StoreError(`${prefix}ClickHouse at ${where} did not answer in time`, 'clickhouse', '57014', e);
  const parsed = parseServerError(raw);
  if (parsed) {
    const sqlstate = SQLSTATE_OF_CODE[parsed.code] ?? '58000';
    const auth = sqlstate.startsWith('28') ? ` (ClickHouse at ${where})` : '';
    return new StoreError(`${prefix}${parsed.message}${auth}`, 'clickhouse', sqlstate, Object.assign(e instanceof Error ? e : new Error(raw), { clickhouseCode: parsed.code }));
  }
  return new StoreError(`${prefix}ClickHouse at ${where}: ${raw}`, 'clickhouse', '58000', e);
}

/** The ClickHouse error code inside a StoreError made by `storeError`, if any. */
export function clickhouseCode(e: unknown): number | undefined {
  return ((e as { cause?: { clickhouseCode?: number } })?.cause)?.clickhouseCode;
}
