/**
 * The querier's expression language (storage-adapters/fragment.ts) → ClickHouse SQL that runs
 * on 18.16 and on current versions, giving PostgreSQL's answers. Where ClickHouse differs:
 * - AND/OR are not three-valued (NULL AND 0 is NULL, NULL OR 0 is 0): spelled out with multiIf.
 * - NULL IN (...) is 0 and NULL NOT IN (...) is 1: a NULL operand gives NULL here.
 * - No TRUE/FALSE, no ILIKE (18.16): 1/0, and LIKE over lowerUTF8.
 * - `time` is Int64 µs: buckets are integer arithmetic (floor division, so before the origin too).
 * - Aggregates over no rows of a non-Nullable argument give 0, not NULL: arguments go through
 *   toNullable. FILTER is the -If combinator. Percentiles sort the group's values in an array
 *   and index it the way percentile_cont/disc do.
 * Whatever is not in CALLS (or fails its `accepts`) is refused through the capabilities, so
 * the querier runs it: an unsupported call never reaches compileExpr.
 */
import type { AggregateCall, CallExpr, Expr, SqlType, Value } from '../fragment.ts';
import { floatLiteral } from './clickhouse-compiler.ts';
import { quoteIdent, quoteLiteral } from './clickhouse-types.ts';

interface CallRule {
  sql(args: string[], e: CallExpr): string;
  /** Argument shapes this spelling is right for (all when absent). */
  accepts?(e: CallExpr): boolean;
}

const NULL_BOOL = 'CAST(NULL AS Nullable(UInt8))';
const US: Record<string, number> = { microseconds: 1, milliseconds: 1e3, second: 1e6, minute: 60e6, hour: 3600e6, day: 86400e6 };
/** 2000-01-03 (a Monday), PostgreSQL's bucket origin, in µs. */
const DEFAULT_ORIGIN_US = 946_857_600_000_000;
/** 1970-01-05, the first Monday: weeks start on Mondays in date_trunc. */
const MONDAY_US = 4 * 86400e6;

const lit = (e: Expr | undefined): Value | undefined => (e?.kind === 'literal' ? e.value : undefined);
const isLiteral = (e: Expr | undefined): boolean => e?.kind === 'literal' && e.value !== null;
const infix = (op: string): CallRule => ({ sql: ([a, b]) => `(${a} ${op} ${b})` });

/** Floor of (t - origin) / width, times width, plus origin: exact for any sign. */
function bucket(t: string, widthUs: number, originUs: number): string {
  // Int64 throughout: Int64 % UInt32 is typed by the divisor and wraps past 2^31.
  const w = `toInt64(${widthUs})`;
  const d = `(${t} - toInt64(${originUs}))`;
  return `(toInt64(${originUs}) + (intDiv(${d}, ${w}) - if(${d} % ${w} < 0, 1, 0)) * ${w})`;
}

/** Three-valued AND/OR: `decisive` (0 for AND, 1 for OR) wins; else any NULL gives NULL. */
function logic(decisive: 0 | 1) {
  return (args: string[]): string => {
    const hit = args.map((a) => `ifNull(${a} = ${decisive}, 0)`).join(' OR ');
    const unknown = args.map((a) => `isNull(${a})`).join(' OR ');
    return `multiIf(${hit}, ${decisive}, ${unknown}, ${NULL_BOOL}, ${1 - decisive})`;
  };
}

function membership(negate: boolean): CallRule {
  return {
    // A NULL in the list makes PostgreSQL's answer NULL where ClickHouse says 0/1.
    accepts: (e) => e.args.slice(1).every(isLiteral),
    sql: ([x, ...list]) => (list.length ? `if(isNull(${x}), ${NULL_BOOL}, ${x} ${negate ? 'NOT IN' : 'IN'} (${list.join(', ')}))` : `if(isNull(${x}), ${NULL_BOOL}, ${negate ? 1 : 0})`),
  };
}

