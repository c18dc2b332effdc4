// Element-wise functions over an instant vector. All drop the metric name, as Prometheus's
// simpleFunc does.
import type { Call } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { mapVector } from '../vector-ops.ts';
import { scalarArgs, type Kernel } from './kernel.ts';

function elementwise(f: (x: number) => number): Kernel {
  return async (ev: Evaluator, call: Call) => mapVector(ev, await ev.evalVector(call.args[0]), f, true);
}

const sgn = (x: number): number => (x < 0 ? -1 : x > 0 ? 1 : x);

export const MATH_KERNELS: Record<string, Kernel> = {
  abs: elementwise(Math.abs),
  ceil: elementwise(Math.ceil),
  floor: elementwise(Math.floor),
  exp: elementwise(Math.exp),
  sqrt: elementwise(Math.sqrt),
  ln: elementwise(Math.log),
  log2: elementwise(Math.log2),
  log10: elementwise(Math.log10),
  sgn: elementwise(sgn),
  acos: elementwise(Math.acos),
  acosh: elementwise(Math.acosh),
  asin: elementwise(Math.asin),
  asinh: elementwise(Math.asinh),
  atan: elementwise(Math.atan),
  atanh: elementwise(Math.atanh),
  cos: elementwise(Math.cos),
  cosh: elementwise(Math.cosh),
  sin: elementwise(Math.sin),
  sinh: elementwise(Math.sinh),
  tan: elementwise(Math.tan),
  tanh: elementwise(Math.tanh),
  deg: elementwise((x) => (x * 180) / Math.PI),
  rad: elementwise((x) => (x * Math.PI) / 180),
  pi: async (ev) => ev.scalar(Math.PI),
  round: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const [to] = await scalarArgs(ev, call, 1);
    return mapVector(ev, v, (x, i) => {
      const inv = 1 / (to ? to[i] : 1);
      return Math.floor(x * inv + 0.5) / inv;
    }, true);
  },
  clamp: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const [min, max] = await scalarArgs(ev, call, 1);
    const out = mapVector(ev, v, (x, i) => Math.max(min![i], Math.min(max![i], x)), true);
    // max < min yields an empty vector at that step.
    for (const s of out.series) for (let i = 0; i < ev.steps; i++) if (max![i] < min![i]) s.present[i] = 0;
    return { type: 'vector', series: out.series.filter((s) => s.present.includes(1)) };
  },
  clamp_min: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const [min] = await scalarArgs(ev, call, 1);
    return mapVector(ev, v, (x, i) => Math.max(min![i], x), true);
  },
  clamp_max: async (ev, call) => {
    const v = await ev.evalVector(call.args[0]);
    const [max] = await scalarArgs(ev, call, 1);
    return mapVector(ev, v, (x, i) => Math.min(max![i], x), true);
  },
};
