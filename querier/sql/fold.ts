/**
 * Constant folding: `now() - interval '1 hour'` becomes one timestamp literal before
 * planning, so stores compare `time` with a constant and every path sees the same value.
 */
import type { Expr } from '../../storage-adapters/fragment.ts';
import { lookupFunction } from './functions.ts';
import { castValue } from './values.ts';
import { mapExpr, lit } from './plan.ts';

export function foldConstants(e: Expr): Expr {
  return mapExpr(e, (x) => {
    if (x.kind === 'call' && x.args.every((a) => a.kind === 'literal')) {
      const def = lookupFunction(x.fn)!;
      const vals = x.args.map((a) => (a.kind === 'literal' ? a.value : null));
      if (!def.nullAware && vals.includes(null)) return lit(null, x.type);
      return lit(def.eval(vals, x.args.map((a) => a.type)), x.type);
    }
    if (x.kind === 'cast' && x.arg.kind === 'literal') return lit(castValue(x.arg.value, x.arg.type, x.type), x.type);
    return x;
  });
}
