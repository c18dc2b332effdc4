// Type checks Prometheus runs on a parsed tree (parse.go `checkAST`): operand types of binary
// operators, `bool` and vector-matching rules, aggregation and function argument types. It also
// normalises vector matching like Prometheus: set operators become many-to-many, and matching is
// dropped (null) when a side is a scalar. Each check returns the node's type, so a long operator
// chain is checked in linear time.
import type { BinaryExpr, Expr, ExprKind, NodeOf, ValueType } from '../ast.ts';
import { arity, argType, getFunction } from '../functions.ts';
import { SyntaxFault } from './build.ts';
import { matcherMatches } from './regex.ts';

const COMPARISONS = new Set(['==', '!=', '>', '<', '>=', '<=']);
const SET_OPS = new Set(['and', 'or', 'unless']);

const fail = (node: Expr, message: string): never => { throw new SyntaxFault(node.posRange, message); };

/** Prometheus' DocumentedType: how types are named in messages. */
const typeName = (t: ValueType) => (t === 'vector' ? 'instant vector' : t === 'matrix' ? 'range vector' : t);

let query = '';

/** The operator and its modifiers between the operands, where Prometheus reports operator errors. */
function opRange(n: BinaryExpr): Expr {
  let start = n.lhs.posRange.end;
  while (/\s/.test(query[start] ?? '')) start++;
  let end = n.rhs.posRange.start - 1;
  while (end > start && /\s/.test(query[end] ?? '')) end--;
  return { ...n, posRange: { start, end: end + 1 } };
}

function checkBinary(n: BinaryExpr, typeOf: TypeOf): ValueType {
  const lt = typeOf(n.lhs);
  const rt = typeOf(n.rhs);
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

type TypeOf = (child: Expr) => ValueType;

function expectType(node: Expr, got: ValueType, want: ValueType, context: string): void {
  if (got !== want) fail(node, `expected type ${typeName(want)} in ${context}, got ${typeName(got)}`);
}

/** Per kind: the children to check first, a check after each child (Prometheus checks an
 * argument's type right after its subtree), and the node's own check given its children's types. */
interface Rule<N> {
  children: (n: N) => Expr[];
  afterChild?: (n: N, index: number, typeOf: TypeOf) => void;
  check: (n: N, typeOf: TypeOf) => ValueType;
}
type Rules = { [K in ExprKind]: Rule<NodeOf<K>> };

const none = (): Expr[] => [];

const rules: Rules = {
  NumberLiteral: { children: none, check: () => 'scalar' },
  StringLiteral: { children: none, check: () => 'string' },
  VectorSelector: {
    children: none,
    check: (n) => {
      if (n.name !== '') {
        // The name's own matcher is the last one; any other __name__ matcher sets it twice.
        const dup = n.matchers.slice(0, -1).find((m) => m.name === '__name__');
        if (dup !== undefined) fail(n, `metric name must not be set twice: ${JSON.stringify(n.name)} or ${JSON.stringify(dup.value)}`);
      } else if (!n.matchers.some((m) => !matcherMatches(m, ''))) {
        // Refuse implicit selection of every series (e.g. through a typo).
        fail(n, 'vector selector must contain at least one non-empty matcher');
      }
      return 'vector';
    },
  },
  MatrixSelector: { children: (n) => [n.vectorSelector], check: () => 'matrix' },
  SubqueryExpr: {
    children: (n) => [n.expr],
    check: (n, typeOf) => {
      const t = typeOf(n.expr);
      if (t !== 'vector') fail(n, `subquery is only allowed on instant vector, got ${t} instead`);
      return 'matrix';
    },
  },
  ParenExpr: { children: (n) => [n.expr], check: (n, typeOf) => typeOf(n.expr) },
  UnaryExpr: {
    children: (n) => [n.expr],
    check: (n, typeOf) => {
      const t = typeOf(n.expr);
      if (t !== 'scalar' && t !== 'vector') {
        fail(n, `unary expression only allowed on expressions of type scalar or instant vector, got ${JSON.stringify(typeName(t))}`);
      }
      return t;
    },
  },
  BinaryExpr: { children: (n) => [n.lhs, n.rhs], check: checkBinary },
  AggregateExpr: {
    children: (n) => (n.param === null ? [n.expr] : [n.expr, n.param]),
    afterChild: (n, i, typeOf) => {
      if (i === 0) expectType(n.expr, typeOf(n.expr), 'vector', 'aggregation expression');
      else if (n.op === 'count_values') expectType(n.param!, typeOf(n.param!), 'string', 'aggregation parameter');
      else expectType(n.param!, typeOf(n.param!), 'scalar', 'aggregation parameter');
    },
    check: () => 'vector',
  },
  Call: {
    // Prometheus checks the argument count before looking into the arguments.
    children: (n) => {
      const fn = getFunction(n.func)!;
      const { min, max } = arity(fn);
      const got = n.args.length;
      if (fn.variadic === 0 && got !== min) fail(n, `expected ${min} argument(s) in call to "${fn.name}", got ${got}`);
      if (got < min) fail(n, `expected at least ${min} argument(s) in call to "${fn.name}", got ${got}`);
      if (got > max) fail(n, `expected at most ${max} argument(s) in call to "${fn.name}", got ${got}`);
      return n.args;
    },
    afterChild: (n, i, typeOf) => {
      const fn = getFunction(n.func)!;
      expectType(n.args[i]!, typeOf(n.args[i]!), argType(fn, i), `call to function "${fn.name}"`);
    },
    check: (n) => getFunction(n.func)!.returnType,
  },
};

/** Checks `node` (parsed from `text`) and its subtree, children before parents like Prometheus'
 * checkAST, with an explicit stack so deep trees cannot overflow the call stack. Throws
 * SyntaxFault on the first violation; returns the type of `node`. */
export function checkTree(node: Expr, text: string): ValueType {
  query = text;
  const types = new Map<Expr, ValueType>();
  const typeOf: TypeOf = (child) => types.get(child)!;
  const stack: Array<{ node: Expr; pending: Expr[] | null; done: number }> = [{ node, pending: null, done: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const rule = rules[top.node.kind] as Rule<Expr>;
    if (top.pending === null) top.pending = [...rule.children(top.node)].reverse();
    const next = top.pending.pop();
    if (next !== undefined) {
      stack.push({ node: next, pending: null, done: 0 });
      continue;
    }
    types.set(top.node, rule.check(top.node, typeOf));
    stack.pop();
    const parent = stack[stack.length - 1];
    if (parent !== undefined) (rules[parent.node.kind] as Rule<Expr>).afterChild?.(parent.node, parent.done++, typeOf);
  }
  return types.get(node)!;
}
