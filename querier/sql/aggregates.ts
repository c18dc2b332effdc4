/**
 * Aggregate functions: result type and an accumulator per group. Names are the `fn` of
 * AggregateCall; DeepFlow's functions are rewritten into these by the binder.
 */
import type { AggregateCall, SqlType, Value } from '../../storage-adapters/fragment.ts';
import { compareValues, toNumber } from './values.ts';

export interface Accumulator {
  /** One input row's argument values (already past FILTER). */
  step(args: Value[]): void;
  result(): Value;
}

export interface AggregateFunction {
  /** Number of value arguments (count_star takes none). */
  args: number;
  returns: (args: SqlType[]) => SqlType;
  create(call: AggregateCall): Accumulator;
}

const sumType = ([t]: SqlType[]): SqlType => (t === 'int' ? 'int' : t === 'interval' ? 'interval' : 'float');
const same = ([t]: SqlType[]): SqlType => t!;

function sum(): Accumulator {
  let total: number | bigint | null = null;
  return {
    step([v]) {
      if (v === null) return;
      if (typeof v === 'bigint' || typeof total === 'bigint') total = BigInt(total ?? 0) + BigInt(v as bigint);
      else total = (total ?? 0) + toNumber(v!);
    },
    result: () => (typeof total === 'bigint' && total <= BigInt(Number.MAX_SAFE_INTEGER) && total >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(total) : total),
  };
}

function extreme(sign: 1 | -1): Accumulator {
  let best: Value = null;
  return {
    step([v]) { if (v !== null && (best === null || sign * compareValues(v!, best) > 0)) best = v!; },
    result: () => best,
  };
}

/** Welford's running mean/variance: stable for large values. */
function moments(pick: (n: number, mean: number, m2: number) => number | null): Accumulator {
  let n = 0, mean = 0, m2 = 0;
  return {
    step([v]) {
      if (v === null) return;
      const x = toNumber(v!);
      n++;
      const d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    },
    result: () => pick(n, mean, m2),
  };
}

/** Exact percentiles over the collected values, as PostgreSQL computes them. */
function percentile(call: AggregateCall, discrete: boolean): Accumulator {
  const values: number[] = [];
  return {
    step([v]) { if (v !== null) values.push(toNumber(v!)); },
    result() {
      if (values.length === 0) return null;
      values.sort((a, b) => (call.descending ? b - a : a - b));
      const f = call.fraction ?? 0.5;
      if (discrete) return values[Math.max(0, Math.ceil(f * values.length) - 1)]!;
      const pos = f * (values.length - 1);
      const lo = Math.floor(pos), hi = Math.ceil(pos);
      return values[lo]! + (values[hi]! - values[lo]!) * (pos - lo);
    },
  };
}

function distinctWrapper(inner: Accumulator): Accumulator {
  const seen = new Set<unknown>();
  return {
    step(args) {
      const key = args.length === 1 ? keyOf(args[0]!) : JSON.stringify(args.map(keyOf));
      if (seen.has(key)) return;
      seen.add(key);
      inner.step(args);
    },
    result: () => inner.result(),
  };
}

function keyOf(v: Value): unknown {
  return typeof v === 'bigint' ? `n:${v}` : typeof v === 'number' ? v : v;
}

export const AGGREGATES: Record<string, AggregateFunction> = {
  count_star: { args: 0, returns: () => 'int', create: () => { let n = 0; return { step: () => { n++; }, result: () => n }; } },
  count: { args: 1, returns: () => 'int', create: () => { let n = 0; return { step: ([v]) => { if (v !== null) n++; }, result: () => n }; } },
  sum: { args: 1, returns: sumType, create: sum },
  avg: { args: 1, returns: ([t]) => (t === 'interval' ? 'interval' : 'float'), create: () => moments((n, mean) => (n ? mean : null)) },
  min: { args: 1, returns: same, create: () => extreme(-1) },
  max: { args: 1, returns: same, create: () => extreme(1) },
  stddev_samp: { args: 1, returns: () => 'float', create: () => moments((n, _m, m2) => (n > 1 ? Math.sqrt(m2 / (n - 1)) : null)) },
  stddev_pop: { args: 1, returns: () => 'float', create: () => moments((n, _m, m2) => (n ? Math.sqrt(m2 / n) : null)) },
  var_samp: { args: 1, returns: () => 'float', create: () => moments((n, _m, m2) => (n > 1 ? m2 / (n - 1) : null)) },
  var_pop: { args: 1, returns: () => 'float', create: () => moments((n, _m, m2) => (n ? m2 / n : null)) },
  percentile_cont: { args: 1, returns: () => 'float', create: (c) => percentile(c, false) },
  percentile_disc: { args: 1, returns: same, create: (c) => percentile(c, true) },
  bool_and: { args: 1, returns: () => 'bool', create: () => { let r: boolean | null = null; return { step: ([v]) => { if (v !== null) r = (r ?? true) && Boolean(v); }, result: () => r }; } },
  bool_or: { args: 1, returns: () => 'bool', create: () => { let r: boolean | null = null; return { step: ([v]) => { if (v !== null) r = (r ?? false) || Boolean(v); }, result: () => r }; } },
};

/** An accumulator for one call, honouring DISTINCT. */
export function createAccumulator(call: AggregateCall): Accumulator {
  const acc = AGGREGATES[call.fn]!.create(call);
  return call.distinct ? distinctWrapper(acc) : acc;
}
