/**
 * Which expressions a store may run, from its capability flags alone. Tag decoding never goes
 * down (names are the querier's job); interval-typed results stay up (stores disagree on how
 * they return them).
 */
import type { AggregateCall, Expr, SqlType } from '../../storage-adapters/fragment.ts';
import type { Capabilities } from '../../storage-adapters/adapter.ts';
import { SQL_AGGREGATES } from '../../storage-adapters/sql/sql-compiler.ts';

export const FILTER_FNS = ['=', '<>', '<', '<=', '>', '>=', 'and', 'or', 'not', 'is_null', 'is_not_null', 'in', 'not_in'];
export const PATTERN_FNS = ['like', 'not_like', 'ilike', 'not_ilike', '~', '~*', '!~', '!~*'];
export const EXPRESSION_FNS = ['+', '-', '*', '/', '%', 'neg', '||', 'coalesce', 'nullif', 'lower', 'upper', 'length', 'char_length',
  'substr', 'substring', 'replace', 'concat', 'strpos', 'starts_with', 'left', 'right', 'abs', 'ceil', 'ceiling', 'floor',
  'sqrt', 'power', 'exp', 'ln', 'log10', 'to_timestamp'];
export const TIME_FNS = ['date_trunc', 'date_bin', 'time_bucket', 'date_part'];
export const BASIC_AGGREGATES = ['count', 'count_star', 'sum', 'avg', 'min', 'max', 'stddev_samp', 'stddev_pop', 'var_samp', 'var_pop', 'bool_and', 'bool_or'];

/** Casts whose result every store spells the same way. */
const SAFE_CASTS: Partial<Record<SqlType, SqlType[]>> = { float: ['int', 'float'], int: ['int', 'bool'], text: ['text'], bool: ['bool'] };

export interface Pushability {
  expr(e: Expr): boolean;
  aggregate(c: AggregateCall): boolean;
  caps: Capabilities;
}

export function pushability(caps: Capabilities): Pushability {
  const fns = new Set<string>([
    ...(caps.filter ? FILTER_FNS : []),
    ...(caps.filter && caps.patternMatch ? PATTERN_FNS : []),
    ...(caps.expressions ? EXPRESSION_FNS : []),
    ...(caps.timeBucket ? TIME_FNS : []),
  ]);
  const aggs = new Set<string>([...(caps.aggregate ? BASIC_AGGREGATES : []), ...(caps.aggregate && caps.quantile ? ['percentile_cont', 'percentile_disc'] : [])]);
  for (const a of aggs) if (!SQL_AGGREGATES.has(a)) aggs.delete(a);
  const expr = (e: Expr): boolean => {
    if (e.type === 'interval' && e.kind !== 'literal') return false;
    switch (e.kind) {
      case 'column': return true;
      case 'literal': return true;
      case 'tag': case 'subquery': case 'param': return false;
      case 'call': return fns.has(e.fn) && !caps.refusesCall?.(e) && e.args.every(expr);
      case 'case': return Boolean(caps.expressions) && e.whens.every((w) => expr(w.when) && expr(w.then)) && (!e.else || expr(e.else));
      case 'cast': return Boolean(caps.expressions) && (SAFE_CASTS[e.type]?.includes(e.arg.type) ?? false) && expr(e.arg);
    }
  };
  const aggregate = (c: AggregateCall): boolean => aggs.has(c.fn) && !caps.refusesAggregate?.(c) && c.type !== 'interval' && c.args.every(expr) && (!c.filter || expr(c.filter));
  return { expr, aggregate, caps };
}
