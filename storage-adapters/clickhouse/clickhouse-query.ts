/**
 * A PlanFragment with FragmentOps → one ClickHouse SELECT. ClickHouse aliases are visible in
 * the whole query (an output named `time` would replace the column in WHERE), so each stage is
 * its own subquery and inner outputs take private names (`mf_0`); the outermost level gives
 * the plan's names back, casts each output to one fixed Nullable type (the Native decoder
 * checks types), and sorts, deduplicates and limits there.
 */
import type { AggregateCall, NamedExpr, SqlType } from '../fragment.ts';
import type { ColumnType } from '../../schema/index.ts';
import type { PlanFragment } from '../adapter.ts';
import { scanConditions } from './clickhouse-compiler.ts';
import type { ExpectedColumn } from './clickhouse-reader.ts';
import { CH_TYPE, quoteIdent, tableRef, type Naming } from './clickhouse-types.ts';
import { compileAggregate, compileExpr } from './clickhouse-sql.ts';

const STORED: Record<SqlType, ColumnType> = { int: 'int64', float: 'float64', text: 'string', bool: 'bool', timestamp: 'timestamp', interval: 'int64', null: 'string' };

/** True when the fragment is more than a filtered scan of stored columns. */
export function hasOps(f: PlanFragment): boolean {
  return f.where !== undefined || f.groupBy !== undefined || f.aggregates !== undefined || f.having !== undefined ||
    f.select !== undefined || f.distinct !== undefined || f.sort !== undefined || f.offset !== undefined;
}

const priv = (i: number): string => quoteIdent(`mf_${i}`);

export function compileOps(naming: Naming, f: PlanFragment): { sql: string; columns: ExpectedColumn[] } {
  const where = [...scanConditions(f), ...(f.where ? [compileExpr(f.where)] : [])];
  let source = `${tableRef(naming, f.table)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  let outputs: Array<{ name: string; type: SqlType }>;
  const aggregated = f.groupBy !== undefined || f.aggregates !== undefined;
  if (aggregated) {
    const groups: NamedExpr[] = f.groupBy ?? [];
    const aggs: Array<{ name: string; call: AggregateCall }> = f.aggregates ?? [];
    const list = [...groups.map((g) => compileExpr(g.expr)), ...aggs.map((a) => compileAggregate(a.call))];
    const inner = `SELECT ${list.map((x, i) => `${x} AS ${priv(i)}`).join(', ')} FROM ${source}` +
      (groups.length ? ` GROUP BY ${groups.map((_, i) => priv(i)).join(', ')}` : '');
    const names = [...groups.map((g) => ({ name: g.name, type: g.expr.type })), ...aggs.map((a) => ({ name: a.name, type: a.call.type }))];
    // The aggregate's outputs under their plan names, for HAVING and the SELECT list above.
    source = `(SELECT ${names.map((n, i) => `${priv(i)} AS ${quoteIdent(n.name)}`).join(', ')} FROM (${inner}))` +
      (f.having ? ` WHERE ${compileExpr(f.having)}` : '');
    outputs = names;
  } else {
    const byName = new Map(f.table.columns.map((c) => [c.name, c.type]));
    outputs = (f.columns.length ? f.columns : [...byName.keys()]).map((name) => ({ name, type: sqlTypeOf(byName.get(name)) }));
  }
  const select = f.select ?? outputs.map((o) => ({ name: o.name, expr: { kind: 'column' as const, name: o.name, type: o.type } }));
  const mid = `SELECT ${select.map((s, i) => `${compileExpr(s.expr)} AS ${priv(i)}`).join(', ')} FROM ${source}`;
  const types = select.map((s) => s.expr.type);
  let sql = `SELECT ${f.distinct ? 'DISTINCT ' : ''}${select.map((s, i) => `CAST(${priv(i)} AS Nullable(${CH_TYPE[STORED[types[i]!]]})) AS ${quoteIdent(s.name)}`).join(', ')} FROM (${mid})`;
  if (f.sort?.length) sql += ` ORDER BY ${f.sort.map((k) => `${compileExpr(k.expr)} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}`;
  else if (f.orderBy?.length) sql += ` ORDER BY ${f.orderBy.map((o) => `${quoteIdent(o.column)}${o.desc ? ' DESC' : ''}`).join(', ')}`;
  if (f.limit !== undefined || f.offset) sql += ` LIMIT ${f.offset ? `${Math.floor(f.offset)}, ` : ''}${f.limit !== undefined ? Math.max(0, Math.floor(f.limit)) : '18446744073709551615'}`;
  return { sql, columns: select.map((s, i) => ({ name: s.name, type: STORED[types[i]!], nullable: true })) };
}

function sqlTypeOf(t: ColumnType | undefined): SqlType {
  if (t === 'string' || t === undefined) return 'text';
  if (t === 'float64') return 'float';
  if (t === 'bool') return 'bool';
  if (t === 'timestamp') return 'timestamp';
  return 'int';
}
