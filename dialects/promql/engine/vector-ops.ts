// Building output vectors: series are keyed by label set, and two inputs landing on the same
// label set at the same step is Prometheus's "vector cannot contain metrics with the same
// labelset" error.
import { PromQLEvalError, EVAL_ERROR_CODES, type EvalErrorCode } from './errors.ts';
import { anyPresent, dropMetricName, labelsKey, newStepSeries, type Labels, type StepSeries, type VectorValue } from './values.ts';
import type { Evaluator } from './evaluator.ts';

/** Collects output series by label set and rejects two samples for one label set at one step. */
export class SeriesBuilder {
  private readonly byKey = new Map<string, StepSeries>();
  private readonly order: StepSeries[] = [];

  constructor(readonly steps: number) {}

  /** The output series for `labels` (created on first use). */
  get(labels: Labels, key = labelsKey(labels)): StepSeries {
    let s = this.byKey.get(key);
    if (!s) {
      s = newStepSeries(labels, this.steps);
      this.byKey.set(key, s);
      this.order.push(s);
    }
    return s;
  }

  /** Writes one sample; a second write at the same step is an error. */
  set(s: StepSeries, i: number, v: number, code: EvalErrorCode = 'DUPLICATE_LABELSET'): void {
    if (s.present[i] === 1) throw new PromQLEvalError(code, EVAL_ERROR_CODES[code]);
    s.present[i] = 1;
    s.values[i] = v;
  }

  /** Output series with at least one sample, in creation order. */
  result(): VectorValue {
    return { type: 'vector', series: this.order.filter(anyPresent) };
  }
}

/**
 * Applies f to every sample. With dropName the metric name is removed, which can make two
 * series collide; without it the label sets stay distinct and the fast path copies nothing
 * but values.
 */
export function mapVector(ev: Evaluator, v: VectorValue, f: (x: number, step: number) => number, dropName: boolean): VectorValue {
  const n = ev.steps;
  if (!dropName || !v.series.some((s) => '__name__' in s.labels)) {
    return {
      type: 'vector',
      series: v.series.map((s) => {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) if (s.present[i]) values[i] = f(s.values[i], i);
        return { labels: s.labels, values, present: s.present };
      }),
    };
  }
  const b = new SeriesBuilder(n);
  for (const s of v.series) {
    const out = b.get(dropMetricName(s.labels));
    for (let i = 0; i < n; i++) if (s.present[i]) b.set(out, i, f(s.values[i], i));
  }
  return b.result();
}

/** Relabels every series (values unchanged), rejecting collisions at a step. */
export function relabelVector(ev: Evaluator, v: VectorValue, relabel: (l: Labels) => Labels): VectorValue {
  const b = new SeriesBuilder(ev.steps);
  for (const s of v.series) {
    const out = b.get(relabel(s.labels));
    for (let i = 0; i < ev.steps; i++) if (s.present[i]) b.set(out, i, s.values[i]);
  }
  return b.result();
}
