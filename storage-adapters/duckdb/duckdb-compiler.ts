/** PlanFragment → DuckDB SQL. */
import type { ColumnPredicate, PlanFragment } from '../adapter.ts';
import { quoteIdent, quoteLiteral, tableRef } from './duckdb-types.ts';

function literal(v: number | bigint | string | boolean): string {
  if (typeof v === 'string') return quoteLiteral(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && !Number.isFinite(v)) return `'${v}'::DOUBLE`;
  return String(v);
}

function predicate(p: ColumnPredicate): string {
  const col = quoteIdent(p.column);
  switch (p.op) {
    case 'is null': return `${col} IS NULL`;
    case 'is not null': return `${col} IS NOT NULL`;
    case 'in': return p.values.length ? `${col} IN (${p.values.map(literal).join(', ')})` : 'FALSE';
    case 'not in': return p.values.length ? `${col} NOT IN (${p.values.map(literal).join(', ')})` : 'TRUE';
    default: return `${col} ${p.op} ${literal(p.value)}`;
  }
}

/** Microseconds since the epoch → a DuckDB TIMESTAMP expression. */
export function timestampLiteral(us: bigint): string {
  return `make_timestamp(${us}::BIGINT)`;
}

export function compileFragment(f: PlanFragment): string {
  const where: string[] = [];
  if (f.timeRange?.startUs !== undefined) where.push(`"time" >= ${timestampLiteral(f.timeRange.startUs)}`);
  if (f.timeRange?.endUs !== undefined) where.push(`"time" < ${timestampLiteral(f.timeRange.endUs)}`);
  where.push(...f.filters.map(predicate));
  const cols = f.columns.length ? f.columns.map(quoteIdent).join(', ') : '*';
  return `SELECT ${cols} FROM ${tableRef(f.table)}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    (f.orderBy?.length ? ` ORDER BY ${f.orderBy.map((o) => `${quoteIdent(o.column)}${o.desc ? ' DESC' : ''}`).join(', ')}` : '') +
    (f.limit !== undefined ? ` LIMIT ${f.limit}` : '');
}
