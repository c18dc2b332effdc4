/**
 * The engine behind the PostgreSQL wire server (querier/pgwire/handler.ts): describes and runs
 * one statement, typing columns for the wire (timestamps as timestamptz µs, tags as text,
 * metrics as int8/float8). The session's search_path picks the databases for bare table names.
 */
import type { PgQueryHandler, PgSession, StatementDescription, ExecuteEvent, ExecuteOptions, ColumnDescription } from './pgwire/handler.ts';
import { TypeOid } from './pgwire/types/type-registry.ts';
import type { SqlType, Value } from '../storage-adapters/fragment.ts';
import { type QueryEngine, type QueryResult, DEFAULT_SEARCH_PATH } from './engine.ts';
import { formatInterval } from './sql/time.ts';
import { memoizeText } from '../lib/memo.ts';

const OID: Record<SqlType, number> = { bool: TypeOid.bool, int: TypeOid.int8, float: TypeOid.float8, text: TypeOid.text, timestamp: TypeOid.timestamptz, interval: TypeOid.text, null: TypeOid.text };

function wireValue(v: Value, t: SqlType): unknown {
  if (v === null) return null;
  if (t === 'timestamp') return BigInt(Math.round(Number(v)));
  if (t === 'interval') return formatInterval(Number(v));
  if (t === 'int') return typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
  return v;
}

function searchPathOf(setting: string, database: string): string[] {
  const set = setting.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s && s !== '$user' && s !== 'public');
  const db = database && DEFAULT_SEARCH_PATH.includes(database) ? [database] : [];
  return [...new Set([...set, ...db, ...DEFAULT_SEARCH_PATH])];
}

/** What every statement reads from its session, worked out again only when a setting changed. */
interface SessionView {
  searchPathSetting: string | undefined;
  database: string;
  searchPath: string[];
  timeoutSetting: string | undefined;
  timeoutMs: number;
}
const views = new WeakMap<PgSession, SessionView>();

function viewOf(session: PgSession): SessionView {
  // `settings` is keyed by lower-case name (handler.ts), so no case folding per statement.
  const searchPathSetting = session.settings.get('search_path');
  const timeoutSetting = session.settings.get('statement_timeout');
  let view = views.get(session);
  if (!view) {
    view = { searchPathSetting, database: session.database, searchPath: searchPathOf(searchPathSetting ?? '', session.database), timeoutSetting, timeoutMs: statementTimeoutMs(timeoutSetting) };
    views.set(session, view);
    return view;
  }
  if (view.searchPathSetting !== searchPathSetting || view.database !== session.database) {
    view.searchPathSetting = searchPathSetting;
    view.database = session.database;
    view.searchPath = searchPathOf(searchPathSetting ?? '', session.database);
  }
  if (view.timeoutSetting !== timeoutSetting) {
    view.timeoutSetting = timeoutSetting;
    view.timeoutMs = statementTimeoutMs(timeoutSetting);
  }
  return view;
}

/** statement_timeout as PostgreSQL reads it: a number is ms; units us, ms, s, min, h, d. */
export function statementTimeoutMs(setting: string | undefined): number {
  const m = /^\s*'?(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?'?\s*$/i.exec(setting ?? '');
  if (!m) return 0;
  const unit = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 }[(m[2] ?? 'ms').toLowerCase() as 'ms'];
  return Number(m[1]) * unit;
}

/** The highest `$n` a statement names (0 for none), kept per text. */
const highestParam = memoizeText((sql) => Math.max(0, ...[...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))));

/** Wire column descriptions, kept per engine column list (a repeated statement's list is the same object). */
const described = new WeakMap<ReadonlyArray<{ name: string; type: SqlType }>, ColumnDescription[]>();

function columnsOf(cols: ReadonlyArray<{ name: string; type: SqlType }>): ColumnDescription[] {
  let out = described.get(cols);
  if (!out) {
    out = cols.map((c) => ({ name: c.name, typeOid: OID[c.type] }));
    described.set(cols, out);
  }
  return out;
}

const engineParams = (params: readonly unknown[]): Value[] =>
  params.map((p) => (p === null || p === undefined ? null : typeof p === 'bigint' || typeof p === 'number' || typeof p === 'boolean' ? p : String(p)));

/** One result as the wire server's events. */
function eventsOf(r: QueryResult): ExecuteEvent[] {
  const events: ExecuteEvent[] = [{ kind: 'columns', columns: columnsOf(r.columns) }];
  for (const n of r.notices) events.push({ kind: 'notice', notice: { sqlstate: '01000', severity: 'NOTICE', message: n.message, hint: n.hint } });
  events.push({ kind: 'rows', rows: r.rows.map((row) => row.map((v, i) => wireValue(v, r.columns[i]!.type))) });
  // Without 'complete' the tag is "SELECT <rows sent>" (handler.ts): one step less per query.
  if (r.command !== 'SELECT') events.push({ kind: 'complete', command: r.command });
  return events;
}

export function createPgHandler(engine: QueryEngine): PgQueryHandler {
  return {
    async describe(sql, paramTypeOids, session): Promise<StatementDescription> {
      const count = Math.max(paramTypeOids.length, highestParam(sql));
      const params = new Array(count).fill(null);
      const cols = engine.describe(sql, { searchPath: viewOf(session).searchPath, params });
      return { paramTypes: Array.from({ length: count }, (_, i) => paramTypeOids[i] ?? 0), columns: columnsOf(cols) };
    },
    async *execute(sql, params, options: ExecuteOptions): AsyncIterable<ExecuteEvent> {
      const view = viewOf(options.session);
      const results = await engine.query(sql, { searchPath: view.searchPath, params: engineParams(params), signal: options.signal, timeoutMs: view.timeoutMs });
      yield* eventsOf(results[results.length - 1]!);
    },
    answerNow(sql, params, options: ExecuteOptions): ExecuteEvent[] | null {
      const results = engine.keptAnswers(sql, { searchPath: viewOf(options.session).searchPath, params: engineParams(params) });
      return results && eventsOf(results[results.length - 1]!);
    },
  };
}
