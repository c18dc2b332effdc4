// time(), timestamp() and the calendar functions (UTC), which read a vector of Unix seconds
// or, without an argument, the evaluation time.
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { evalVectorSelector } from '../selectors.ts';
import { mapVector } from '../vector-ops.ts';
import { newStepSeries, type VectorValue } from '../values.ts';
import { unwrapParens, type Kernel } from './kernel.ts';

function calendar(f: (d: Date) => number): Kernel {
  return async (ev: Evaluator, call: Call) => {
    const apply = (secs: number): number => {
      if (!Number.isFinite(secs)) return NaN;
      return f(new Date(Math.trunc(secs) * 1000));
    };
    if (call.args.length === 0) {
      const s = newStepSeries({}, ev.steps);
      for (let i = 0; i < ev.steps; i++) { s.present[i] = 1; s.values[i] = apply(ev.times[i] / 1000); }
      return { type: 'vector', series: [s] } satisfies VectorValue;
    }
    return mapVector(ev, await ev.evalVector(call.args[0]), apply, true);
  };
}

export const TIME_KERNELS: Record<string, Kernel> = {
  time: async (ev) => ({ type: 'scalar', values: ev.times.map((t) => t / 1000) }),
  timestamp: async (ev, call) => {
    const arg = unwrapParens(call.args[0]);
    // On a selector, the sample's own timestamp; on anything else, the evaluation time.
    if (arg.kind === 'VectorSelector') {
      return mapVector(ev, await evalVectorSelector(ev, arg, { sampleTimestamps: true }), (x) => x, true);
    }
    return mapVector(ev, await ev.evalVector(arg), (_x, i) => ev.times[i] / 1000, true);
  },
  minute: calendar((d) => d.getUTCMinutes()),
  hour: calendar((d) => d.getUTCHours()),
  day_of_week: calendar((d) => d.getUTCDay()),
  day_of_month: calendar((d) => d.getUTCDate()),
  day_of_year: calendar((d) => Math.round((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1),
  days_in_month: calendar((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate()),
  month: calendar((d) => d.getUTCMonth() + 1),
  year: calendar((d) => d.getUTCFullYear()),
};