const regex = (negate: boolean): CallRule => ({ sql: ([s, p]) => `(${negate ? 'NOT ' : ''}match(${s}, ${p}))` });
const like = (negate: boolean, fold: boolean): CallRule => ({
  sql: ([s, p]) => `(${negate ? 'NOT ' : ''}like(${fold ? `lowerUTF8(${s})` : s}, ${fold ? `lowerUTF8(${p})` : p}))`,
});
const fn = (name: string): CallRule => ({ sql: (args) => `${name}(${args.join(', ')})` });
/** Float division by zero is an error in PostgreSQL and inf in ClickHouse: only non-zero literal divisors. */
const nonZeroDivisor = (e: CallExpr): boolean => e.args.every((a) => a.type === 'int') || (isLiteral(e.args[1]) && Number(lit(e.args[1])) !== 0);

const CALLS: Record<string, CallRule> = {
  '=': infix('='), '<>': infix('!='), '<': infix('<'), '<=': infix('<='), '>': infix('>'), '>=': infix('>='),
  '+': infix('+'), '-': infix('-'), '*': infix('*'),
  '/': { accepts: nonZeroDivisor, sql: ([a, b], e) => (e.args.every((x) => x.type === 'int') ? `intDiv(${a}, ${b})` : `(${a} / ${b})`) },
  // Int64 operands: ClickHouse types a remainder by its divisor (Int64 % UInt8 is UInt8).
  '%': { accepts: (e) => e.args.every((a) => a.type === 'int'), sql: ([a, b]) => `(toInt64(${a}) % toInt64(${b}))` },
  neg: { sql: ([a]) => `(- ${a})` },
  and: { sql: logic(0) },
  or: { sql: logic(1) },
  not: { sql: ([a]) => `(NOT ${a})` },
  is_null: fn('isNull'),
  is_not_null: fn('isNotNull'),
  in: membership(false),
  not_in: membership(true),
  like: like(false, false), not_like: like(true, false), ilike: like(false, true), not_ilike: like(true, true),
  // No ~* / !~*: 18.16 prefilters on a case-sensitive literal part, so '(?i)login' misses 'Login'.
  '~': regex(false), '!~': regex(true),
  '||': { accepts: (e) => e.args.every((a) => a.type === 'text' || a.type === 'int'), sql: (args, e) => `concat(${args.map((a, i) => (e.args[i]!.type === 'int' ? `toString(${a})` : a)).join(', ')})` },
  coalesce: fn('coalesce'),
  nullif: fn('nullIf'),
  lower: fn('lowerUTF8'), upper: fn('upperUTF8'), length: fn('lengthUTF8'), char_length: fn('lengthUTF8'),
  replace: fn('replaceAll'), strpos: fn('positionUTF8'), starts_with: fn('startsWith'),
  abs: fn('abs'), ceil: fn('ceil'), ceiling: fn('ceil'), floor: fn('floor'),
  date_trunc: {
    accepts: (e) => { const u = String(lit(e.args[0]) ?? '').toLowerCase(); return u in US || u === 'week'; },
    sql: ([, t], e) => { const u = String(lit(e.args[0])).toLowerCase(); return u === 'week' ? bucket(t!, 7 * 86400e6, MONDAY_US) : bucket(t!, US[u]!, 0); },
  },
  date_bin: {
    accepts: (e) => isLiteral(e.args[0]) && Number(lit(e.args[0])) > 0 && isLiteral(e.args[2]),
    sql: ([, t], e) => bucket(t!, Number(lit(e.args[0])), Number(lit(e.args[2]))),
  },
  time_bucket: {
    accepts: (e) => isLiteral(e.args[0]) && Number(lit(e.args[0])) > 0 && (e.args.length < 3 || isLiteral(e.args[2])),
    sql: ([, t], e) => bucket(t!, Number(lit(e.args[0])), e.args[2] ? Number(lit(e.args[2])) : DEFAULT_ORIGIN_US),
  },
  date_part: {
    accepts: (e) => String(lit(e.args[0]) ?? '').toLowerCase() === 'epoch',
    sql: ([, t]) => `(${t} / 1000000)`,
  },
};

