/**
 * DeepFlow's query functions, lowered to standard aggregates with DeepFlow's semantics
 * (server/querier/engine/clickhouse/view/function.go):
 * - delay metrics (schema aggregation 'delay') skip zeros in Avg, Max, Min, Percentile, Spread,
 *   Rspread and Apdex: a zero means "not measured";
 * - Sum → sum; AAvg → plain average; Uniq/UniqExact → count(DISTINCT), by ID for tags;
 * - Percentile(x, p) → exact percentile_cont(p/100) (DeepFlow's ClickHouse `quantile` is an
 *   estimate; exact answers are a superset of correct);
 * - Spread = Max − Min; Rspread = Max / Min;
 * - Apdex(x, T) = (satisfied + tolerating/2) / measured × 100 with satisfied 0 < x ≤ T,
 *   tolerating T < x ≤ 4T, NULL when nothing was measured;
 * - PerSecond(agg) = agg / window seconds: the time bucket width when grouping by time,
 *   else the WHERE time range;
 * - time(time, N) → N-second buckets aligned to the epoch.
 * Only the capitalised `Avg`/`Max`/`Min`/`Sum` are DeepFlow's (parse.ts quotes them);
 * `avg`/`AVG` keep PostgreSQL's meaning.
 */
import type { AggregateCall, Expr } from '../../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import type { Ast } from './parse.ts';
import { bindExpr, argContext, needAggregates, type ExprContext } from './bind-expr.ts';
import { AGGREGATES } from './aggregates.ts';
import { lit } from './plan.ts';
import { lookupFunction } from './functions.ts';
import { US_PER_SECOND } from './time.ts';

const QUOTED_ONLY = new Set(['Avg', 'Max', 'Min', 'Sum']);
const ANY_CASE = new Set(['aavg', 'percentile', 'percentileexact', 'uniq', 'uniqexact', 'persecond', 'apdex', 'spread', 'rspread']);

export function isDeepFlowFunction(rawName: string, quoted: boolean): boolean {
  return (quoted && QUOTED_ONLY.has(rawName)) || ANY_CASE.has(rawName.toLowerCase());
}

const call = (fn: string, args: Expr[]): Expr => ({ kind: 'call', fn, args, type: lookupFunction(fn)!.returns(args.map((a) => a.type)) });

export function bindDeepFlowCall(rawName: string, argAsts: Ast[], ctx: ExprContext): Expr {
  const name = QUOTED_ONLY.has(rawName) ? rawName.toLowerCase() : rawName.toLowerCase();
  if (name === 'time') return timeBucket(argAsts, ctx);
  if (name === 'persecond') return perSecond(argAsts, ctx);
  const collector = needAggregates(ctx, rawName);
  if (argAsts.length === 0) throw new QueryError(SQLSTATE.undefinedFunction, `${rawName} needs a metric argument`);
  const inner = argContext(ctx);
  const x = bindExpr(argAsts[0], inner);
  const skipZero = x.kind === 'column' && ctx.metricAggregation(x.name) === 'delay' ? call('>', [x, lit(0, 'int')]) : null;
  const agg = (fn: string, filter: Expr | null, extra: Partial<AggregateCall> = {}): Expr =>
    collector.add({ fn, args: fn === 'count_star' ? [] : [x], distinct: false, filter, type: AGGREGATES[fn]!.returns([x.type]), ...extra });
  switch (name) {
    case 'sum': return agg('sum', null);
    case 'avg': return agg('avg', skipZero);
    case 'aavg': return agg('avg', null);
    case 'max': return agg('max', skipZero);
    case 'min': return agg('min', skipZero);
    case 'uniq': case 'uniqexact': return agg('count', null, { distinct: true, type: 'int' });
    case 'spread': return call('-', [agg('max', skipZero), agg('min', skipZero)]);
    case 'rspread': return call('/', [{ kind: 'cast', arg: agg('max', skipZero), type: 'float' }, agg('min', skipZero)]);
    case 'percentile': case 'percentileexact': {
      const p = Number(argAsts[1]?.value);
      if (!(p >= 0 && p <= 100)) throw new QueryError(SQLSTATE.invalidParameterValue, `${rawName} needs a percentile between 0 and 100`);
      return agg('percentile_cont', skipZero, { fraction: p / 100, type: 'float' });
    }
    case 'apdex': {
      const t = Number(argAsts[1]?.value);
      if (!(t > 0)) throw new QueryError(SQLSTATE.invalidParameterValue, `${rawName} needs a positive threshold`);
      const measured = call('>', [x, lit(0, 'int')]);
      const count = (filter: Expr): Expr => collector.add({ fn: 'count_star', args: [], distinct: false, filter, type: 'int' });
      const satisfied = count(call('and', [measured, call('<=', [x, lit(t, 'float')])]));
      const tolerating = count(call('and', [call('>', [x, lit(t, 'float')]), call('<=', [x, lit(4 * t, 'float')])]));
      const total = count(measured);
      const score = call('+', [{ kind: 'cast', arg: satisfied, type: 'float' }, call('/', [{ kind: 'cast', arg: tolerating, type: 'float' }, lit(2, 'float')])]);
      return call('*', [call('/', [score, call('nullif', [{ kind: 'cast', arg: total, type: 'float' }, lit(0, 'float')])]), lit(100, 'float')]);
    }
    default: throw new QueryError(SQLSTATE.undefinedFunction, `function ${rawName} does not exist`);
  }
}

function perSecond(argAsts: Ast[], ctx: ExprContext): Expr {
  const collector = needAggregates(ctx, 'PerSecond');
  const inner = bindExpr(argAsts[0], ctx);
  const windowUs = collector.timeWindowUs();
  if (!windowUs) {
    throw new QueryError(SQLSTATE.invalidParameterValue, 'PerSecond needs a time window', {
      hint: 'Group by a time bucket (time(time, 60), date_trunc, date_bin) or bound time on both sides in WHERE.',
    });
  }
  return call('/', [{ kind: 'cast', arg: inner, type: 'float' }, lit(windowUs / US_PER_SECOND, 'float')]);
}

function timeBucket(argAsts: Ast[], ctx: ExprContext): Expr {
  const [ts, width] = argAsts.map((a) => bindExpr(a, ctx));
  const seconds = width?.kind === 'literal' ? Number(width.value) : NaN;
  if (!ts || ts.type !== 'timestamp' || !(seconds > 0)) {
    throw new QueryError(SQLSTATE.undefinedFunction, 'time(column, seconds) needs a timestamp column and a positive number of seconds');
  }
  return call('date_bin', [lit(seconds * US_PER_SECOND, 'interval'), ts, lit(0, 'timestamp')]);
}
