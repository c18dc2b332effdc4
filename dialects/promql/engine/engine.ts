// The engine's entry points: instant and range queries over a SeriesStore, with Prometheus's
// defaults (5m lookback, 1m subquery step), returning JSON-friendly results and warnings.
import type { Expr } from '../ast.ts';
import { typeOf } from '../ast.ts';
import type { SeriesStore } from '../storage.ts';
import { Evaluator, type QueryContext } from './evaluator.ts';
import { PromQLEvalError, Warnings } from './errors.ts';
import { selectorHints } from './hints.ts';
import { labelsKey, lowerBound, upperBound, type EvalValue, type MatrixSeries, type QueryResult, type QueryValue, type VectorSample } from './values.ts';

export interface EngineOptions {
  /** Instant-selector lookback in ms (default 5m). */
  lookbackDeltaMs?: number;
  /** Step of subqueries written without one, in ms (default 1m). */
  defaultSubqueryStepMs?: number;
  /** Most samples selectors may load for one query (default 50 million, as Prometheus). */
  maxSamples?: number;
  /** Cancels the evaluation (request closed, timeout). */
  signal?: AbortSignal;
}

const DEFAULT_LOOKBACK_MS = 5 * 60_000;
const DEFAULT_SUBQUERY_STEP_MS = 60_000;

function context(store: SeriesStore, expr: Expr, startMs: number, endMs: number, opts: EngineOptions): QueryContext {
  return {
    hints: selectorHints(expr),
    signal: opts.signal,
    maxSamples: opts.maxSamples ?? 50_000_000,
    samplesLoaded: 0,
    store,
    lookbackMs: opts.lookbackDeltaMs ?? DEFAULT_LOOKBACK_MS,
    defaultSubqueryStepMs: opts.defaultSubqueryStepMs ?? DEFAULT_SUBQUERY_STEP_MS,
    queryStartMs: startMs,
    queryEndMs: endMs,
    warnings: new Warnings(),
  };
}

/** Evaluates `expr` at one instant (ms since the epoch). */
export async function instantQuery(store: SeriesStore, expr: Expr, timeMs: number, opts: EngineOptions = {}): Promise<QueryResult> {
  const ctx = context(store, expr, timeMs, timeMs, opts);
  const ev = new Evaluator(ctx, Float64Array.of(timeMs), 0);
  const v = await ev.eval(expr);
  return { value: toInstantResult(v, timeMs), warnings: ctx.warnings.list() };
}

/** Evaluates `expr` at every step from start to end (inclusive), returning a matrix. */
export async function rangeQuery(store: SeriesStore, expr: Expr, startMs: number, endMs: number, stepMs: number, opts: EngineOptions = {}): Promise<QueryResult> {
  if (!(stepMs > 0)) throw new PromQLEvalError('INVALID_ARGUMENT', 'zero or negative query resolution step widths are not accepted');
  if (endMs < startMs) throw new PromQLEvalError('INVALID_ARGUMENT', 'end timestamp must not be before start time');
  const t = typeOf(expr);
  if (t !== 'scalar' && t !== 'vector') {
    throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `invalid expression type "${t === 'matrix' ? 'range vector' : t}" for range query, must be Scalar or instant Vector`, expr.posRange);
  }
  const ctx = context(store, expr, startMs, endMs, opts);
  const steps = Math.floor((endMs - startMs) / stepMs) + 1;
  const times = new Float64Array(steps);
  for (let i = 0; i < steps; i++) times[i] = startMs + i * stepMs;
  const ev = new Evaluator(ctx, times, stepMs);
  const v = await ev.eval(expr);
  return { value: toMatrixResult(v, times), warnings: ctx.warnings.list() };
}

function toInstantResult(v: EvalValue, t: number): QueryValue {
  switch (v.type) {
    case 'scalar': return { resultType: 'scalar', timestampMs: t, value: v.values[0] };
    case 'string': return { resultType: 'string', timestampMs: t, value: v.value };
    case 'vector': {
      const samples: VectorSample[] = [];
      for (const s of v.series) if (s.present[0]) samples.push({ labels: s.labels, timestampMs: t, value: s.values[0] });
      return { resultType: 'vector', samples };
    }
    case 'matrix': {
      const series: MatrixSeries[] = [];
      const end = v.windowEnds[0], start = end - v.rangeMs;
      for (const s of v.series) {
        const lo = lowerBound(s.ts, start), hi = upperBound(s.ts, end);
        if (hi > lo) series.push({ labels: s.labels, timestampsMs: s.ts.slice(lo, hi), values: s.vs.slice(lo, hi) });
      }
      return { resultType: 'matrix', series };
    }
  }
}

function toMatrixResult(v: EvalValue, times: Float64Array): QueryValue {
  if (v.type === 'scalar') {
    return { resultType: 'matrix', series: [{ labels: {}, timestampsMs: times.slice(), values: v.values.slice() }] };
  }
  if (v.type !== 'vector') throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `invalid expression type ${v.type} for range query`);
  // All points go into two slabs; each series gets views of its part.
  let total = 0;
  for (const s of v.series) for (let i = 0; i < times.length; i++) total += s.present[i];
  const allT = new Float64Array(total), allV = new Float64Array(total);
  const keyed: { key: string; series: MatrixSeries }[] = [];
  let at = 0;
  for (const s of v.series) {
    const from = at;
    for (let i = 0; i < times.length; i++) if (s.present[i]) { allT[at] = times[i]; allV[at] = s.values[i]; at++; }
    if (at === from) continue;
    keyed.push({ key: labelsKey(s.labels), series: { labels: s.labels, timestampsMs: allT.subarray(from, at), values: allV.subarray(from, at) } });
  }
  // Prometheus returns range results sorted by label set.
  keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { resultType: 'matrix', series: keyed.map((k) => k.series) };
}
