// Functions over range vectors (selectors or subqueries): rate/increase/delta with
// Prometheus's extrapolation, irate/idelta, deriv/predict_linear, holt_winters, changes,
// resets and the *_over_time family. A window kernel reads samples [lo, hi) of one series
// in place, so no per-window arrays are allocated.
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { PromQLEvalError, EVAL_ERROR_CODES } from '../errors.ts';
import { quantile } from '../quantile.ts';
import { dropMetricName, labelsKey, lowerBound, newStepSeries, upperBound, type MatrixValue, type StepSeries, type EvalValue } from '../values.ts';
import { evalMatrixSelector } from '../selectors.ts';
import { unwrapParens, type Kernel } from './kernel.ts';

/** One window: samples [lo, hi) of ts/vs, the window bounds, and scalar args at this step. */
export interface Window {
  ts: Float64Array;
  vs: Float64Array;
  lo: number;
  hi: number;
  start: number;
  end: number;
  rangeMs: number;
  /** The evaluation time of this step (before offset/@). */
  stepTime: number;
  /** Scalar arguments at this step, in argument order (matrix argument excluded). */
  args: number[];
}

/** Returns the value for the window, or undefined for no sample at this step. */
type WindowFn = (w: Window) => number | undefined;

async function evalMatrixArg(ev: Evaluator, call: Call, idx: number): Promise<MatrixValue> {
  const arg = unwrapParens(call.args[idx]);
  const v = arg.kind === 'MatrixSelector' ? await evalMatrixSelector(ev, arg, call.func) : await ev.eval(arg);
  if (v.type !== 'matrix') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `${call.func}(): expected range vector, got ${v.type}`, call.posRange);
  return v;
}

/** Builds a kernel applying fn to each series' window at each step. */
export function overWindows(fn: WindowFn, opts: { keepName?: boolean; allowDuplicates?: boolean } = {}): Kernel {
  return async (ev, call) => {
    const mIdx = call.args.findIndex((a) => { const u = unwrapParens(a); return u.kind === 'MatrixSelector' || u.kind === 'SubqueryExpr'; });
    const idx = mIdx >= 0 ? mIdx : 0;
    const m = await evalMatrixArg(ev, call, idx);
    const scalars: Float64Array[] = [];
    for (let a = 0; a < call.args.length; a++) if (a !== idx) scalars.push((await ev.evalScalar(call.args[a])).values);
    const n = ev.steps;
    const out: StepSeries[] = [];
    const w: Window = { ts: new Float64Array(0), vs: new Float64Array(0), lo: 0, hi: 0, start: 0, end: 0, rangeMs: m.rangeMs, stepTime: 0, args: scalars.map(() => 0) };
    for (const s of m.series) {
      const ss = newStepSeries(opts.keepName ? s.labels : dropMetricName(s.labels), n);
      let any = false;
      w.ts = s.ts; w.vs = s.vs;
      for (let i = 0; i < n; i++) {
        const end = m.windowEnds[i];
        const start = end - m.rangeMs;
        const lo = lowerBound(s.ts, start);
        const hi = upperBound(s.ts, end, lo);
        if (hi <= lo) continue;
        w.lo = lo; w.hi = hi; w.start = start; w.end = end; w.stepTime = ev.times[i];
        for (let a = 0; a < scalars.length; a++) w.args[a] = scalars[a][i];
        const v = fn(w);
        if (v === undefined) continue;
        ss.present[i] = 1;
        ss.values[i] = v;
        any = true;
      }
      if (any) out.push(ss);
    }
    // Prometheus rejects a result matrix with two series of one label set, even at different steps.
    const seen = new Set<string>();
    if (!opts.allowDuplicates) for (const s of out) {
      const k = labelsKey(s.labels);
      if (seen.has(k)) throw new PromQLEvalError('DUPLICATE_LABELSET', EVAL_ERROR_CODES.DUPLICATE_LABELSET, call.posRange);
      seen.add(k);
    }
    return { type: 'vector', series: out } satisfies EvalValue;
  };
}

