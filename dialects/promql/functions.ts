// The PromQL function registry (Prometheus 2.42 `promql/parser/functions.go`): argument types,
// optional arguments and return type of every function. The parser type-checks calls against
// it; the evaluator pairs one kernel with each entry, and a test keeps the two in step.
import type { ValueType } from './ast.ts';

/** One PromQL function's signature. */
export interface FunctionSignature {
  name: string;
  /** Declared argument types; with `variadic` ≠ 0 the last one may be omitted or repeated. */
  argTypes: ValueType[];
  /** 0: exactly argTypes.length arguments. n > 0: up to n further arguments of the last type,
   * and the last argument may be omitted. -1: any number of further arguments. */
  variadic: number;
  returnType: ValueType;
}

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

/** [name, argTypes, variadic, returnType] rows, alphabetical as in Prometheus. */
const rows: Array<[string, ValueType[], number, ValueType]> = [
  ['abs', [V], 0, V],
  ['absent', [V], 0, V],
  ['absent_over_time', [M], 0, V],
  ['acos', [V], 0, V],
  ['acosh', [V], 0, V],
  ['asin', [V], 0, V],
  ['asinh', [V], 0, V],
  ['atan', [V], 0, V],
  ['atanh', [V], 0, V],
  ['avg_over_time', [M], 0, V],
  ['ceil', [V], 0, V],
  ['changes', [M], 0, V],
  ['clamp', [V, S, S], 0, V],
  ['clamp_max', [V, S], 0, V],
  ['clamp_min', [V, S], 0, V],
  ['cos', [V], 0, V],
  ['cosh', [V], 0, V],
  ['count_over_time', [M], 0, V],
  ['days_in_month', [V], 1, V],
  ['day_of_month', [V], 1, V],
  ['day_of_week', [V], 1, V],
  ['day_of_year', [V], 1, V],
  ['deg', [V], 0, V],
  ['delta', [M], 0, V],
  ['deriv', [M], 0, V],
  ['exp', [V], 0, V],
  ['floor', [V], 0, V],
  ['histogram_count', [V], 0, V],
  ['histogram_fraction', [S, S, V], 0, V],
  ['histogram_quantile', [S, V], 0, V],
  ['histogram_sum', [V], 0, V],
  ['holt_winters', [M, S, S], 0, V],
  ['hour', [V], 1, V],
  ['idelta', [M], 0, V],
  ['increase', [M], 0, V],
  ['irate', [M], 0, V],
  ['label_join', [V, STR, STR, STR], -1, V],
  ['label_replace', [V, STR, STR, STR, STR], 0, V],
  ['last_over_time', [M], 0, V],
  ['ln', [V], 0, V],
  ['log10', [V], 0, V],
  ['log2', [V], 0, V],
  ['max_over_time', [M], 0, V],
  ['min_over_time', [M], 0, V],
  ['minute', [V], 1, V],
  ['month', [V], 1, V],
  ['pi', [], 0, S],
  ['predict_linear', [M, S], 0, V],
  ['present_over_time', [M], 0, V],
  ['quantile_over_time', [S, M], 0, V],
  ['rad', [V], 0, V],
  ['rate', [M], 0, V],
  ['resets', [M], 0, V],
  ['round', [V, S], 1, V],
  ['scalar', [V], 0, S],
  ['sgn', [V], 0, V],
  ['sin', [V], 0, V],
  ['sinh', [V], 0, V],
  ['sort', [V], 0, V],
  ['sort_desc', [V], 0, V],
  ['sqrt', [V], 0, V],
  ['stddev_over_time', [M], 0, V],
  ['stdvar_over_time', [M], 0, V],
  ['sum_over_time', [M], 0, V],
  ['tan', [V], 0, V],
  ['tanh', [V], 0, V],
  ['time', [], 0, S],
  ['timestamp', [V], 0, V],
  ['vector', [S], 0, V],
  ['year', [V], 1, V],
];

/** Every PromQL function by name. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSignature> = new Map(
  rows.map(([name, argTypes, variadic, returnType]) => [name, { name, argTypes, variadic, returnType }]),
);

/** The signature of `name`, or undefined for an unknown function. */
export function getFunction(name: string): FunctionSignature | undefined {
  return FUNCTIONS.get(name);
}

/** Smallest and largest argument count `fn` accepts (max is Infinity when unbounded). */
export function arity(fn: FunctionSignature): { min: number; max: number } {
  const n = fn.argTypes.length;
  if (fn.variadic === 0) return { min: n, max: n };
  return { min: n - 1, max: fn.variadic < 0 ? Infinity : n - 1 + fn.variadic };
}

/** The declared type of argument `i` (repeated arguments take the last declared type). */
export function argType(fn: FunctionSignature, i: number): ValueType {
  return fn.argTypes[Math.min(i, fn.argTypes.length - 1)]!;
}