/** True when this compiler cannot give PostgreSQL's answer for the call (the querier runs it). */
export function refusesCall(e: CallExpr): boolean {
  const rule = CALLS[e.fn];
  return !rule || (rule.accepts ? !rule.accepts(e) : false);
}

const CH_CAST: Partial<Record<SqlType, string>> = { int: 'Int64', float: 'Float64', text: 'String', bool: 'UInt8', timestamp: 'Int64' };

function literal(v: Value, type: SqlType): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'string') return quoteLiteral(v);
  if (type === 'timestamp' || type === 'interval' || typeof v === 'bigint') return String(typeof v === 'number' ? Math.round(v) : v);
  // 7.0 must stay a float: ClickHouse would read `7` as UInt8 and keep `x * 7.0` integral.
  return type === 'float' ? `toFloat64(${floatLiteral(v)})` : Number.isInteger(v) ? String(v) : floatLiteral(v);
}

export function compileExpr(e: Expr): string {
  switch (e.kind) {
    case 'column': return quoteIdent(e.name);
    case 'literal': return literal(e.value, e.type);
    case 'call': {
      if (refusesCall(e)) throw new Error(`ClickHouse cannot run ${e.fn} as PostgreSQL does; the planner must not push it`);
      return CALLS[e.fn]!.sql(e.args.map(compileExpr), e);
    }
    case 'case': return `(CASE ${e.whens.map((w) => `WHEN ${compileExpr(w.when)} THEN ${compileExpr(w.then)}`).join(' ')}${e.else ? ` ELSE ${compileExpr(e.else)}` : ''} END)`;
    case 'cast': return `CAST(${compileExpr(e.arg)} AS Nullable(${CH_CAST[e.type] ?? 'String'}))`;
    default: throw new Error(`${e.kind} runs in the querier; the planner must not push it`);
  }
}

const AGGREGATES: Record<string, string> = { count: 'count', sum: 'sum', avg: 'avg', min: 'min', max: 'max', bool_and: 'min', bool_or: 'max' };

export function refusesAggregate(c: AggregateCall): boolean {
  if (c.fn === 'count_star' || c.fn === 'percentile_cont' || c.fn === 'percentile_disc') return c.distinct;
  return !(c.fn in AGGREGATES) || (c.distinct && c.fn !== 'count');
}

/** percentile_cont/disc over the group's non-NULL values, sorted in an array. */
function percentile(c: AggregateCall, arg: string, cond: string | undefined): string {
  const f = c.fraction ?? 0.5;
  const values = `${c.descending ? 'arrayReverseSort' : 'arraySort'}(${cond ? `groupArrayIf(${arg}, ${cond})` : `groupArray(${arg})`})`;
  const n = `length(${values})`;
  const at = (i: string) => `arrayElement(${values}, toUInt64(${i}) + 1)`;
  if (c.fn === 'percentile_disc') return `if(${n} = 0, NULL, arrayElement(${values}, toUInt64(greatest(ceil(${f} * ${n}), 1))))`;
  const pos = `(${f} * (${n} - 1))`;
  const lo = at(`floor(${pos})`);
  return `if(${n} = 0, NULL, toFloat64(${lo}) + (${pos} - floor(${pos})) * (toFloat64(${at(`ceil(${pos})`)}) - toFloat64(${lo})))`;
}

export function compileAggregate(c: AggregateCall): string {
  if (refusesAggregate(c)) throw new Error(`ClickHouse cannot run ${c.fn} as PostgreSQL does; the planner must not push it`);
  const cond = c.filter ? `ifNull(${compileExpr(c.filter)}, 0)` : undefined;
  if (c.fn === 'count_star') return cond ? `countIf(${cond})` : 'count()';
  const arg = compileExpr(c.args[0]!);
  if (c.fn === 'percentile_cont' || c.fn === 'percentile_disc') return percentile(c, arg, cond);
  const name = c.distinct ? 'uniqExact' : AGGREGATES[c.fn]!;
  const x = c.fn === 'count' ? arg : `toNullable(${arg})`;
  return cond ? `${name}If(${x}, ${cond})` : `${name}(${x})`;
}
