/**
 * PlanFragment → ClickHouse SQL that runs on 18.16 and on current versions. No query
 * parameters (18.16 has none): every literal is rendered and escaped here. Kept apart from
 * the transport, so any ClickHouse connection can run what it produces.
 */
import type { ColumnDef, ColumnType, TableDef } from '../../schema/index.ts';
import { StoreError, type ColumnPredicate, type PlanFragment } from '../adapter.ts';
import { KEY_ZERO, keyExpression, quoteIdent, quoteLiteral, tableRef, type Naming } from './clickhouse-types.ts';

type Value = number | bigint | string | boolean;

/**
 * A Float64 literal. 18.16's parser rejects subnormals (5e-324) and has no inf/nan literal,
 * so those are spelled as their IEEE-754 bytes; everything else as JS prints it, which reads
 * back as the same double.
 */
export function floatLiteral(v: number): string {
  const abs = Math.abs(v);
  if (Number.isFinite(v) && !Object.is(v, -0) && (abs === 0 || abs >= 2.2250738585072014e-308)) return String(v);
  const bytes = Buffer.alloc(8);
  bytes.writeDoubleLE(v);
  return `reinterpretAsFloat64(unhex('${bytes.toString('hex').toUpperCase()}'))`;
}

export function literal(v: Value, type?: ColumnType): string {
  if (typeof v === 'string') return quoteLiteral(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'bigint') return String(v);
  if (type === 'float64' || !Number.isInteger(v)) return floatLiteral(v);
  return String(v);
}

function columnOf(t: TableDef, name: string): ColumnDef {
  const c = t.columns.find((x) => x.name === name);
  if (!c) throw new StoreError(`column ${name} does not exist in ${t.fullName}`, 'clickhouse', '42703');
  return c;
}

function predicate(t: TableDef, p: ColumnPredicate): string {
  const c = columnOf(t, p.column);
  const col = quoteIdent(p.column);
  switch (p.op) {
    case 'is null': return `${col} IS NULL`;
    case 'is not null': return `${col} IS NOT NULL`;
    case 'in': return p.values.length ? `${col} IN (${p.values.map((v) => literal(v, c.type)).join(', ')})` : '0';
    case 'not in': return p.values.length ? `${col} NOT IN (${p.values.map((v) => literal(v, c.type)).join(', ')})` : '1';
    default: return `${col} ${p.op} ${literal(p.value, c.type)}`;
  }
}

/**
 * The same predicate on a sorting-key column's key expression (`ifNull(col, zero)`), which
 * lets the primary index prune. It is implied by the predicate itself (a comparison that
 * holds for `col` holds for `ifNull(col, zero)`), so adding it never changes the answer.
 * Negations would not narrow the index, so they get none.
 */
function keyPredicate(t: TableDef, p: ColumnPredicate): string | undefined {
  if (!t.sortKey.includes(p.column)) return undefined;
  const c = columnOf(t, p.column);
  const key = keyExpression(c);
  switch (p.op) {
    case 'is null': return `${key} = ${KEY_ZERO[c.type]}`;
    case 'in': return p.values.length ? `${key} IN (${p.values.map((v) => literal(v, c.type)).join(', ')})` : undefined;
    case '=': case '<': case '<=': case '>': case '>=': return `${key} ${p.op} ${literal(p.value, c.type)}`;
    default: return undefined;
  }
}

/** The SELECT for a fragment (FORMAT is added by the caller, which decodes it). */
export function compileFragment(naming: Naming, f: PlanFragment, source = tableRef(naming, f.table)): string {
  const where = scanConditions(f);
  const cols = fragmentColumns(f).map((c) => quoteIdent(c.name));
  return `SELECT ${cols.join(', ')} FROM ${source}` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    (f.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(f.limit))}` : '');
}

/** The time range and column predicates of a fragment, ANDed by the caller. */
export function scanConditions(f: PlanFragment): string[] {
  const where: string[] = [];
  if (f.timeRange?.startUs !== undefined) where.push(`\`time\` >= ${f.timeRange.startUs}`);
  if (f.timeRange?.endUs !== undefined) where.push(`\`time\` < ${f.timeRange.endUs}`);
  for (const p of f.filters) {
    where.push(predicate(f.table, p));
    const k = keyPredicate(f.table, p);
    if (k) where.push(k);
  }
  return where;
}

/** The columns a fragment returns, in order (all of the table's when it names none). */
export function fragmentColumns(f: PlanFragment): ColumnDef[] {
  return f.columns.length ? f.columns.map((n) => columnOf(f.table, n)) : f.table.columns;
}
