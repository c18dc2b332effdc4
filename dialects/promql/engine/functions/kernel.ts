// The shape of a function kernel and helpers shared by the kernel files.
import type { Call, Expr } from '../../ast.ts';
import type { Evaluator } from '../evaluator.ts';
import { PromQLEvalError } from '../errors.ts';
import type { EvalValue } from '../values.ts';

/** Evaluates one call of a PromQL function over the evaluator's step grid. */
export type Kernel = (ev: Evaluator, call: Call) => Promise<EvalValue>;

/** Strips parentheses, as Prometheus does before looking at an argument's node type. */
export function unwrapParens(e: Expr): Expr {
  while (e.kind === 'ParenExpr') e = e.expr;
  return e;
}

/** Evaluates a string argument. */
export async function stringArg(ev: Evaluator, call: Call, i: number): Promise<string> {
  const v = await ev.eval(call.args[i]);
  if (v.type !== 'string') throw new PromQLEvalError('INVALID_ARGUMENT', `${call.func}(): argument ${i + 1} must be a string`, call.posRange);
  return v.value;
}

/** Evaluates the scalar arguments from index `from` on (missing optional ones stay undefined). */
export async function scalarArgs(ev: Evaluator, call: Call, from: number): Promise<(Float64Array | undefined)[]> {
  const out: (Float64Array | undefined)[] = [];
  for (let i = from; i < call.args.length; i++) out.push((await ev.evalScalar(call.args[i])).values);
  return out;
}
