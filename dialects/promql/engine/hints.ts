// Select hints for each selector, derived from where it sits in the tree exactly as Prometheus
// does (engine.go extractFuncFromPath / extractGroupsFromPath): `func` is the nearest enclosing
// function or aggregation, not looking past a binary operator; `grouping`/`by` come from an
// aggregation directly around the selector. Stores may use them to push work down.
import type { Expr, ExprKind, NodeOf, VectorSelector } from '../ast.ts';

export interface SelectorHints { func?: string; grouping?: string[]; by?: boolean }

type Frame = { func?: string; stop: boolean; grouping?: string[]; by?: boolean };
type Walk = { [K in ExprKind]: (n: NodeOf<K>, path: Frame[], out: Map<VectorSelector, SelectorHints>) => void };

function hintsAt(path: Frame[]): SelectorHints {
  const h: SelectorHints = {};
  for (let i = path.length - 1; i >= 0; i--) {
    if (path[i].stop) break;
    if (path[i].func !== undefined) { h.func = path[i].func; break; }
  }
  const parent = path[path.length - 1];
  if (parent?.grouping) { h.grouping = parent.grouping; h.by = parent.by; }
  return h;
}

const none: Frame = { stop: false };

const walk: Walk = {
  NumberLiteral: () => {},
  StringLiteral: () => {},
  VectorSelector: (n, path, out) => { out.set(n, hintsAt(path)); },
  MatrixSelector: (n, path, out) => { walkExpr(n.vectorSelector, [...path, none], out); },
  SubqueryExpr: (n, path, out) => { walkExpr(n.expr, [...path, none], out); },
  ParenExpr: (n, path, out) => { walkExpr(n.expr, [...path, none], out); },
  UnaryExpr: (n, path, out) => { walkExpr(n.expr, [...path, none], out); },
  BinaryExpr: (n, path, out) => {
    const f: Frame = { stop: true };
    walkExpr(n.lhs, [...path, f], out);
    walkExpr(n.rhs, [...path, f], out);
  },
  AggregateExpr: (n, path, out) => {
    const f: Frame = { stop: false, func: n.op, grouping: n.grouping, by: !n.without };
    walkExpr(n.expr, [...path, f], out);
    if (n.param) walkExpr(n.param, [...path, f], out);
  },
  Call: (n, path, out) => {
    const f: Frame = { stop: false, func: n.func };
    for (const a of n.args) walkExpr(a, [...path, f], out);
  },
};

function walkExpr(e: Expr, path: Frame[], out: Map<VectorSelector, SelectorHints>): void {
  (walk[e.kind] as (n: Expr, p: Frame[], o: Map<VectorSelector, SelectorHints>) => void)(e, path, out);
}

/** Hints for every selector of a query, keyed by the selector node. */
export function selectorHints(root: Expr): Map<VectorSelector, SelectorHints> {
  const out = new Map<VectorSelector, SelectorHints>();
  walkExpr(root, [], out);
  return out;
}
