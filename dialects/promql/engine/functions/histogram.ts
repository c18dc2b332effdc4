// histogram_quantile over classic `le` buckets. Buckets are grouped by their labels without
// `le` and the metric name; a series whose `le` is not a number is ignored. The native
// histogram functions find no native histograms among float samples and return nothing.
import type { Evaluator } from '../evaluator.ts';
import { bucketQuantile, type Bucket } from '../quantile.ts';
import { labelsKey, newStepSeries, type Labels, type StepSeries } from '../values.ts';
import type { Kernel } from './kernel.ts';

/** Go strconv.ParseFloat for bucket bounds (accepts +Inf, inf, NaN in any case). */
function parseBound(s: string | undefined): number | null {
  if (s === undefined) return null;
  const t = s.trim().toLowerCase();
  if (t === '+inf' || t === 'inf' || t === '+infinity' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t) && !/^[+-]?0x[0-9a-f]+$/.test(t)) return null;
  return Number(t);
}

const emptyVector: Kernel = async (ev, call) => {
  for (const a of call.args) await ev.eval(a);
  return { type: 'vector', series: [] };
};

export const HISTOGRAM_KERNELS: Record<string, Kernel> = {
  histogram_quantile: async (ev: Evaluator, call) => {
    const q = (await ev.evalScalar(call.args[0])).values;
    const v = await ev.evalVector(call.args[1]);
    const n = ev.steps;
    const groups = new Map<string, { labels: Labels; members: { s: StepSeries; le: number }[] }>();
    for (const s of v.series) {
      const le = parseBound(s.labels.le);
      if (le === null) continue;
      const labels: Labels = { ...s.labels };
      delete labels.le; delete labels.__name__;
      const key = labelsKey(labels);
      let g = groups.get(key);
      if (!g) { g = { labels, members: [] }; groups.set(key, g); }
      g.members.push({ s, le });
    }
    const out: StepSeries[] = [];
    const buckets: Bucket[] = [];
    for (const g of groups.values()) {
      const ss = newStepSeries(g.labels, n);
      let any = false;
      for (let i = 0; i < n; i++) {
        buckets.length = 0;
        for (const m of g.members) if (m.s.present[i]) buckets.push({ upperBound: m.le, count: m.s.values[i] });
        if (buckets.length === 0) continue;
        ss.present[i] = 1;
        ss.values[i] = bucketQuantile(q[i], buckets);
        any = true;
      }
      if (any) out.push(ss);
    }
    return { type: 'vector', series: out };
  },
  histogram_count: emptyVector,
  histogram_sum: emptyVector,
  histogram_fraction: emptyVector,
};
