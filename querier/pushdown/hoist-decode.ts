/**
 * Moves tag decoding above ORDER BY/LIMIT so those can go to the store. A SELECT list item that
 * is exactly a tag (`pod_1`) is split into the code (pushed) and its decoding (a residual
 * project over the store's rows). Decoding is row-by-row, so it commutes with a sort on other
 * columns and with LIMIT/OFFSET; a sort on the decoded name itself stays in the querier.
 */
import type { Expr, NamedExpr } from '../../storage-adapters/fragment.ts';
import { type Plan, col, walkExpr } from '../sql/plan.ts';

type Project = Extract<Plan, { kind: 'project' }>;

/** A project whose tag columns are decoded in a second, residual project. */
function splitDecode(p: Project): Plan {
  if (!p.columns.some((c) => c.expr.kind === 'tag')) return p;
  const lower: NamedExpr[] = p.columns.map((c) => (c.expr.kind === 'tag' ? { name: c.name, expr: c.expr.arg } : c));
  const upper: NamedExpr[] = p.columns.map((c) => (c.expr.kind === 'tag' ? { name: c.name, expr: { ...c.expr, arg: col(c.name, c.expr.arg.type) } } : { name: c.name, expr: col(c.name, c.expr.type) }));
  return { kind: 'project', input: { ...p, columns: lower }, columns: upper };
}

/** A project that only decodes tags in place: every column keeps its name and row position. */
const isDecode = (p: Plan): p is Project => p.kind === 'project' && p.columns.some((c) => c.expr.kind === 'tag') && p.columns.every((c) => {
  const inner = c.expr.kind === 'tag' ? c.expr.arg : c.expr;
  return inner.kind === 'column' && inner.name === c.name;
});
const decodedNames = (p: Project): Set<string> => new Set(p.columns.filter((c) => c.expr.kind === 'tag').map((c) => c.name));
const uses = (e: Expr, names: Set<string>): boolean => [...walkExpr(e)].some((x) => x.kind === 'column' && names.has(x.name));

export function hoistDecode(plan: Plan): Plan {
  switch (plan.kind) {
    case 'project': return splitDecode({ ...plan, input: hoistDecode(plan.input) });
    case 'sort': {
      const input = hoistDecode(plan.input);
      if (isDecode(input) && !plan.keys.some((k) => uses(k.expr, decodedNames(input)))) return { ...input, input: { ...plan, input: input.input } };
      return { ...plan, input };
    }
    case 'limit': {
      const input = hoistDecode(plan.input);
      if (isDecode(input)) return { ...input, input: { ...plan, input: input.input } };
      return { ...plan, input };
    }
    case 'filter': case 'aggregate': case 'distinct': case 'window': return { ...plan, input: hoistDecode(plan.input) } as Plan;
    case 'union': return { ...plan, inputs: plan.inputs.map(hoistDecode) };
    case 'join': return { ...plan, left: hoistDecode(plan.left), right: hoistDecode(plan.right) };
    default: return plan;
  }
}
