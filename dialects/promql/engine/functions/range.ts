// Functions over range vectors (selectors or subqueries): rate/increase/delta with
// Prometheus's extrapolation, irate/idelta, deriv/predict_linear, holt_winters, changes,
// resets and the *_over_time family. A window kernel reads samples [lo, hi) of one series
// in place, so no per-window arrays are allocated.
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { PromQLEvalError, EVAL_ERROR_CODES } from '../errors.ts';
import { quantile } from '../quantile.ts';
import { dropMetricName, labelsKey, newStepSeries, type MatrixValue, type StepSeries, type EvalValue } from '../values.ts';
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
  /** With `counts` set: counts[j] = how many i in 1..j have a counter reset (or a change) at i. */
  counts: Int32Array;
}

/** Returns the value for the window, or undefined for no sample at this step. */
type WindowFn = (w: Window) => number | undefined;

async function evalMatrixArg(ev: Evaluator, call: Call, idx: number): Promise<MatrixValue> {
  const arg = unwrapParens(call.args[idx]);
  const v = arg.kind === 'MatrixSelector' ? await evalMatrixSelector(ev, arg) : await ev.eval(arg);
  if (v.type !== 'matrix') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `${call.func}(): expected range vector, got ${v.type}`, call.posRange);
  return v;
}

/** Builds a kernel applying fn to each series' window at each step. */
export interface WindowOptions {
  /** Keep the metric name (only last_over_time does). */
  keepName?: boolean;
  /** Skip the duplicate label set check (absent_over_time only needs presence). */
  allowDuplicates?: boolean;
  /** Precompute per series a running count of counter resets or value changes. */
  counts?: 'resets' | 'changes';
}

// Running counts turn resets()/changes() into O(1) per window and let rate() skip its
// reset-correction loop for windows without resets (the usual case); results stay exact.
function fillCounts(vs: Float64Array, kind: 'resets' | 'changes', out: Int32Array): void {
  out[0] = 0;
  for (let j = 1; j < vs.length; j++) {
    const cur = vs[j], prev = vs[j - 1];
    const hit = kind === 'resets' ? cur < prev : cur !== prev && !(cur !== cur && prev !== prev);
    out[j] = out[j - 1] + (hit ? 1 : 0);
  }
}

