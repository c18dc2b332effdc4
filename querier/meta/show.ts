/**
 * DeepFlow's meta statements, answered from schema/ and the dictionaries:
 * SHOW DATABASES, SHOW TABLES [FROM db], SHOW TAGS FROM t, SHOW METRICS FROM t,
 * SHOW TAG x VALUES FROM t; and EXPLAIN <query>. The grammar has no rules for them, so they
 * are matched here.
 */
import type { SqlType, Value } from '../../storage-adapters/fragment.ts';
import { DATABASES, TABLES, findTable, queryFields, customTag, suggestTables, suggestFields, RESOURCES, type TableDef } from '../../schema/index.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import type { QueryEngine, QueryResult, QuerySession } from '../engine.ts';
import { sqlTypeOf } from '../sql/plan.ts';
import { DEFAULT_SEARCH_PATH } from '../engine.ts';
import { explainLines } from './explain.ts';

export type MetaStatement =
  | { kind: 'databases'; columns: Cols }
  | { kind: 'tables'; database: string | null; columns: Cols }
  | { kind: 'tags' | 'metrics'; table: string; columns: Cols }
  | { kind: 'tag-values'; tag: string; table: string; columns: Cols }
  | { kind: 'explain'; query: string; columns: Cols };
type Cols = Array<{ name: string; type: SqlType }>;

const text = (...names: string[]): Cols => names.map((name) => ({ name, type: 'text' as const }));
const NAME = String.raw`("[^"]+"|[\w.]+)`;
const unquote = (s: string): string => (s.startsWith('"') ? s.slice(1, -1) : s);

export function isMetaStatement(sql: string): MetaStatement | undefined {
  const s = sql.trim().replace(/;$/, '').trim();
  let m: RegExpExecArray | null;
  if ((m = /^explain\s+(select\b[\s\S]*|with\b[\s\S]*)$/i.exec(s))) return { kind: 'explain', query: m[1]!, columns: text('QUERY PLAN') };
  if (/^show\s+databases$/i.test(s)) return { kind: 'databases', columns: text('name') };
  if ((m = new RegExp(String.raw`^show\s+tables(?:\s+from\s+${NAME})?$`, 'i').exec(s))) return { kind: 'tables', database: m[1] ? unquote(m[1]) : null, columns: text('name', 'database', 'description') };
  if ((m = new RegExp(String.raw`^show\s+(tags|metrics)\s+from\s+${NAME}$`, 'i').exec(s))) {
    const kind = m[1]!.toLowerCase() as 'tags' | 'metrics';
    return { kind, table: unquote(m[2]!), columns: kind === 'tags' ? text('name', 'type', 'encoding', 'description') : text('name', 'type', 'unit', 'aggregation', 'description') };
  }
  if ((m = new RegExp(String.raw`^show\s+tag\s+${NAME}\s+values\s+from\s+${NAME}$`, 'i').exec(s))) return { kind: 'tag-values', tag: unquote(m[1]!), table: unquote(m[2]!), columns: [{ name: 'value', type: 'text' }, { name: 'display_name', type: 'text' }] };
  return undefined;
}

function table(name: string, session: QuerySession): TableDef {
  const t = findTable(name, session.searchPath ?? DEFAULT_SEARCH_PATH);
  if (!t) {
    const near = suggestTables(name);
    throw new QueryError(SQLSTATE.undefinedTable, `relation "${name}" does not exist`, { hint: near.length ? `Perhaps you meant ${near.map((n) => `"${n}"`).join(', ')}.` : undefined });
  }
  return t;
}

export async function runMetaStatement(m: MetaStatement, engine: QueryEngine, session: QuerySession): Promise<QueryResult> {
  const rows: Value[][] = [];
  switch (m.kind) {
    case 'databases': for (const d of DATABASES) rows.push([d]); break;
    case 'tables':
      for (const t of TABLES) if (!m.database || t.database === m.database) rows.push([t.name, t.database, t.description]);
      break;
    case 'tags': {
      const t = table(m.table, session);
      for (const f of queryFields(t).values()) {
        if (f.column.role === 'metric') continue;
        const enc = f.column.encoding;
        rows.push([f.name, sqlTypeName(sqlTypeOf(f.type)), f.view === 'id' ? 'resource id' : enc?.kind === 'resource' ? `resource (${enc.resource})` : enc?.kind === 'enum' ? `enum (${enc.enumName})` : 'plain', f.column.description]);
      }
      for (const f of queryFields(t).values()) {
        const enc = f.column.encoding;
        if (f.view !== 'name' || enc?.kind !== 'resource') continue;
        for (const prefix of RESOURCES[enc.resource].customTags) rows.push([`${prefix}.<key>${t.sided ? `_${f.column.side}` : ''}`, 'text', `custom (${enc.resource})`, `Custom tags of ${enc.resource}`]);
      }
      break;
    }
    case 'metrics':
      for (const c of table(m.table, session).columns) if (c.role === 'metric') rows.push([c.name, sqlTypeName(sqlTypeOf(c.type)), c.unit ?? '', c.aggregation ?? '', c.description]);
      break;
    case 'explain':
      for (const line of explainLines(await engine.explain(m.query, session))) rows.push([line]);
      return { columns: m.columns, rows, notices: [], command: 'EXPLAIN' };
    case 'tag-values': {
      const t = table(m.table, session);
      const f = queryFields(t).get(m.tag) ?? customTag(t, m.tag);
      if (!f) throw new QueryError(SQLSTATE.undefinedColumn, `tag "${m.tag}" does not exist in ${t.fullName}`, { hint: hintFor(t, m.tag) });
      const res = await engine.query(`SELECT DISTINCT ${quote(m.tag)} FROM ${t.database}.${quote(t.name)} WHERE ${quote(m.tag)} IS NOT NULL ORDER BY 1 LIMIT 10000`, session);
      for (const [v] of res[0]!.rows) rows.push([v === null ? null : String(v), v === null ? null : String(v)]);
      break;
    }
  }
  return { columns: m.columns, rows, notices: [], command: 'SHOW' };
}

function hintFor(t: TableDef, name: string): string | undefined {
  const near = suggestFields(t, name);
  return near.length ? `Perhaps you meant ${near.map((n) => `"${n}"`).join(', ')}.` : undefined;
}

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

export function sqlTypeName(t: SqlType): string {
  return { bool: 'boolean', int: 'bigint', float: 'double precision', text: 'text', timestamp: 'timestamptz', interval: 'interval', null: 'text' }[t];
}