/** Neumaier-compensated summation step (Prometheus kahanSumInc); returns the new sum, sets kahanC. */
let kahanC = 0;
function kahanInc(inc: number, sum: number): number {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) kahanC += (sum - t) + inc;
  else kahanC += (inc - t) + sum;
  return t;
}

/** rate, increase, delta: the change over the window, extrapolated towards its edges. */
function extrapolatedRate(isCounter: boolean, isRate: boolean): WindowFn {
  return ({ ts, vs, lo, hi, start, end, rangeMs }) => {
    const count = hi - lo;
    if (count < 2) return undefined;
    const firstT = ts[lo], lastT = ts[hi - 1];
    let result = vs[hi - 1] - vs[lo];
    if (isCounter) {
      let last = 0;
      for (let i = lo; i < hi; i++) { if (vs[i] < last) result += last; last = vs[i]; }
    }
    let durationToStart = (firstT - start) / 1000;
    const durationToEnd = (end - lastT) / 1000;
    const sampledInterval = (lastT - firstT) / 1000;
    const avgBetween = sampledInterval / (count - 1);
    if (isCounter && result > 0 && vs[lo] >= 0) {
      // A counter cannot go below zero: do not extrapolate past the point where it would.
      const durationToZero = sampledInterval * (vs[lo] / result);
      if (durationToZero < durationToStart) durationToStart = durationToZero;
    }
    const threshold = avgBetween * 1.1;
    let interval = sampledInterval;
    interval += durationToStart < threshold ? durationToStart : avgBetween / 2;
    interval += durationToEnd < threshold ? durationToEnd : avgBetween / 2;
    result = result * (interval / sampledInterval);
    if (isRate) result /= rangeMs / 1000;
    return result;
  };
}

/** irate, idelta: from the last two samples. */
function instantValue(isRate: boolean): WindowFn {
  return ({ ts, vs, lo, hi }) => {
    if (hi - lo < 2) return undefined;
    const last = vs[hi - 1], prev = vs[hi - 2];
    let result = isRate && last < prev ? last : last - prev;
    const interval = ts[hi - 1] - ts[hi - 2];
    if (interval === 0) return undefined;
    if (isRate) result /= interval / 1000;
    return result;
  };
}

/** Least-squares fit of the window against time (seconds relative to interceptTime). */
function linearRegression(ts: Float64Array, vs: Float64Array, lo: number, hi: number, interceptTime: number): [number, number] {
  let n = 0, sumX = 0, cX = 0, sumY = 0, cY = 0, sumXY = 0, cXY = 0, sumX2 = 0, cX2 = 0;
  const initY = vs[lo];
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = vs[i];
    if (constY && i > lo && y !== initY) constY = false;
    n++;
    const x = (ts[i] - interceptTime) / 1000;
    kahanC = cX; sumX = kahanInc(x, sumX); cX = kahanC;
    kahanC = cY; sumY = kahanInc(y, sumY); cY = kahanC;
    kahanC = cXY; sumXY = kahanInc(x * y, sumXY); cXY = kahanC;
    kahanC = cX2; sumX2 = kahanInc(x * x, sumX2); cX2 = kahanC;
  }
  if (constY) {
    if (initY === Infinity || initY === -Infinity) return [NaN, NaN];
    return [0, initY];
  }
  sumX += cX; sumY += cY; sumXY += cXY; sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function holtWinters(w: Window): number | undefined {
  const sf = w.args[0], tf = w.args[1];
  if (!(sf > 0 && sf < 1)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf}`);
  if (!(tf > 0 && tf < 1)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid trend factor. Expected: 0 < tf < 1, got: ${tf}`);
  const { vs, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  let s0 = 0, s1 = vs[lo], b = vs[lo + 1] - vs[lo];
  for (let i = lo + 1; i < hi; i++) {
    const x = sf * vs[i];
    // Trend from the previous two smoothed values (the first step keeps the initial trend).
    if (i - 1 > lo) b = tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1; s1 = x + y;
  }
  return s1;
}

