/**
 * PlanFragment (a filtered scan plus FragmentOps) → one SELECT statement for a store of the
 * PostgreSQL family. Expressions compile through one table keyed by kind; functions use
 * PostgreSQL spellings unless the dialect overrides them. Every output column is aliased to
 * its plan name so ORDER BY and the querier can refer to it.
 */
import type { AggregateCall, Expr, ExprKind, NamedExpr, Value } from '../fragment.ts';
import type { ColumnPredicate, PlanFragment } from '../adapter.ts';
import type { SqlDialect } from './sql-dialect.ts';

type Compile = (e: Expr, d: SqlDialect) => string;

const INFIX: Record<string, string> = {
  '+': '+', '-': '-', '*': '*', '/': '/', '%': '%', '||': '||',
  '=': '=', '<>': '<>', '<': '<', '<=': '<=', '>': '>', '>=': '>=',
  like: 'LIKE', not_like: 'NOT LIKE', ilike: 'ILIKE', not_ilike: 'NOT ILIKE',
  '~': '~', '~*': '~*', '!~': '!~', '!~*': '!~*',
};

/** Scalar functions a PostgreSQL-family compiler translates (the planner pushes only these). */
export const SQL_FUNCTIONS: ReadonlySet<string> = new Set([
  ...Object.keys(INFIX), 'and', 'or', 'not', 'neg', 'is_null', 'is_not_null', 'in', 'not_in',
  'coalesce', 'nullif', 'lower', 'upper', 'length', 'char_length', 'substr', 'substring', 'replace',
  'concat', 'strpos', 'starts_with', 'left', 'right', 'abs', 'ceil', 'ceiling', 'floor', 'sqrt',
  'power', 'exp', 'ln', 'log10', 'date_trunc', 'date_bin', 'time_bucket', 'date_part', 'to_timestamp',
]);

export const SQL_AGGREGATES: ReadonlySet<string> = new Set([
  'count', 'count_star', 'sum', 'avg', 'min', 'max', 'stddev_samp', 'stddev_pop', 'var_samp', 'var_pop',
  'bool_and', 'bool_or', 'percentile_cont', 'percentile_disc',
]);

function literal(v: Value, type: Expr['type'], d: SqlDialect): string {
  if (v === null) return 'NULL';
  if (type === 'timestamp') return d.timestamp(v as number);
  if (type === 'interval') return d.interval(Number(v));
  if (typeof v === 'string') return d.quoteString(v);
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && !Number.isFinite(v)) return `CAST('${v}' AS ${d.castType.float})`;
  if (typeof v === 'number' && !Number.isInteger(v)) return `CAST(${v} AS ${d.castType.float})`;
  return String(v);
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', 'neg']);

const EXPR: { [K in ExprKind]: (e: Extract<Expr, { kind: K }>, d: SqlDialect) => string } = {
  column: (e, d) => d.quoteIdent(e.name),
  literal: (e, d) => literal(e.value, e.type, d),
  call: (e, d) => {
    const args = e.args.map((a) => {
      const sql = compileExpr(a, d);
      return ARITHMETIC.has(e.fn) && a.kind === 'column' && d.arithmeticColumn ? d.arithmeticColumn(sql, a) : sql;
    });
    const override = d.functions[e.fn];
    if (override) return override(args, e);
    const infix = INFIX[e.fn];
    if (infix) return `(${args[0]} ${infix} ${args[1]})`;
    switch (e.fn) {
      case 'and': return `(${args.join(' AND ')})`;
      case 'or': return `(${args.join(' OR ')})`;
      case 'not': return `(NOT ${args[0]})`;
      case 'neg': return `(- ${args[0]})`;
      case 'is_null': return `(${args[0]} IS NULL)`;
      case 'is_not_null': return `(${args[0]} IS NOT NULL)`;
      case 'in': return args.length > 1 ? `(${args[0]} IN (${args.slice(1).join(', ')}))` : 'FALSE';
      case 'not_in': return args.length > 1 ? `(${args[0]} NOT IN (${args.slice(1).join(', ')}))` : `(${args[0]} IS NOT NULL)`;
      default: return `${e.fn}(${args.join(', ')})`;
    }
  },
  case: (e, d) => `(CASE ${e.whens.map((w) => `WHEN ${compileExpr(w.when, d)} THEN ${compileExpr(w.then, d)}`).join(' ')}${e.else ? ` ELSE ${compileExpr(e.else, d)}` : ''} END)`,
  cast: (e, d) => `CAST(${compileExpr(e.arg, d)} AS ${d.castType[e.type]})`,
  tag: () => { throw new Error('tag decoding is the querier\'s job; the planner must not push it'); },
  subquery: () => { throw new Error('subqueries run in the querier; the planner must not push them'); },
  param: () => { throw new Error('subquery parameters run in the querier; the planner must not push them'); },
};

