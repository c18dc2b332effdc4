// Values of the evaluator. Every expression is evaluated over a grid of step timestamps at
// once (an instant query is a grid of one step), so a vector is a set of series with one slot
// per step plus a presence flag; this keeps samples in typed arrays and avoids an object per
// sample. Public results use Prometheus's four types in JSON-friendly shapes.

export type Labels = Record<string, string>;

/** An instant vector over the step grid: values[i] is meaningful only where present[i] = 1. */
export interface StepSeries {
  labels: Labels;
  values: Float64Array;
  present: Uint8Array;
}

/** Raw samples of a range selector or subquery, staleness markers removed. */
export interface RangeSeries {
  labels: Labels;
  ts: Float64Array;
  vs: Float64Array;
}

export type EvalValue =
  | { type: 'scalar'; values: Float64Array }
  | { type: 'string'; value: string }
  | { type: 'vector'; series: StepSeries[] }
  | {
    type: 'matrix';
    series: RangeSeries[];
    /** Window end per step (evaluation time after @ and offset); window is [end - rangeMs, end]. */
    windowEnds: Float64Array;
    rangeMs: number;
  };

export type VectorValue = Extract<EvalValue, { type: 'vector' }>;
export type MatrixValue = Extract<EvalValue, { type: 'matrix' }>;
export type ScalarValue = Extract<EvalValue, { type: 'scalar' }>;

// ---- public result shapes (what the HTTP API serialises) ----

export interface ScalarResult { resultType: 'scalar'; timestampMs: number; value: number }
export interface StringResult { resultType: 'string'; timestampMs: number; value: string }
export interface VectorSample { labels: Labels; timestampMs: number; value: number }
export interface VectorResult { resultType: 'vector'; samples: VectorSample[] }
/** One series of a matrix; typed arrays because range results reach millions of points
 * (the HTTP layer formats them as Prometheus's `[seconds, "value"]` pairs). */
export interface MatrixSeries { labels: Labels; timestampsMs: Float64Array; values: Float64Array }
export interface MatrixResult { resultType: 'matrix'; series: MatrixSeries[] }
export type QueryValue = ScalarResult | StringResult | VectorResult | MatrixResult;

/** A query's answer: the value and any warnings. */
export interface QueryResult {
  value: QueryValue;
  warnings: string[];
}

// ---- label helpers ----

export { labelsKey } from '../labels.ts';

/** Copy of labels without the metric name. */
export function dropMetricName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels;
  const out: Labels = {};
  for (const k in labels) if (k !== '__name__') out[k] = labels[k];
  return out;
}

/** Orders label sets like Prometheus's labels.Compare (sorted pairs, lexicographic). */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort();
  const bn = Object.keys(b).sort();
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    if (an[i] !== bn[i]) return an[i] < bn[i] ? -1 : 1;
    const av = a[an[i]], bv = b[bn[i]];
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return an.length - bn.length;
}

// Step series are carved out of shared slabs: a separate small typed array per series would
// cost an ArrayBuffer and an off-heap allocation each, which dominates at 10k series.
const SLAB = 1 << 16;
let slabValues = new Float64Array(0);
let slabPresent = new Uint8Array(0);
let slabUsed = 0;

/** A fresh step series with nothing present (values zeroed). */
export function newStepSeries(labels: Labels, steps: number): StepSeries {
  if (steps > SLAB / 8) return { labels, values: new Float64Array(steps), present: new Uint8Array(steps) };
  if (slabUsed + steps > slabValues.length) {
    slabValues = new Float64Array(SLAB);
    slabPresent = new Uint8Array(SLAB);
    slabUsed = 0;
  }
  const s = { labels, values: slabValues.subarray(slabUsed, slabUsed + steps), present: slabPresent.subarray(slabUsed, slabUsed + steps) };
  slabUsed += steps;
  return s;
}

/** True when the series has a sample at any step. */
export function anyPresent(s: StepSeries): boolean {
  return s.present.indexOf(1) !== -1;
}

/** First index with a[i] >= x in a sorted array. */
export function lowerBound(a: Float64Array, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** First index with a[i] > x in a sorted array. */
export function upperBound(a: Float64Array, x: number, lo = 0, hi = a.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatGoFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  const s = String(v);
  if (s.indexOf('e') === -1) return s; // String() writes exponents with a lowercase e
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s)!;
  const digits = m[2] + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= 0) {
    const frac = digits.slice(exp + 1);
    return m[1] + digits.slice(0, exp + 1).padEnd(exp + 1, '0') + (frac ? '.' + frac : '');
  }
  return m[1] + '0.' + '0'.repeat(-exp - 1) + digits;
}
