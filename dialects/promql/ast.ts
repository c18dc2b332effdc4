// The PromQL abstract syntax tree shared by the parser, the printer and the evaluator.
// Shapes follow Prometheus `promql/parser/ast.go`; every union is discriminated on `kind`, so a
// pass written as a `Record<ExprKind, fn>` (see `ExprHandlers`) stops compiling when a node kind
// is added. Times and durations are integer milliseconds, like Prometheus' int64 ms.
// This file is a boundary: change it only by adding.

/** Character offsets into the query text: `start` inclusive, `end` exclusive. */
export interface PosRange {
  start: number;
  end: number;
}

/** The four PromQL value types (Prometheus `parser.ValueType`, without 'none'). */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

/** Label matcher operators: equality, inequality, regex match, negated regex match. */
export type MatchType = '=' | '!=' | '=~' | '!~';

/** One `label<op>"value"` matcher. Regex values are unanchored text; evaluation anchors them
 * as Prometheus does (`^(?:value)$`). */
export interface LabelMatcher {
  /** Label name, e.g. `job` or `__name__`. */
  name: string;
  /** Operator. */
  type: MatchType;
  /** Right-hand side after unescaping. */
  value: string;
}

/** The `@` modifier: a fixed evaluation time, the query's start()/end(), or absent. */
export type AtModifier = { kind: 'time'; ms: number } | 'start' | 'end' | null;

/** Arithmetic, comparison and set operators, plus `atan2`. */
export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '^'
  | '==' | '!=' | '>' | '<' | '>=' | '<='
  | 'and' | 'or' | 'unless'
  | 'atan2';

/** Aggregation operators (Prometheus 2.42). */
export type AggregateOp =
  | 'sum' | 'avg' | 'count' | 'min' | 'max' | 'group' | 'stddev' | 'stdvar'
  | 'topk' | 'bottomk' | 'count_values' | 'quantile';

/** Vector matching cardinality of a binary operation between two vectors. */
export type VectorMatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

/** How the two sides of a vector/vector binary operation are matched. */
export interface VectorMatching {
  /** `many-to-one` for group_left, `one-to-many` for group_right, `many-to-many` for set ops. */
  card: VectorMatchCardinality;
  /** true: match on `labels` only (`on`); false: match on all labels except `labels` (`ignoring`). */
  on: boolean;
  /** The on(...)/ignoring(...) label list (empty when neither was written). */
  labels: string[];
  /** Extra labels copied from the "one" side, from group_left(...)/group_right(...). */
  include: string[];
}

/** A float literal: `1`, `0x1f`, `1e3`, `.5`, `Inf`, `NaN`. */
export interface NumberLiteral {
  kind: 'NumberLiteral';
  value: number;
  posRange: PosRange;
}

/** A string literal after unescaping. */
export interface StringLiteral {
  kind: 'StringLiteral';
  value: string;
  posRange: PosRange;
}

/** An instant vector selector: `name{matchers} offset X @ T`. */
export interface VectorSelector {
  kind: 'VectorSelector';
  /** The metric name written before the braces, or '' when only `{...}` was written. */
  name: string;
  /** Every matcher, including the `__name__="name"` matcher implied by `name` (as Prometheus). */
  matchers: LabelMatcher[];
  /** Offset in ms; negative for `offset -5m`; 0 when absent. */
  offsetMs: number;
  /** The `@` modifier. */
  at: AtModifier;
  posRange: PosRange;
}

/** A range vector selector `sel[range]`; offset and `@` live on the inner selector. */
export interface MatrixSelector {
  kind: 'MatrixSelector';
  vectorSelector: VectorSelector;
  rangeMs: number;
  posRange: PosRange;
}

/** A subquery `expr[range:step]`; stepMs is 0 when the step was omitted (`[5m:]`). */
export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  expr: Expr;
  rangeMs: number;
  stepMs: number;
  offsetMs: number;
  at: AtModifier;
  posRange: PosRange;
}

/** A parenthesised expression, kept so printing preserves the author's grouping. */
export interface ParenExpr {
  kind: 'ParenExpr';
  expr: Expr;
  posRange: PosRange;
}

/** Unary plus or minus. */
export interface UnaryExpr {
  kind: 'UnaryExpr';
  op: '-' | '+';
  expr: Expr;
  posRange: PosRange;
}

/** A binary operation. */
export interface BinaryExpr {
  kind: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  /** The `bool` modifier on a comparison. */
  returnBool: boolean;
  /** Set when both sides are vectors; null when either side is a scalar. */
  vectorMatching: VectorMatching | null;
  posRange: PosRange;
}

/** An aggregation such as `topk by (job) (5, x)`. */
export interface AggregateExpr {
  kind: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  /** The parameter of topk/bottomk/quantile/count_values; null otherwise. */
  param: Expr | null;
  /** The by(...)/without(...) labels. */
  grouping: string[];
  /** true for `without`, false for `by` (or no clause). */
  without: boolean;
  posRange: PosRange;
}

/** A function call; `func` is a name from `functions.ts`. */
export interface Call {
  kind: 'Call';
  func: string;
  args: Expr[];
  /** The function's return type from the registry, resolved at parse time. */
  returnType: ValueType;
  posRange: PosRange;
}

/** Any PromQL expression. */
export type Expr =
  | NumberLiteral | StringLiteral | VectorSelector | MatrixSelector | SubqueryExpr
  | ParenExpr | UnaryExpr | BinaryExpr | AggregateExpr | Call;

/** The `kind` tags of `Expr`. */
export type ExprKind = Expr['kind'];

/** The node type for one kind. */
export type NodeOf<K extends ExprKind> = Extract<Expr, { kind: K }>;

/** One handler per node kind: a pass declared with this type must cover every kind. */
export type ExprHandlers<R> = { [K in ExprKind]: (node: NodeOf<K>) => R };

/** Dispatches `node` to the handler for its kind. */
export function dispatch<R>(node: Expr, handlers: ExprHandlers<R>): R {
  return (handlers[node.kind] as (n: Expr) => R)(node);
}

const typeHandlers: ExprHandlers<ValueType> = {
  NumberLiteral: () => 'scalar',
  StringLiteral: () => 'string',
  VectorSelector: () => 'vector',
  MatrixSelector: () => 'matrix',
  SubqueryExpr: () => 'matrix',
  ParenExpr: (n) => typeOf(n.expr),
  UnaryExpr: (n) => typeOf(n.expr),
  BinaryExpr: (n) => (typeOf(n.lhs) === 'scalar' && typeOf(n.rhs) === 'scalar' ? 'scalar' : 'vector'),
  AggregateExpr: () => 'vector',
  Call: (n) => n.returnType,
};

/** The value type an expression evaluates to (Prometheus `Expr.Type()`). */
export function typeOf(node: Expr): ValueType {
  return dispatch(node, typeHandlers);
}

const childHandlers: ExprHandlers<Expr[]> = {
  NumberLiteral: () => [],
  StringLiteral: () => [],
  VectorSelector: () => [],
  MatrixSelector: (n) => [n.vectorSelector],
  SubqueryExpr: (n) => [n.expr],
  ParenExpr: (n) => [n.expr],
  UnaryExpr: (n) => [n.expr],
  BinaryExpr: (n) => [n.lhs, n.rhs],
  AggregateExpr: (n) => (n.param === null ? [n.expr] : [n.param, n.expr]),
  Call: (n) => n.args,
};

/** The direct sub-expressions of a node, in source order (e.g. to collect every selector). */
export function children(node: Expr): Expr[] {
  return dispatch(node, childHandlers);
}
