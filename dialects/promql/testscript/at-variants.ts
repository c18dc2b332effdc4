// Prometheus's test.go re-runs every instant eval with `@ <eval time>` pinned on each
// selector and subquery (not inside a subquery that has one) at other evaluation times; the
// answer must not change. Expressions using functions whose result depends on the evaluation
// time itself are skipped, as there.
import { children, type Expr, type ExprKind, type NodeOf } from '../ast.ts';

/** Functions whose result varies with evaluation time even when their arguments do not. */
const AT_UNSAFE_FUNCTIONS = new Set([
  'days_in_month', 'day_of_month', 'day_of_week', 'day_of_year', 'hour', 'minute', 'month', 'year',
  'predict_linear', 'time', 'timestamp',
]);

type Pin = { [K in ExprKind]: (n: NodeOf<K>, ms: number) => Expr };

const pin: Pin = {
  NumberLiteral: (n) => n,
  StringLiteral: (n) => n,
  VectorSelector: (n, ms) => (n.at === null ? { ...n, at: { kind: 'time', ms } } : n),
  MatrixSelector: (n, ms) => ({ ...n, vectorSelector: pin.VectorSelector(n.vectorSelector, ms) as NodeOf<'VectorSelector'> }),
  // Once a subquery carries @, everything inside it is evaluated relative to that time.
  SubqueryExpr: (n, ms) => (n.at === null ? { ...n, at: { kind: 'time', ms } } : n),
  ParenExpr: (n, ms) => ({ ...n, expr: pinAt(n.expr, ms) }),
  UnaryExpr: (n, ms) => ({ ...n, expr: pinAt(n.expr, ms) }),
  BinaryExpr: (n, ms) => ({ ...n, lhs: pinAt(n.lhs, ms), rhs: pinAt(n.rhs, ms) }),
  AggregateExpr: (n, ms) => ({ ...n, expr: pinAt(n.expr, ms), param: n.param && pinAt(n.param, ms) }),
  Call: (n, ms) => ({ ...n, args: n.args.map((a) => pinAt(a, ms)) }),
};

/** A copy of expr with `@ ms` on every selector and subquery that has none. */
export function pinAt(expr: Expr, ms: number): Expr {
  return (pin[expr.kind] as (n: Expr, ms: number) => Expr)(expr, ms);
}

function usesUnsafeFunction(e: Expr): boolean {
  return (e.kind === 'Call' && AT_UNSAFE_FUNCTIONS.has(e.func)) || children(e).some(usesUnsafeFunction);
}

/** The extra (expression, evaluation time) pairs test.go checks for an instant eval at ts. */
export function atModifierVariants(expr: Expr, ts: number): { expr: Expr; timeMs: number }[] {
  if (usesUnsafeFunction(expr)) return [];
  const pinned = pinAt(expr, ts);
  const times = ts === 0 ? [-1000, 0, 1000] : [-10 * ts, 0, Math.trunc(ts / 5), ts, 10 * ts];
  return times.map((timeMs) => ({ expr: pinned, timeMs }));
}
