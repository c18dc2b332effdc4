// Aggregation operators with by/without. Series are assigned to groups once; simple
// aggregations then run series-major over typed per-group accumulators, while topk/bottomk,
// quantile and count_values work step by step.
import type { AggregateExpr } from '../ast.ts';
import type { Evaluator } from './evaluator.ts';
import { PromQLEvalError } from './errors.ts';
import { quantile } from './quantile.ts';
import { SeriesBuilder } from './vector-ops.ts';
import { formatGoFloat, labelsKey, newStepSeries, type Labels, type StepSeries, type VectorValue } from './values.ts';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function groupLabels(labels: Labels, grouping: string[], without: boolean): Labels {
  const out: Labels = {};
  if (without) {
    const skip = new Set(grouping);
    for (const k in labels) if (k !== '__name__' && !skip.has(k)) out[k] = labels[k];
  } else {
    for (const k of grouping) if (labels[k] !== undefined && labels[k] !== '') out[k] = labels[k];
  }
  return out;
}

interface Groups { labels: Labels[]; members: number[][]; groupOf: Int32Array }

function assignGroups(series: StepSeries[], grouping: string[], without: boolean): Groups {
  const index = new Map<string, number>();
  const g: Groups = { labels: [], members: [], groupOf: new Int32Array(series.length) };
  series.forEach((s, i) => {
    const gl = groupLabels(s.labels, grouping, without);
    const key = labelsKey(gl);
    let gi = index.get(key);
    if (gi === undefined) { gi = g.labels.length; index.set(key, gi); g.labels.push(gl); g.members.push([]); }
    g.members[gi].push(i);
    g.groupOf[i] = gi;
  });
  return g;
}

export async function evalAggregate(ev: Evaluator, node: AggregateExpr): Promise<VectorValue> {
  const input = await ev.evalVector(node.expr);
  const n = ev.steps;
  const groups = assignGroups(input.series, node.grouping, node.without);
  switch (node.op) {
    case 'topk': case 'bottomk': {
      const k = await ev.evalScalar(node.param!);
      return topk(ev, input.series, groups, k.values, node.op === 'topk');
    }
    case 'quantile': {
      const q = await ev.evalScalar(node.param!);
      return perStep(ev, input.series, groups, (vals, i) => quantile(q.values[i], vals));
    }
    case 'count_values': {
      const p = await ev.eval(node.param!);
      if (p.type !== 'string') throw new PromQLEvalError('INVALID_ARGUMENT', 'count_values expects a string parameter', node.posRange);
      if (!LABEL_NAME.test(p.value)) throw new PromQLEvalError('INVALID_ARGUMENT', `invalid label name "${p.value}"`, node.posRange);
      return countValues(ev, input.series, node, p.value);
    }
    default:
      return simple(node.op, n, input.series, groups);
  }
}

/** sum, avg, count, min, max, group, stddev, stdvar: series-major accumulation. */
function simple(op: AggregateExpr['op'], n: number, series: StepSeries[], g: Groups): VectorValue {
  const G = g.labels.length;
  const count = new Float64Array(G * n);
  const acc = new Float64Array(G * n); // sum / mean / min / max / M2
  const mean = op === 'stddev' || op === 'stdvar' ? new Float64Array(G * n) : null;
  if (op === 'sum' || op === 'min' || op === 'max' || op === 'count' || op === 'group') accumulateSimple(op, n, series, g, count, acc);
  else accumulateMoments(op, n, series, g, count, acc, mean);
  const out: StepSeries[] = [];
  for (let gi = 0; gi < G; gi++) {
    const ss = newStepSeries(g.labels[gi], n);
    let any = false;
    for (let i = 0; i < n; i++) {
      const at = gi * n + i;
      const c = count[at];
      if (c === 0) continue;
      any = true;
      ss.present[i] = 1;
      switch (op) {
        case 'count': ss.values[i] = c; break;
        case 'group': ss.values[i] = 1; break;
        case 'stdvar': ss.values[i] = acc[at] / c; break;
        case 'stddev': ss.values[i] = Math.sqrt(acc[at] / c); break;
        default: ss.values[i] = acc[at];
      }
    }
    if (any) out.push(ss);
  }
  return { type: 'vector', series: out };
}

// sum, min, max, count and group get one loop each: a switch on the operator inside the
// per-sample loop cost more than the arithmetic (1k series × 1,441 steps is 1.4M samples).
function accumulateSimple(op: 'sum' | 'min' | 'max' | 'count' | 'group', n: number, series: StepSeries[], g: Groups, count: Float64Array, acc: Float64Array): void {
  for (let s = 0; s < series.length; s++) {
    const { values, present } = series[s];
    const base = g.groupOf[s] * n;
    if (op === 'sum') {
      for (let i = 0; i < n; i++) if (present[i]) { count[base + i]++; acc[base + i] += values[i]; }
    } else if (op === 'max') {
      for (let i = 0; i < n; i++) {
        if (!present[i]) continue;
        const at = base + i, v = values[i], a = acc[at];
        if (++count[at] === 1 || a < v || a !== a) acc[at] = v;
      }
    } else if (op === 'min') {
      for (let i = 0; i < n; i++) {
        if (!present[i]) continue;
        const at = base + i, v = values[i], a = acc[at];
        if (++count[at] === 1 || a > v || a !== a) acc[at] = v;
      }
    } else {
      for (let i = 0; i < n; i++) if (present[i]) count[base + i]++;
    }
  }
}

