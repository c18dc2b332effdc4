// Prints an AST back to PromQL text in Prometheus' printer style (printer.go); parsing the
// output gives the same tree. Parsed trees carry their parentheses as ParenExpr nodes; for trees
// built by hand (where Prometheus' printer would silently regroup) the printer adds the
// parentheses that precedence requires, so the text always means the tree.
import type { AtModifier, BinaryExpr, Expr, ExprHandlers, LabelMatcher, VectorSelector } from '../ast.ts';
import { dispatch } from '../ast.ts';
import { formatDuration, formatNumber, quoteString } from './literals.ts';

function atString(at: AtModifier): string {
  if (at === null) return '';
  if (at === 'start' || at === 'end') return ` @ ${at}()`;
  return ` @ ${(at.ms / 1000).toFixed(3)}`;
}

function offsetString(ms: number): string {
  if (ms > 0) return ` offset ${formatDuration(ms)}`;
  if (ms < 0) return ` offset -${formatDuration(-ms)}`;
  return '';
}

/** Binding strength of binary operators (Prometheus generated_parser.y, lowest first). */
const PRECEDENCE: Record<string, number> = {
  or: 1, and: 2, unless: 2, '==': 3, '!=': 3, '<': 3, '>': 3, '<=': 3, '>=': 3,
  '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, atan2: 5, '^': 6,
};

/** Signed nodes: a sign binds like `*`, but its operand extends over `^` (`-a ^ b` is `-(a ^ b)`). */
const isSigned = (e: Expr) => e.kind === 'UnaryExpr' || (e.kind === 'NumberLiteral' && (e.value < 0 || Object.is(e.value, -0)));

function wrapIf(e: Expr, needed: boolean): string {
  return needed ? `(${render(e)})` : render(e);
}

function binaryString(n: BinaryExpr): string {
  const p = PRECEDENCE[n.op]!;
  const rightAssoc = n.op === '^';
  const l = n.lhs;
  const r = n.rhs;
  const lhs = wrapIf(l, isSigned(l) ? rightAssoc : l.kind === 'BinaryExpr' && (PRECEDENCE[l.op]! < p || (PRECEDENCE[l.op] === p && rightAssoc)));
  const rhs = wrapIf(r, r.kind === 'BinaryExpr' && (PRECEDENCE[r.op]! < p || (PRECEDENCE[r.op] === p && !rightAssoc)));
  return `${lhs} ${n.op}${n.returnBool ? ' bool' : ''}${matchingString(n)} ${rhs}`;
}

const matcherString = (m: LabelMatcher) => `${m.name}${m.type}${quoteString(m.value)}`;

/** Printing options. */
export interface PrintOptions {
  /** Sort label matchers as Prometheus' printer does (its exact text); by default they keep
   * their order, so the text re-parses to the same tree. */
  sortMatchers?: boolean;
}

let options: PrintOptions = {};

/** `name{matchers}` without modifiers; the implicit trailing __name__ matcher is not printed. */
function selectorBody(n: VectorSelector): string {
  const shown = (n.name !== '' ? n.matchers.slice(0, -1) : n.matchers).map(matcherString);
  if (shown.length === 0) return n.name;
  if (options.sortMatchers) shown.sort();
  return `${n.name}{${shown.join(',')}}`;
}

function matchingString(n: BinaryExpr): string {
  const vm = n.vectorMatching;
  if (vm === null) return '';
  const grouped = vm.card === 'many-to-one' || vm.card === 'one-to-many';
  // Prometheus omits `ignoring ()`; keep it when a group modifier needs it to re-parse.
  if (!vm.on && vm.labels.length === 0 && !grouped) return '';
  let s = ` ${vm.on ? 'on' : 'ignoring'} (${vm.labels.join(', ')})`;
  if (grouped) s += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
  return s;
}

const printers: ExprHandlers<string> = {
  NumberLiteral: (n) => formatNumber(n.value),
  StringLiteral: (n) => quoteString(n.value),
  VectorSelector: (n) => selectorBody(n) + atString(n.at) + offsetString(n.offsetMs),
  MatrixSelector: (n) => {
    const vs = n.vectorSelector;
    return `${selectorBody(vs)}[${formatDuration(n.rangeMs)}]${atString(vs.at)}${offsetString(vs.offsetMs)}`;
  },
  SubqueryExpr: (n) => {
    const step = n.stepMs === 0 ? '' : formatDuration(n.stepMs);
    return `${wrapIf(n.expr, n.expr.kind === 'BinaryExpr' || isSigned(n.expr))}[${formatDuration(n.rangeMs)}:${step}]${atString(n.at)}${offsetString(n.offsetMs)}`;
  },
  ParenExpr: (n) => `(${render(n.expr)})`,
  UnaryExpr: (n) => `${n.op}${wrapIf(n.expr, (n.expr.kind === 'BinaryExpr' && n.expr.op !== '^') || n.expr.kind === 'NumberLiteral')}`,
  BinaryExpr: binaryString,
  AggregateExpr: (n) => {
    let s: string = n.op;
    if (n.without) s += ` without (${n.grouping.join(', ')}) `;
    else if (n.grouping.length > 0) s += ` by (${n.grouping.join(', ')}) `;
    const args = n.param !== null ? [n.param, n.expr] : [n.expr];
    return `${s}(${args.map(render).join(', ')})`;
  },
  Call: (n) => `${n.func}(${n.args.map(render).join(', ')})`,
};

const render = (node: Expr): string => dispatch(node, printers);

/** PromQL text for `node`. */
export function print(node: Expr, opts: PrintOptions = {}): string {
  const outer = options;
  options = opts;
  try {
    return render(node);
  } finally {
    options = outer;
  }
}
