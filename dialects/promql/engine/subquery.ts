// Subqueries `expr[range:step]`: the inner expression is evaluated once over a grid of steps
// aligned to absolute time (multiples of the step, as Prometheus does), covering every
// outer step's window; each outer step then sees the inner points within [ref - range, ref].
import type { SubqueryExpr } from '../ast.ts';
import { Evaluator } from './evaluator.ts';
import { PromQLEvalError } from './errors.ts';
import type { MatrixValue, RangeSeries } from './values.ts';

export async function evalSubquery(ev: Evaluator, node: SubqueryExpr): Promise<MatrixValue> {
  const refs = ev.referenceTimes(node.at, node.offsetMs);
  const step = node.stepMs > 0 ? node.stepMs : ev.ctx.defaultSubqueryStepMs;
  const minRef = Math.min(refs[0], refs[refs.length - 1]);
  const maxRef = Math.max(refs[0], refs[refs.length - 1]);
  // First multiple of the step at or after the earliest window start.
  const start = Math.ceil((minRef - node.rangeMs) / step) * step;
  const count = start > maxRef ? 0 : Math.floor((maxRef - start) / step) + 1;
  const times = new Float64Array(count);
  for (let i = 0; i < count; i++) times[i] = start + i * step;
  const inner = new Evaluator(ev.ctx, times, step);
  const v = count > 0 ? await inner.eval(node.expr) : { type: 'vector' as const, series: [] };
  const series: RangeSeries[] = [];
  if (v.type === 'scalar') {
    series.push({ labels: {}, ts: times, vs: v.values });
  } else if (v.type === 'vector') {
    for (const s of v.series) {
      let m = 0;
      for (let i = 0; i < count; i++) m += s.present[i];
      if (m === 0) continue;
      const ts = new Float64Array(m);
      const vs = new Float64Array(m);
      let k = 0;
      for (let i = 0; i < count; i++) if (s.present[i]) { ts[k] = times[i]; vs[k] = s.values[i]; k++; }
      series.push({ labels: s.labels, ts, vs });
    }
  } else {
    throw new PromQLEvalError('INVALID_EXPRESSION_TYPE', `subquery is only allowed on instant vector or scalar, got ${v.type}`, node.posRange);
  }
  return { type: 'matrix', series, windowEnds: refs, rangeMs: node.rangeMs };
}