export const RANGE_KERNELS: Record<string, Kernel> = {
  rate: overWindows(extrapolatedRate(true, true)),
  increase: overWindows(extrapolatedRate(true, false)),
  delta: overWindows(extrapolatedRate(false, false)),
  irate: overWindows(instantValue(true)),
  idelta: overWindows(instantValue(false)),
  deriv: overWindows(({ ts, vs, lo, hi }) => (hi - lo < 2 ? undefined : linearRegression(ts, vs, lo, hi, ts[lo])[0])),
  predict_linear: overWindows(({ ts, vs, lo, hi, stepTime, args }) => {
    if (hi - lo < 2) return undefined;
    const [slope, intercept] = linearRegression(ts, vs, lo, hi, stepTime);
    return slope * args[0] + intercept;
  }),
  holt_winters: overWindows(holtWinters),
  changes: overWindows(({ vs, lo, hi }) => {
    let c = 0;
    for (let i = lo + 1; i < hi; i++) {
      const cur = vs[i], prev = vs[i - 1];
      if (cur !== prev && !(cur !== cur && prev !== prev)) c++;
    }
    return c;
  }),
  resets: overWindows(({ vs, lo, hi }) => {
    let c = 0;
    for (let i = lo + 1; i < hi; i++) if (vs[i] < vs[i - 1]) c++;
    return c;
  }),
  avg_over_time: overWindows(({ vs, lo, hi }) => {
    let mean = 0, count = 0;
    kahanC = 0;
    for (let i = lo; i < hi; i++) {
      const v = vs[i];
      count++;
      if (mean === Infinity || mean === -Infinity) {
        if ((v === Infinity || v === -Infinity) && (mean > 0) === (v > 0)) continue;
        if (v !== Infinity && v !== -Infinity && v === v) continue;
      }
      mean = kahanInc(v / count - mean / count, mean);
    }
    return mean === Infinity || mean === -Infinity ? mean : mean + kahanC;
  }),
  sum_over_time: overWindows(({ vs, lo, hi }) => {
    let sum = 0;
    kahanC = 0;
    for (let i = lo; i < hi; i++) sum = kahanInc(vs[i], sum);
    return sum === Infinity || sum === -Infinity ? sum : sum + kahanC;
  }),
  count_over_time: overWindows(({ lo, hi }) => hi - lo),
  min_over_time: overWindows(({ vs, lo, hi }) => {
    let m = vs[lo];
    for (let i = lo; i < hi; i++) if (vs[i] < m || m !== m) m = vs[i];
    return m;
  }),
  max_over_time: overWindows(({ vs, lo, hi }) => {
    let m = vs[lo];
    for (let i = lo; i < hi; i++) if (vs[i] > m || m !== m) m = vs[i];
    return m;
  }),
  stddev_over_time: overWindows((w) => Math.sqrt(variance(w))),
  stdvar_over_time: overWindows(variance),
  last_over_time: overWindows(({ vs, hi }) => vs[hi - 1], { keepName: true }),
  present_over_time: overWindows(() => 1),
  quantile_over_time: overWindows(({ vs, lo, hi, args }) => quantile(args[0], Array.from(vs.subarray(lo, hi)))),
};

function variance({ vs, lo, hi }: Window): number {
  let count = 0, mean = 0, cMean = 0, aux = 0, cAux = 0;
  for (let i = lo; i < hi; i++) {
    const v = vs[i];
    count++;
    const delta = v - (mean + cMean);
    kahanC = cMean; mean = kahanInc(delta / count, mean); cMean = kahanC;
    kahanC = cAux; aux = kahanInc(delta * (v - (mean + cMean)), aux); cAux = kahanC;
  }
  return (aux + cAux) / count;
}
