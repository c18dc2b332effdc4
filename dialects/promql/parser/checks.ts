// Type checks Prometheus runs on a parsed tree (parse.go `checkAST`): operand types of binary
// operators, `bool` and vector-matching rules, aggregation and function argument types. It also
// normalises vector matching like Prometheus: set operators become many-to-many, and matching is
// dropped (null) when a side is a scalar. Each check returns the node's type, so a long operator
// chain is checked in linear time.
import type { BinaryExpr, Expr, ExprHandlers, ValueType } from '../ast.ts';
import { dispatch } from '../ast.ts';
import { arity, argType, getFunction } from '../functions.ts';
import { SyntaxFault } from './build.ts';

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

const fail = (node: Expr, message: string): never => { throw new SyntaxFault(node.posRange, message); };

/** Prometheus' DocumentedType: how types are named in messages. */
const typeName = (t: ValueType) => (t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t);

function expectType(node: Expr, want: ValueType, context: string): void {
  const got = check(node);
  if (got !== want) fail(node, `expected type ${typeName(want)} in ${context}, got ${typeName(got)}`);
}

let query = '';

/** The operator and its modifiers between the operands, where Prometheus reports operator errors. */
function opRange(n: BinaryExpr): Expr {
  let start = n.lhs.posRange.end;
  while (/\s/.test(query[start] ?? '')) start++;
  let end = n.rhs.posRange.start - 1;
  while (end > start && /\s/.test(query[end] ?? '')) end--;
  return { ...n, posRange: { start, end: end + 1 } };
}

function checkBinary(n: BinaryExpr): ValueType {
  const lt = check(n.lhs);
  const rt = check(n.rhs);
  const isCmp = COMPARISONS.has(n.op);
  const isSet = SET_OPS.has(n.op);
  if (n.returnBool && !isCmp) fail(opRange(n), 'bool modifier can only be used on comparison operators');
  if (isCmp && !n.returnBool && lt === 'scalar' && rt === 'scalar') fail(opRange(n), 'comparisons between scalars must use BOOL modifier');
  const vm = n.vectorMatching;
  if (vm !== null) {
    if (isSet && vm.card === 'one-to-one') vm.card = 'many-to-many';
    if (vm.on) {
      const clash = vm.labels.find((l) => vm.include.includes(l));
      if (clash !== undefined) fail(opRange(n), `label ${JSON.stringify(clash)} must not occur in ON and GROUP clause at once`);
    }
  }
  if (lt !== 'scalar' && lt !== 'vector') fail(n.lhs, 'binary expression must contain only scalar and instant vector types');
  if (rt !== 'scalar' && rt !== 'vector') fail(n.rhs, 'binary expression must contain only scalar and instant vector types');
  if ((lt !== 'vector' || rt !== 'vector') && vm !== null) {
    if (vm.labels.length > 0) fail(n, 'vector matching only allowed between instant vectors');
    n.vectorMatching = null;
  } else if (isSet && vm !== null) {
    if (vm.card === 'one-to-many' || vm.card === 'many-to-one') fail(n, `no grouping allowed for "${n.op}" operation`);
  }
  if ((lt === 'scalar' || rt === 'scalar') && isSet) fail(n, `set operator "${n.op}" not allowed in binary scalar expression`);
  return lt === 'scalar' && rt === 'scalar' ? 'scalar' : 'vector';
}

const handlers: ExprHandlers<ValueType> = {
  NumberLiteral: () => 'scalar',
  StringLiteral: () => 'string',
  VectorSelector: () => 'vector',
  MatrixSelector: () => 'matrix',
  SubqueryExpr: (n) => {
    const t = check(n.expr);
    if (t !== 'vector') fail(n, `subquery is only allowed on instant vector, got ${t} instead`);
    return 'matrix';
  },
  ParenExpr: (n) => check(n.expr),
  UnaryExpr: (n) => {
    const t = check(n.expr);
    if (t !== 'scalar' && t !== 'vector') {
      fail(n, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(typeName(t))}`);
    }
    return t;
  },
  BinaryExpr: checkBinary,
  AggregateExpr: (n) => {
    expectType(n.expr, 'vector', 'aggregation expression');
    if (n.op === 'topk' || n.op === 'bottomk' || n.op === 'quantile') expectType(n.param!, 'scalar', 'aggregation parameter');
    else if (n.op === 'count_values') expectType(n.param!, 'string', 'aggregation parameter');
    return 'vector';
  },
  Call: (n) => {
    const fn = getFunction(n.func)!;
    const { min, max } = arity(fn);
    const got = n.args.length;
    if (fn.variadic === 0 && got !== min) fail(n, `expected ${min} argument(s) in call to "${fn.name}", got ${got}`);
    if (got < min) fail(n, `expected at least ${min} argument(s) in call to "${fn.name}", got ${got}`);
    if (got > max) fail(n, `expected at most ${max} argument(s) in call to "${fn.name}", got ${got}`);
    n.args.forEach((arg, i) => expectType(arg, argType(fn, i), `call to function "${fn.name}"`));
    return fn.returnType;
  },
};

function check(node: Expr): ValueType {
  return dispatch(node, handlers);
}

/** Checks `node` (parsed from `text`) and its subtree; throws SyntaxFault on the first violation. */
export function checkTree(node: Expr, text: string): ValueType {
  query = text;
  return check(node);
}