/** avg, stddev, stdvar: incremental mean (and M2), per sample. */
function accumulateMoments(op: AggregateExpr['op'], n: number, series: StepSeries[], g: Groups, count: Float64Array, acc: Float64Array, mean: Float64Array | null): void {
  for (let s = 0; s < series.length; s++) {
    const { values, present } = series[s];
    const base = g.groupOf[s] * n;
    for (let i = 0; i < n; i++) {
      if (!present[i]) continue;
      const v = values[i];
      const at = base + i;
      const c = ++count[at];
      if (op === 'avg') {
        const m = acc[at];
        if (c === 1) { acc[at] = v; continue; }
        // Incremental mean avoids overflow; an infinite mean stays unless a NaN or an opposite infinity arrives.
        if (m === Infinity || m === -Infinity) {
          if ((v === Infinity || v === -Infinity) && (m > 0) === (v > 0)) continue;
          if (v !== Infinity && v !== -Infinity && v === v) continue;
        }
        acc[at] = m + (v / c - m / c);
      } else {
        const delta = v - mean![at];
        mean![at] += delta / c;
        acc[at] += delta * (v - mean![at]);
      }
    }
  }
}

/** Aggregations needing all of a group's values at a step. */
function perStep(ev: Evaluator, series: StepSeries[], g: Groups, f: (vals: number[], step: number) => number): VectorValue {
  const n = ev.steps;
  const out: StepSeries[] = [];
  const vals: number[] = [];
  for (let gi = 0; gi < g.labels.length; gi++) {
    const ss = newStepSeries(g.labels[gi], n);
    let any = false;
    for (let i = 0; i < n; i++) {
      vals.length = 0;
      for (const m of g.members[gi]) if (series[m].present[i]) vals.push(series[m].values[i]);
      if (vals.length === 0) continue;
      ss.present[i] = 1;
      ss.values[i] = f(vals, i);
      any = true;
    }
    if (any) out.push(ss);
  }
  return { type: 'vector', series: out };
}

/**
 * topk/bottomk keep the input series' labels. Per group and step the k best are kept in a
 * binary heap with the worst on top, driven exactly as Prometheus 2.42 drives Go's
 * container/heap (replace via Pop+Push, in place for k = 1) with its Less functions, so ties
 * and NaNs resolve to the same series. Output series are created in rank order at the first
 * step, so an instant query returns them sorted.
 */
function topk(ev: Evaluator, series: StepSeries[], g: Groups, ks: Float64Array, top: boolean): VectorValue {
  const n = ev.steps;
  const outs = new Map<number, StepSeries>();
  const order: StepSeries[] = [];
  const heap: number[] = []; // series indices
  const hv: number[] = []; // their values at this step
  // vectorByValueHeap (topk) / vectorByReverseValueHeap (bottomk): NaN is always "less".
  const less = (i: number, j: number): boolean => (hv[i] !== hv[i] ? true : top ? hv[i] < hv[j] : hv[i] > hv[j]);
  const swap = (i: number, j: number): void => {
    const a = heap[i]; heap[i] = heap[j]; heap[j] = a;
    const b = hv[i]; hv[i] = hv[j]; hv[j] = b;
  };
  const up = (j: number): void => {
    for (;;) {
      const i = Math.trunc((j - 1) / 2);
      if (i === j || !less(j, i)) break;
      swap(i, j);
      j = i;
    }
  };
  const down = (i0: number, len: number): void => {
    let i = i0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= len) break;
      let j = j1;
      if (j1 + 1 < len && less(j1 + 1, j1)) j = j1 + 1;
      if (!less(j, i)) break;
      swap(i, j);
      i = j;
    }
  };
  for (let i = 0; i < n; i++) {
    const k = Math.trunc(ks[i]);
    if (!(k >= 1)) continue;
    for (let gi = 0; gi < g.labels.length; gi++) {
      heap.length = 0; hv.length = 0;
      for (const m of g.members[gi]) {
        if (!series[m].present[i]) continue;
        const v = series[m].values[i];
        if (heap.length < k) { heap.push(m); hv.push(v); up(heap.length - 1); continue; }
        const root = hv[0];
        if (!((top ? root < v : root > v) || root !== root)) continue;
        if (k === 1) { heap[0] = m; hv[0] = v; continue; }
        swap(0, heap.length - 1); // heap.Pop
        down(0, heap.length - 1);
        heap[heap.length - 1] = m; hv[heap.length - 1] = v; // heap.Push
        up(heap.length - 1);
      }
      // sort.Sort(sort.Reverse(heap)): for up to 12 elements Go runs an insertion sort.
      for (let a = 1; a < heap.length; a++) for (let b = a; b > 0 && less(b - 1, b); b--) swap(b, b - 1);
      for (let h = 0; h < heap.length; h++) {
        const m = heap[h];
        let o = outs.get(m);
        if (!o) { o = newStepSeries(series[m].labels, n); outs.set(m, o); order.push(o); }
        o.present[i] = 1;
        o.values[i] = hv[h];
      }
    }
  }
  return { type: 'vector', series: order };
}

function countValues(ev: Evaluator, series: StepSeries[], node: AggregateExpr, label: string): VectorValue {
  const n = ev.steps;
  const b = new SeriesBuilder(n);
  for (const s of series) {
    for (let i = 0; i < n; i++) {
      if (!s.present[i]) continue;
      const gl = groupLabels({ ...s.labels, [label]: formatGoFloat(s.values[i]) }, node.without ? node.grouping : [...node.grouping, label], node.without);
      const out = b.get(gl);
      out.values[i] = out.present[i] ? out.values[i] + 1 : 1;
      out.present[i] = 1;
    }
  }
  return b.result();
}
