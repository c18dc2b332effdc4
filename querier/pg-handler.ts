/**
 * The engine behind the PostgreSQL wire server (querier/pgwire/handler.ts): describes and runs
 * one statement, typing columns for the wire (timestamps as timestamptz µs, tags as text,
 * metrics as int8/float8). The session's search_path picks the databases for bare table names.
 */
import type { PgQueryHandler, PgSession, StatementDescription, ExecuteEvent, ExecuteOptions, ColumnDescription } from './pgwire/handler.ts';
import { TypeOid } from './pgwire/types/type-registry.ts';
import type { SqlType, Value } from '../storage-adapters/fragment.ts';
import { type QueryEngine, DEFAULT_SEARCH_PATH } from './engine.ts';
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

/** Search paths by (database, search_path setting): sessions rarely change it, and every statement needs it. */
const searchPaths = new Map<string, readonly string[]>();

function searchPath(session: PgSession): string[] {
  const setting = session.setting('search_path') ?? '';
  const key = `${session.database}\u0000${setting}`;
  let path = searchPaths.get(key);
  if (!path) {
    const set = setting.split(',').map((s) => s.trim().replace(/^"|"$/g, '')).filter((s) => s && s !== '$user' && s !== 'public');
    const db = session.database && DEFAULT_SEARCH_PATH.includes(session.database) ? [session.database] : [];
    path = [...new Set([...set, ...db, ...DEFAULT_SEARCH_PATH])];
    if (searchPaths.size >= 256) searchPaths.clear();
    searchPaths.set(key, path);
  }
  return path as string[];
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

const columnsOf = (cols: Array<{ name: string; type: SqlType }>): ColumnDescription[] => cols.map((c) => ({ name: c.name, typeOid: OID[c.type] }));

export function createPgHandler(engine: QueryEngine): PgQueryHandler {
  return {
    async describe(sql, paramTypeOids, session): Promise<StatementDescription> {
      const count = Math.max(paramTypeOids.length, highestParam(sql));
      const params = new Array(count).fill(null);
      const cols = engine.describe(sql, { searchPath: searchPath(session), params });
      return { paramTypes: Array.from({ length: count }, (_, i) => paramTypeOids[i] ?? 0), columns: columnsOf(cols) };
    },
    async *execute(sql, params, options: ExecuteOptions): AsyncIterable<ExecuteEvent> {
      const results = await engine.query(sql, {
        searchPath: searchPath(options.session),
        params: params.map((p) => (p === null || p === undefined ? null : typeof p === 'bigint' || typeof p === 'number' || typeof p === 'boolean' ? p : String(p))) as Value[],
        signal: options.signal,
        timeoutMs: statementTimeoutMs(options.session.setting('statement_timeout')),
      });
      const r = results[results.length - 1]!;
      yield { kind: 'columns', columns: columnsOf(r.columns) };
      for (const n of r.notices) yield { kind: 'notice', notice: { sqlstate: '01000', severity: 'NOTICE', message: n.message, hint: n.hint } };
      yield { kind: 'rows', rows: r.rows.map((row) => row.map((v, i) => wireValue(v, r.columns[i]!.type))) };
      yield { kind: 'complete', command: r.command };
    },
  };
}
