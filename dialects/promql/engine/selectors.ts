// Instant and range vector selectors. An instant selector takes, per step, the newest sample
// at or before the reference time and no older than the lookback delta (both ends inclusive in
// Prometheus 2.x), unless that sample is a staleness marker. A range selector keeps every
// sample in [ref - range, ref] except staleness markers.
import type { MatrixSelector, VectorSelector } from '../ast.ts';
import { staleFlags, type Series } from '../storage.ts';
import type { Evaluator } from './evaluator.ts';
import { labelsKey, newStepSeries, type MatrixValue, type RangeSeries, type StepSeries, type VectorValue } from './values.ts';

function toFloat64(a: Float64Array | number[]): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

/**
 * Store series sorted by labels, as Prometheus's storage returns them. Comparing the canonical
 * keys (name NUL value NUL …) orders like comparing label pairs one by one.
 */
function sortSeries(series: Series[]): Series[] {
  const keyed = series.map((s) => ({ s, k: labelsKey(s.labels) }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((x) => x.s);
}

/**
 * Evaluates an instant selector. With `sampleTimestamps` the value at each step is the
 * sample's own timestamp in seconds (what `timestamp(sel)` needs).
 */
export async function evalVectorSelector(ev: Evaluator, node: VectorSelector, opts: { sampleTimestamps?: boolean } = {}): Promise<VectorValue> {
  const refs = ev.referenceTimes(node.at, node.offsetMs);
  const lookback = ev.ctx.lookbackMs;
  const minRef = refs.length ? Math.min(refs[0], refs[refs.length - 1]) : 0;
  const maxRef = refs.length ? Math.max(refs[0], refs[refs.length - 1]) : 0;
  const raw = sortSeries(await ev.select(node, { start: minRef - lookback, end: maxRef, step: ev.stepMs, range: 0 }));
  const out: StepSeries[] = [];
  const n = ev.steps;
  const sampleTimestamps = opts.sampleTimestamps === true;
  for (const s of raw) {
    const ts = toFloat64(s.timestampsMs);
    const vs = s.values;
    const len = ts.length;
    const stale = staleFlags(vs);
    const ss = newStepSeries(s.labels, n);
    const { present, values } = ss;
    let any = false;
    let j = 0; // first sample index with ts > ref; refs never decrease
    for (let i = 0; i < n; i++) {
      const ref = refs[i];
      while (j < len && ts[j] <= ref) j++;
      const k = j - 1;
      if (k < 0 || ts[k] < ref - lookback || (stale !== null && stale[k] === 1)) continue;
      present[i] = 1;
      values[i] = sampleTimestamps ? ts[k] / 1000 : vs[k];
      any = true;
    }
    if (any) out.push(ss);
  }
  return { type: 'vector', series: out };
}

/** Samples of one stored series without staleness markers (copied only when it has some). */
function withoutStale(labels: Series['labels'], ts: Float64Array, vs: Float64Array): RangeSeries {
  const stale = staleFlags(vs);
  if (stale === null) return { labels, ts, vs };
  let kept = 0;
  for (let i = 0; i < vs.length; i++) kept += 1 - stale[i];
  const nts = new Float64Array(kept);
  const nvs = new Float64Array(kept);
  let m = 0;
  for (let i = 0; i < vs.length; i++) {
    if (stale[i]) continue;
    nts[m] = ts[i]; nvs[m] = vs[i]; m++;
  }
  return { labels, ts: nts, vs: nvs };
}

/** Evaluates a range selector into raw samples plus the per-step window ends. */
export async function evalMatrixSelector(ev: Evaluator, node: MatrixSelector): Promise<MatrixValue> {
  const vsel = node.vectorSelector;
  const refs = ev.referenceTimes(vsel.at, vsel.offsetMs);
  const minRef = refs.length ? Math.min(refs[0], refs[refs.length - 1]) : 0;
  const maxRef = refs.length ? Math.max(refs[0], refs[refs.length - 1]) : 0;
  const raw = sortSeries(await ev.select(vsel, { start: minRef - node.rangeMs, end: maxRef, step: ev.stepMs, range: node.rangeMs }));
  const series = raw.map((s) => withoutStale(s.labels, toFloat64(s.timestampsMs), s.values)).filter((s) => s.ts.length > 0);
  return { type: 'matrix', series, windowEnds: refs, rangeMs: node.rangeMs };
}
