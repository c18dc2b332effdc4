/**
 * Statements the server answers itself, because clients send them on connect or around every
 * query and they have no meaning for a read-only query engine: transaction control (BEGIN,
 * COMMIT, ROLLBACK, SAVEPOINT, ...), SET/RESET/SHOW of settings, DISCARD and DEALLOCATE.
 * They get PostgreSQL's command tags and move the transaction status exactly as PostgreSQL
 * would; data is never touched, so they are no-ops otherwise.
 */
import { SqlError, SqlState, type SqlNotice } from '../../lib/errors.ts';
import type { ColumnDescription } from './handler.ts';
import type { Session } from './session.ts';
import { TypeOid } from './types/type-registry.ts';
import { memoizeText } from '../../lib/memo.ts';

export type SessionCommand =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'savepoint' }
  | { kind: 'release' }
  | { kind: 'rollbackToSavepoint' }
  | { kind: 'set'; name: string; value: string | null }
  | { kind: 'setTransaction' }
  | { kind: 'reset'; name: string | null }
  | { kind: 'show'; name: string }
  | { kind: 'showAll' }
  | { kind: 'discard'; what: string }
  | { kind: 'deallocate'; all: boolean };

/** What running a session command produced. */
export interface SessionCommandResult {
  tag: string;
  columns: ColumnDescription[] | null;
  rows: string[][];
  notices: SqlNotice[];
  /** Canonical names of reported settings that changed (each needs a ParameterStatus). */
  changed: string[];
  /** DISCARD ALL also drops the connection's prepared statements and portals. */
  discardStatements: boolean;
}

/** Lower-cased words, quoted strings and punctuation of a short command. */
function tokenize(sql: string): string[] | null {
  const tokens: string[] = [];
  const re = /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|'((?:[^']|'')*)'|"((?:[^"]|"")*)"|([A-Za-z_][A-Za-z0-9_$.]*)|([+-]?\d+(?:\.\d+)?[A-Za-z]*)|([=,;])/y;
  let i = 0;
  while (i < sql.length) {
    re.lastIndex = i;
    const m = re.exec(sql);
    if (!m) return null;
    i = re.lastIndex;
    if (m[1] !== undefined) tokens.push(`'${m[1].replace(/''/g, "'")}`);
    else if (m[2] !== undefined) tokens.push(`"${m[2].replace(/""/g, '"')}`);
    else if (m[3] !== undefined) tokens.push(m[3].toLowerCase());
    else if (m[4] !== undefined) tokens.push(m[4]);
    else if (m[5] !== undefined && m[5] !== ';') tokens.push(m[5]);
  }
  return tokens;
}

/** A token as a setting value: quotes dropped, quoted identifiers keep their quotes. */
function valueText(token: string): string {
  return token.startsWith("'") ? token.slice(1) : token;
}

const TRANSACTION_NOISE = new Set(['work', 'transaction']);

/** parseSessionCommand kept per text (every Parse and Query asks; the answer never changes). */
const parseSessionCommandOnce = memoizeText(parseSessionCommand);

