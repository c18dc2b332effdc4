// histogram_quantile over classic `le` buckets. Buckets are grouped by their labels without
// `le` and the metric name; a series whose `le` is not a number is ignored. The native
// histogram functions find no native histograms among float samples and return nothing.
import type { Evaluator } from '../evaluator.ts';
import { bucketQuantile, type Bucket } from '../quantile.ts';
import { labelsKey, type Labels, type StepSeries } from '../values.ts';
import { SeriesBuilder } from '../vector-ops.ts';
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
      // Grouped with the metric name; the name is dropped only from the output, so two
      // histograms differing only by name collide there (Prometheus issue 9910).
      const labels: Labels = { ...s.labels };
      delete labels.le;
      const key = labelsKey(labels);
      delete labels.__name__;
      let g = groups.get(key);
      if (!g) { g = { labels, members: [] }; groups.set(key, g); }
      g.members.push({ s, le });
    }
    const out = new SeriesBuilder(n);
    const buckets: Bucket[] = [];
    for (const g of groups.values()) {
      const ss = out.get(g.labels);
      for (let i = 0; i < n; i++) {
        buckets.length = 0;
        for (const m of g.members) if (m.s.present[i]) buckets.push({ upperBound: m.le, count: m.s.values[i] });
        if (buckets.length === 0) continue;
        out.set(ss, i, bucketQuantile(q[i], buckets));
      }
    }
    return out.result();
  },
  histogram_count: emptyVector,
  histogram_sum: emptyVector,
  histogram_fraction: emptyVector,
};