export function overWindows(fn: WindowFn, opts: WindowOptions = {}): Kernel {
  return async (ev, call) => {
    const mIdx = call.args.findIndex((a) => { const u = unwrapParens(a); return u.kind === 'MatrixSelector' || u.kind === 'SubqueryExpr'; });
    const idx = mIdx >= 0 ? mIdx : 0;
    const m = await evalMatrixArg(ev, call, idx);
    const scalars: Float64Array[] = [];
    for (let a = 0; a < call.args.length; a++) if (a !== idx) scalars.push((await ev.evalScalar(call.args[a])).values);
    const n = ev.steps;
    const out: StepSeries[] = [];
    const w: Window = { ts: new Float64Array(0), vs: new Float64Array(0), lo: 0, hi: 0, start: 0, end: 0, rangeMs: m.rangeMs, stepTime: 0, args: scalars.map(() => 0), counts: new Int32Array(0) };
    for (const s of m.series) {
      const ss = newStepSeries(opts.keepName ? s.labels : dropMetricName(s.labels), n);
      let any = false;
      w.ts = s.ts; w.vs = s.vs;
      if (opts.counts) {
        if (w.counts.length < s.vs.length) w.counts = new Int32Array(s.vs.length);
        fillCounts(s.vs, opts.counts, w.counts);
      }
      const ts = s.ts, len = ts.length, ends = m.windowEnds, rangeMs = m.rangeMs, times = ev.times;
      const { present, values } = ss;
      let lo = 0, hi = 0;
      for (let i = 0; i < n; i++) {
        const end = ends[i];
        const start = end - rangeMs;
        // Window ends never decrease, so both bounds only move forward.
        while (lo < len && ts[lo] < start) lo++;
        if (hi < lo) hi = lo;
        while (hi < len && ts[hi] <= end) hi++;
        if (hi <= lo) continue;
        w.lo = lo; w.hi = hi; w.start = start; w.end = end; w.stepTime = times[i];
        for (let a = 0; a < scalars.length; a++) w.args[a] = scalars[a][i];
        const v = fn(w);
        if (v === undefined) continue;
        present[i] = 1;
        values[i] = v;
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

// Sums use Neumaier-compensated (Kahan) summation like Prometheus's kahanSumInc. It is written
// out inline in each loop: a shared helper returning two doubles would box them on the heap for
// every sample.

/** rate, increase, delta: the change over the window, extrapolated towards its edges. */
function extrapolatedRate(isCounter: boolean, isRate: boolean): WindowFn {
  return ({ ts, vs, lo, hi, start, end, rangeMs, counts }) => {
    const count = hi - lo;
    if (count < 2) return undefined;
    const firstT = ts[lo], lastT = ts[hi - 1];
    let result = vs[hi - 1] - vs[lo];
    if (isCounter && (counts[hi - 1] - counts[lo] > 0 || vs[lo] < 0)) {
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
    // Same operation order as Prometheus (factor first), so results agree to the last bit.
    let factor = interval / sampledInterval;
    if (isRate) factor /= rangeMs / 1000;
    return result * factor;
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
    let t = sumX + x;
    cX += Math.abs(sumX) >= Math.abs(x) ? (sumX - t) + x : (x - t) + sumX;
    sumX = t;
    t = sumY + y;
    cY += Math.abs(sumY) >= Math.abs(y) ? (sumY - t) + y : (y - t) + sumY;
    sumY = t;
    const xy = x * y;
    t = sumXY + xy;
    cXY += Math.abs(sumXY) >= Math.abs(xy) ? (sumXY - t) + xy : (xy - t) + sumXY;
    sumXY = t;
    const xx = x * x;
    t = sumX2 + xx;
    cX2 += Math.abs(sumX2) >= Math.abs(xx) ? (sumX2 - t) + xx : (xx - t) + sumX2;
    sumX2 = t;
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
  rate: overWindows(extrapolatedRate(true, true), { counts: 'resets' }),
  increase: overWindows(extrapolatedRate(true, false), { counts: 'resets' }),
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
  changes: overWindows(({ lo, hi, counts }) => counts[hi - 1] - counts[lo], { counts: 'changes' }),
  resets: overWindows(({ lo, hi, counts }) => counts[hi - 1] - counts[lo], { counts: 'resets' }),
  avg_over_time: overWindows(({ vs, lo, hi }) => {
    let mean = 0, c = 0, count = 0;
    for (let i = lo; i < hi; i++) {
      const v = vs[i];
      count++;
      if (mean === Infinity || mean === -Infinity) {
        if ((v === Infinity || v === -Infinity) && (mean > 0) === (v > 0)) continue;
        if (v !== Infinity && v !== -Infinity && v === v) continue;
      }
      const inc = v / count - mean / count;
      const t = mean + inc;
      c += Math.abs(mean) >= Math.abs(inc) ? (mean - t) + inc : (inc - t) + mean;
      mean = t;
    }
    return mean === Infinity || mean === -Infinity ? mean : mean + c;
  }),
  sum_over_time: overWindows(({ vs, lo, hi }) => {
    let sum = 0, c = 0;
    for (let i = lo; i < hi; i++) {
      const v = vs[i];
      const t = sum + v;
      c += Math.abs(sum) >= Math.abs(v) ? (sum - t) + v : (v - t) + sum;
      sum = t;
    }
    return sum === Infinity || sum === -Infinity ? sum : sum + c;
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
    const dm = delta / count;
    let t = mean + dm;
    cMean += Math.abs(mean) >= Math.abs(dm) ? (mean - t) + dm : (dm - t) + mean;
    mean = t;
    const da = delta * (v - (mean + cMean));
    t = aux + da;
    cAux += Math.abs(aux) >= Math.abs(da) ? (aux - t) + da : (da - t) + aux;
    aux = t;
  }
  return (aux + cAux) / count;
}