/** Recognises a session command; null means the statement goes to the handler. */
export function parseSessionCommand(sql: string): SessionCommand | null {
  const t = tokenize(sql);
  if (!t || t.length === 0) return null;
  const [first, second] = t;
  const onlyNoise = (from: number) => t.slice(from).every((w) => TRANSACTION_NOISE.has(w) || w === 'and' || w === 'no' || w === 'chain');
  switch (first) {
    case 'begin':
      return { kind: 'begin' };
    case 'start':
      return second === 'transaction' ? { kind: 'begin' } : null;
    case 'commit':
    case 'end':
      return onlyNoise(1) ? { kind: 'commit' } : null;
    case 'abort':
    case 'rollback': {
      const to = t.indexOf('to');
      if (to > 0) return { kind: 'rollbackToSavepoint' };
      return onlyNoise(1) ? { kind: 'rollback' } : null;
    }
    case 'savepoint':
      return t.length === 2 ? { kind: 'savepoint' } : null;
    case 'release':
      return { kind: 'release' };
    case 'set':
      return parseSet(t.slice(1));
    case 'reset':
      if (t.length !== 2) return null;
      return { kind: 'reset', name: second === 'all' ? null : second! };
    case 'show':
      if (second === 'all' && t.length === 2) return { kind: 'showAll' };
      if (second === 'time' && t[2] === 'zone') return { kind: 'show', name: 'timezone' };
      if (second === 'transaction' && t[2] === 'isolation') return { kind: 'show', name: 'transaction_isolation' };
      return t.length === 2 && !second!.startsWith("'") ? { kind: 'show', name: second!.replace(/^"/, '') } : null;
    case 'discard':
      return t.length === 2 ? { kind: 'discard', what: second! } : null;
    case 'deallocate': {
      const rest = t.slice(1).filter((w) => w !== 'prepare');
      return rest.length === 1 ? { kind: 'deallocate', all: rest[0] === 'all' } : null;
    }
    default:
      return null;
  }
}

function parseSet(t: string[]): SessionCommand | null {
  let i = 0;
  if (t[i] === 'session' && t[i + 1] === 'characteristics') return { kind: 'setTransaction' };
  if (t[i] === 'session' || t[i] === 'local') i++;
  if (t[i] === 'transaction') return { kind: 'setTransaction' };
  if (t[i] === 'time' && t[i + 1] === 'zone') {
    const v = t[i + 2];
    return v === undefined ? null : { kind: 'set', name: 'timezone', value: v === 'default' || v === 'local' ? null : valueText(v) };
  }
  if (t[i] === 'names') return t[i + 1] ? { kind: 'set', name: 'client_encoding', value: valueText(t[i + 1]!) } : null;
  const name = t[i];
  if (!name || !/^[a-z_]/.test(name)) return null;
  const op = t[i + 1];
  if (op !== 'to' && op !== '=') return null;
  const values = t.slice(i + 2).filter((w) => w !== ',');
  if (values.length === 0) return null;
  if (values.length === 1 && values[0] === 'default') return { kind: 'set', name, value: null };
  return { kind: 'set', name, value: values.map(valueText).join(', ') };
}

/**
 * The session command a statement is, if the server answers it. SHOW of a name that is no
 * setting (SHOW TABLES, SHOW DATABASES, ...) is left to the handler.
 */
export function sessionCommandFor(sql: string, session: Session): SessionCommand | null {
  const cmd = parseSessionCommandOnce(sql);
  if (cmd?.kind === 'show' && session.setting(cmd.name) === undefined) return null;
  return cmd;
}

/** The result columns of a session command, for Describe. */
export function sessionCommandColumns(cmd: SessionCommand): ColumnDescription[] | null {
  if (cmd.kind === 'show') return [{ name: cmd.name, typeOid: TypeOid.text }];
  if (cmd.kind === 'showAll') return ['name', 'setting', 'description'].map((name) => ({ name, typeOid: TypeOid.text }));
  return null;
}

/** Whether a statement may run while the transaction is failed (PostgreSQL: only ending it). */
export function allowedInFailedTransaction(cmd: SessionCommand | null): boolean {
  return cmd !== null && (cmd.kind === 'commit' || cmd.kind === 'rollback' || cmd.kind === 'rollbackToSavepoint');
}

export function inFailedTransactionError(): SqlError {
  return new SqlError(SqlState.inFailedSqlTransaction, 'current transaction is aborted, commands ignored until end of transaction block');
}

/** Runs a session command against the session. Throws SqlError for SHOW of an unknown name. */
export function runSessionCommand(cmd: SessionCommand, session: Session): SessionCommandResult {
  const result: SessionCommandResult = { tag: '', columns: sessionCommandColumns(cmd), rows: [], notices: [], changed: [], discardStatements: false };
  const warn = (sqlstate: string, message: string) => result.notices.push({ sqlstate, message, severity: 'WARNING' });
  switch (cmd.kind) {
    case 'begin':
      if (session.transactionState !== 'idle') warn(SqlState.activeSqlTransaction, 'there is already a transaction in progress');
      else session.transactionState = 'in-transaction';
      result.tag = 'BEGIN';
      break;
    case 'commit':
      if (session.transactionState === 'idle') warn(SqlState.noActiveSqlTransaction, 'there is no transaction in progress');
      result.tag = session.transactionState === 'failed' ? 'ROLLBACK' : 'COMMIT';
      session.transactionState = 'idle';
      break;
    case 'rollback':
      if (session.transactionState === 'idle') warn(SqlState.noActiveSqlTransaction, 'there is no transaction in progress');
      session.transactionState = 'idle';
      result.tag = 'ROLLBACK';
      break;
    case 'savepoint':
    case 'release':
    case 'rollbackToSavepoint':
      if (session.transactionState === 'idle') {
        throw new SqlError(SqlState.noActiveSqlTransaction, `${cmd.kind === 'release' ? 'RELEASE SAVEPOINT' : cmd.kind === 'savepoint' ? 'SAVEPOINT' : 'ROLLBACK TO SAVEPOINT'} can only be used in transaction blocks`);
      }
      if (cmd.kind === 'rollbackToSavepoint') session.transactionState = 'in-transaction';
      result.tag = cmd.kind === 'savepoint' ? 'SAVEPOINT' : cmd.kind === 'release' ? 'RELEASE' : 'ROLLBACK';
      break;
    case 'set': {
      if (cmd.name === 'client_encoding' && cmd.value !== null && !/^(utf-?8|unicode)$/i.test(cmd.value)) {
        // Every string the server sends is UTF-8; announcing another encoding would garble text.
        throw new SqlError(SqlState.invalidParameterValue, `invalid value for parameter "client_encoding": "${cmd.value}"`, { hint: 'MetaFlow speaks UTF8 only.' });
      }
      const changed = cmd.value === null ? session.reset(cmd.name) : session.set(cmd.name, cmd.value);
      if (changed) result.changed.push(changed);
      result.tag = 'SET';
      break;
    }
    case 'setTransaction':
      result.tag = 'SET';
      break;
    case 'reset':
      result.changed.push(...(cmd.name === null ? session.resetAll() : [session.reset(cmd.name)].filter((n): n is string => n !== null)));
      result.tag = 'RESET';
      break;
    case 'show': {
      const value = session.setting(cmd.name);
      if (value === undefined) throw new SqlError(SqlState.undefinedObject, `unrecognized configuration parameter "${cmd.name}"`);
      result.rows.push([value]);
      result.tag = 'SHOW';
      break;
    }
    case 'showAll':
      result.rows.push(...[...session.settings].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, v, '']));
      result.tag = 'SHOW';
      break;
    case 'discard':
      if (cmd.what === 'all') {
        if (session.transactionState !== 'idle') throw new SqlError(SqlState.activeSqlTransaction, 'DISCARD ALL cannot run inside a transaction block');
        result.changed.push(...session.resetAll());
        result.discardStatements = true;
      }
      result.tag = `DISCARD ${cmd.what.toUpperCase()}`;
      break;
    case 'deallocate':
      result.tag = cmd.all ? 'DEALLOCATE ALL' : 'DEALLOCATE';
      break;
  }
  return result;
}