export function compileExpr(e: Expr, d: SqlDialect): string {
  return (EXPR[e.kind] as Compile)(e, d);
}

function aggregate(c: AggregateCall, d: SqlDialect): string {
  const filter = c.filter ? ` FILTER (WHERE ${compileExpr(c.filter, d)})` : '';
  const override = d.functions[`aggregate:${c.fn}`];
  const args = c.args.map((a) => compileExpr(a, d));
  if (override) return override(args, { kind: 'call', fn: c.fn, args: c.args, type: c.type }) + filter;
  if (c.fn === 'count_star') return `count(*)${filter}`;
  if (c.fn === 'percentile_cont' || c.fn === 'percentile_disc') {
    return `${c.fn}(${c.fraction}) WITHIN GROUP (ORDER BY ${args[0]}${c.descending ? ' DESC' : ''})${filter}`;
  }
  return `${c.fn}(${c.distinct ? 'DISTINCT ' : ''}${args.join(', ')})${filter}`;
}

function predicate(p: ColumnPredicate, d: SqlDialect): string {
  const c = d.quoteIdent(p.column);
  const v = (x: Value): string => literal(x, typeof x === 'string' ? 'text' : 'int', d);
  switch (p.op) {
    case 'is null': return `${c} IS NULL`;
    case 'is not null': return `${c} IS NOT NULL`;
    case 'in': return p.values.length ? `${c} IN (${p.values.map(v).join(', ')})` : 'FALSE';
    case 'not in': return p.values.length ? `${c} NOT IN (${p.values.map(v).join(', ')})` : 'TRUE';
    default: return `${c} ${p.op} ${v(p.value)}`;
  }
}

const named = (n: NamedExpr, d: SqlDialect): string => `${compileExpr(n.expr, d)} AS ${d.quoteIdent(n.name)}`;

export function compileFragment(f: PlanFragment, d: SqlDialect): string {
  const where: string[] = [];
  if (f.timeRange?.startUs !== undefined) where.push(`${d.quoteIdent('time')} >= ${d.timestamp(f.timeRange.startUs)}`);
  if (f.timeRange?.endUs !== undefined) where.push(`${d.quoteIdent('time')} < ${d.timestamp(f.timeRange.endUs)}`);
  where.push(...f.filters.map((p) => predicate(p, d)));
  if (f.where) where.push(compileExpr(f.where, d));
  const aggregated = f.groupBy !== undefined || f.aggregates !== undefined;
  let list: string[];
  if (f.select) list = f.select.map((s) => named(s, d));
  else if (aggregated) list = [...(f.groupBy ?? []).map((g) => named(g, d)), ...(f.aggregates ?? []).map((a) => `${aggregate(a.call, d)} AS ${d.quoteIdent(a.name)}`)];
  else list = f.columns.length ? f.columns.map((c) => d.quoteIdent(c)) : ['*'];
  let sql = `SELECT ${f.distinct ? 'DISTINCT ' : ''}${list.join(', ')} FROM ${d.tableRef(f.table)}`;
  if (where.length) sql += ` WHERE ${where.join(' AND ')}`;
  if (aggregated && f.groupBy?.length) sql += ` GROUP BY ${f.groupBy.map((g) => compileExpr(g.expr, d)).join(', ')}`;
  if (aggregated && (f.select || f.having)) {
    // SELECT list and HAVING sit above the aggregate and name its outputs (`_a0`), which
    // PostgreSQL allows only from a derived table.
    const inner = compileFragment({ ...f, select: undefined, having: undefined, distinct: undefined, sort: undefined, orderBy: undefined, limit: undefined, offset: undefined }, d);
    const outer = f.select ? list.join(', ') : '*';
    sql = `SELECT ${f.distinct ? 'DISTINCT ' : ''}${outer} FROM (${inner}) AS agg${f.having ? ` WHERE ${compileExpr(f.having, d)}` : ''}`;
  }
  if (f.sort?.length) sql += ` ORDER BY ${f.sort.map((k) => `${compileExpr(k.expr, d)}${k.descending ? ' DESC' : ' ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`).join(', ')}`;
  else if (f.orderBy?.length) sql += ` ORDER BY ${f.orderBy.map((o) => `${d.quoteIdent(o.column)}${o.desc ? ' DESC' : ''}`).join(', ')}`;
  if (f.limit !== undefined) sql += ` LIMIT ${f.limit}`;
  if (f.offset) sql += ` OFFSET ${f.offset}`;
  return sql;
}
