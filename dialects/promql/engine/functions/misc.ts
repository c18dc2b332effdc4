// absent/absent_over_time, vector, scalar, sort/sort_desc.
import type { Call, Expr } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { newStepSeries, type Labels, type VectorValue } from '../values.ts';
import { unwrapParens, type Kernel } from './kernel.ts';
import { overWindows } from './range.ts';

/** Labels of absent()'s output: the selector's equality matchers, minus names given twice. */
function absentLabels(arg: Expr): Labels {
  const e = unwrapParens(arg);
  const sel = e.kind === 'VectorSelector' ? e : e.kind === 'MatrixSelector' ? e.vectorSelector : null;
  if (!sel) return {};
  // A label is known only when exactly one matcher names it and that matcher is an equality.
  const count = new Map<string, number>();
  for (const m of sel.matchers) count.set(m.name, (count.get(m.name) ?? 0) + 1);
  const out: Labels = {};
  for (const m of sel.matchers) {
    if (m.type === '=' && m.name !== '__name__' && count.get(m.name) === 1) out[m.name] = m.value;
  }
  return out;
}

/** Sorts for instant queries; NaN goes last both ways. Range results carry no order. */
function sorter(desc: boolean): Kernel {
  return async (ev: Evaluator, call: Call) => {
    const v = await ev.evalVector(call.args[0]);
    const key = (s: VectorValue['series'][number]): number => s.values[0];
    const series = v.series.slice().sort((a, b) => {
      const x = key(a), y = key(b);
      if (x !== x || y !== y) return x !== x ? (y !== y ? 0 : 1) : -1;
      return desc ? y - x : x - y;
    });
    return { type: 'vector', series };
  };
}

const presentOverTime = overWindows(() => 1, { allowDuplicates: true });

export const MISC_KERNELS: Record<string, Kernel> = {
  absent: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const s = newStepSeries(absentLabels(call.args[0]), ev.steps);
    for (let i = 0; i < ev.steps; i++) {
      let any = 0;
      for (const x of v.series) any |= x.present[i];
      if (!any) { s.present[i] = 1; s.values[i] = 1; }
    }
    return { type: 'vector', series: s.present.includes(1) ? [s] : [] };
  },
  absent_over_time: async (ev, call) => {
    const v = (await presentOverTime(ev, call)) as VectorValue;
    const s = newStepSeries(absentLabels(call.args[0]), ev.steps);
    for (let i = 0; i < ev.steps; i++) {
      let any = 0;
      for (const x of v.series) any |= x.present[i];
      if (!any) { s.present[i] = 1; s.values[i] = 1; }
    }
    return { type: 'vector', series: s.present.includes(1) ? [s] : [] };
  },
  vector: async (ev, call) => {
    const sc = await ev.evalScalar(call.args[0]);
    const s = newStepSeries({}, ev.steps);
    s.values.set(sc.values);
    s.present.fill(1);
    return { type: 'vector', series: [s] };
  },
  scalar: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const out = new Float64Array(ev.steps).fill(NaN);
    for (let i = 0; i < ev.steps; i++) {
      let c = 0, val = NaN;
      for (const x of v.series) if (x.present[i]) { c++; val = x.values[i]; }
      if (c === 1) out[i] = val;
    }
    return { type: 'scalar', values: out };
  },
  sort: sorter(false),
  sort_desc: sorter(true),
};
