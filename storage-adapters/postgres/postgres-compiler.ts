/**
 * PlanFragment → PostgreSQL SQL. Kept to the current fragment (filtered scan, time range,
 * limit) so the shared Postgres-family compiler can replace it without touching the adapter.
 */
import type { ColumnPredicate, PlanFragment } from '../adapter.ts';
import { quoteIdent, quoteLiteral, tableRef, timestampLiteral } from './postgres-types.ts';

function literal(v: number | bigint | string | boolean): string {
  if (typeof v === 'string') return quoteLiteral(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && !Number.isFinite(v)) return `'${v}'::double precision`;
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

export function compileFragment(f: PlanFragment): string {
  const where: string[] = [];
  if (f.timeRange?.startUs !== undefined) where.push(`"time" >= ${timestampLiteral(f.timeRange.startUs)}`);
  if (f.timeRange?.endUs !== undefined) where.push(`"time" < ${timestampLiteral(f.timeRange.endUs)}`);
  where.push(...f.filters.map(predicate));
  const cols = (f.columns.length ? f.columns : f.table.columns.map((c) => c.name)).map(quoteIdent).join(', ');
  return `SELECT ${cols} FROM ${tableRef(f.table)}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    (f.limit !== undefined ? ` LIMIT ${f.limit}` : '');
}

/**
 * A time bucket of `widthUs` over `column`, aligned to the epoch: TimescaleDB's `time_bucket`
 * when the extension is installed, core `date_bin` (Postgres 14+) otherwise. Both align to
 * the origin given, so results are the same on either path.
 */
export function timeBucketSql(column: string, widthUs: bigint, timescale: boolean): string {
  const width = `interval '${widthUs} microseconds'`;
  const origin = `timestamptz '1970-01-01 00:00:00+00'`;
  return timescale ? `time_bucket(${width}, ${quoteIdent(column)}, ${origin})` : `date_bin(${width}, ${quoteIdent(column)}, ${origin})`;
}
