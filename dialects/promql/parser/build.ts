// Semantic actions of the PromQL grammar: turn tokens into AST nodes and apply the rules
// Prometheus enforces while building (generated_parser.y actions and parse.go helpers).
import type { IToken } from 'chevrotain';
import type {
  AggregateExpr, AggregateOp, AtModifier, BinaryExpr, BinaryOp, Call, Expr, LabelMatcher, MatchType,
  NumberLiteral, PosRange, StringLiteral, VectorMatching, VectorSelector,
} from '../ast.ts';
import { getFunction } from '../functions.ts';
import { parseDurationMs, parseNumber, unquoteString } from './literals.ts';
import { compileLabelRegex } from './regex.ts';
import { stringError } from './lex-errors.ts';

/** A parse failure at a range; the entry point turns it into a PromQLParseError. */
export class SyntaxFault extends Error {
  /** `lookahead`: Prometheus' parser raises this only after reading the next token. */
  constructor(readonly posRange: PosRange, message: string, readonly lookahead = false) {
    super(message);
  }
}

export const tokenRange = (t: IToken): PosRange => ({ start: t.startOffset, end: t.startOffset + t.image.length });
const fail = (posRange: PosRange, message: string): never => { throw new SyntaxFault(posRange, message); };

export function numberLiteral(t: IToken): NumberLiteral {
  try {
    return { kind: 'NumberLiteral', value: parseNumber(t.image), posRange: tokenRange(t) };
  } catch (e) {
    return fail(tokenRange(t), `error parsing number: ${(e as Error).message}`);
  }
}

export function unquote(t: IToken): string {
  try {
    return unquoteString(t.image);
  } catch {
    // Word the problem as Prometheus' lexer does.
    return fail(tokenRange(t), stringError(t.image, 0) ?? 'invalid string literal');
  }
}

export function stringLiteral(t: IToken): StringLiteral {
  return { kind: 'StringLiteral', value: unquote(t), posRange: tokenRange(t) };
}

/** A positive duration (Prometheus rejects 0 wherever a duration is written). */
export function duration(t: IToken): number {
  let ms: number;
  try {
    ms = parseDurationMs(t.image);
  } catch (e) {
    return fail(tokenRange(t), (e as Error).message);
  }
  if (ms === 0) fail(tokenRange(t), 'duration must be greater than 0');
  return ms;
}

const MATCH_TYPES: Record<string, MatchType> = { '=': '=', '!=': '!=', '=~': '=~', '!~': '!~' };

export function labelMatcher(name: IToken, op: IToken, value: IToken): LabelMatcher {
  const m: LabelMatcher = { name: name.image, type: MATCH_TYPES[op.image]!, value: unquote(value) };
  if (m.type === '=~' || m.type === '!~') {
    try {
      compileLabelRegex(m.value);
    } catch (e) {
      fail({ start: name.startOffset, end: value.startOffset + value.image.length }, (e as Error).message);
    }
  }
  return m;
}

/** `name{matchers}`, `name` or `{matchers}`; the name becomes a trailing __name__ matcher.
 * Whether the selector selects anything sensible is checked later, with the types (checks.ts). */
export function vectorSelector(name: IToken | undefined, matchers: LabelMatcher[] | undefined, posRange: PosRange): VectorSelector {
  const all = matchers ?? [];
  const metric = name?.image ?? '';
  if (metric !== '') all.push({ name: '__name__', type: '=', value: metric });
  return { kind: 'VectorSelector', name: metric, matchers: all, offsetMs: 0, at: null, posRange };
}

export function range(expr: Expr, rangeMs: number, brackets: PosRange): Expr {
  const end = brackets.end;
  let msg = '';
  if (expr.kind !== 'VectorSelector') msg = 'ranges only allowed for vector selectors';
  else if (expr.offsetMs !== 0) msg = 'no offset modifiers allowed before range';
  else if (expr.at !== null) msg = 'no @ modifiers allowed before range';
  if (msg !== '') fail(brackets, msg);
  return { kind: 'MatrixSelector', vectorSelector: expr as VectorSelector, rangeMs, posRange: { start: expr.posRange.start, end } };
}

export function subquery(expr: Expr, rangeMs: number, stepMs: number, end: number): Expr {
  return { kind: 'SubqueryExpr', expr, rangeMs, stepMs, offsetMs: 0, at: null, posRange: { start: expr.posRange.start, end } };
}

/** The node that carries offset/@ for `expr`, or a failure when `expr` cannot take one. */
function modifierTarget(expr: Expr, what: string): VectorSelector | Extract<Expr, { kind: 'SubqueryExpr' }> {
  if (expr.kind === 'VectorSelector' || expr.kind === 'SubqueryExpr') return expr;
  if (expr.kind === 'MatrixSelector') return expr.vectorSelector;
  return fail(expr.posRange, `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`);
}

export function offset(expr: Expr, ms: number, end: number): Expr {
  const target = modifierTarget(expr, 'offset');
  if (target.offsetMs !== 0) fail(expr.posRange, 'offset may not be set multiple times');
  target.offsetMs = ms;
  expr.posRange = { start: expr.posRange.start, end };
  return expr;
}

export function at(expr: Expr, value: AtModifier, end: number): Expr {
  const target = modifierTarget(expr, '@');
  if (target.at !== null) fail(expr.posRange, '@ <timestamp> may not be set multiple times');
  target.at = value;
  expr.posRange = { start: expr.posRange.start, end };
  return expr;
}

/** Go's %f: six decimals, and +Inf/-Inf/NaN spelled the Go way. */
const goFloat = (v: number): string => {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  // toFixed switches to exponent form from 1e21; such doubles are integers, printed exactly.
  return Math.abs(v) >= 1e21 ? `${BigInt(v)}.000000` : v.toFixed(6);
};

/** `@ <number>`: seconds to ms, rounded like Go's math.Round, within int64. */
export function atTimestamp(seconds: number, where: PosRange): AtModifier {
  if (!Number.isFinite(seconds) || seconds >= 9223372036854775807 || seconds <= -9223372036854775808) {
    fail(where, `timestamp out of bounds for @ modifier: ${goFloat(seconds)}`);
  }
  const scaled = seconds * 1000;
  const ms = Math.sign(scaled) * Math.round(Math.abs(scaled));
  return { kind: 'time', ms: ms === 0 ? 0 : ms };
}

export function unary(sign: IToken, expr: Expr): Expr {
  const start = sign.startOffset;
  if (expr.kind === 'NumberLiteral') {
    // Prometheus folds a sign into the literal it precedes.
    return { kind: 'NumberLiteral', value: sign.image === '-' ? -expr.value : expr.value, posRange: { start, end: expr.posRange.end } };
  }
  return { kind: 'UnaryExpr', op: sign.image as '-' | '+', expr, posRange: { start, end: expr.posRange.end } };
}

/** Binary operator modifiers as written: `bool`, `on(…)`/`ignoring(…)`, `group_x(…)`. */
export interface BinModifiers {
  returnBool: boolean;
  matching: VectorMatching;
}

export function binary(lhs: Expr, op: IToken, mods: BinModifiers, rhs: Expr): BinaryExpr {
  return {
    kind: 'BinaryExpr', op: op.image.toLowerCase() as BinaryOp, lhs, rhs, returnBool: mods.returnBool,
    vectorMatching: mods.matching, posRange: { start: lhs.posRange.start, end: rhs.posRange.end },
  };
}

const PARAM_AGGREGATORS = new Set(['topk', 'bottomk', 'quantile', 'count_values']);

export function aggregate(
  op: IToken, grouping: { labels: string[]; without: boolean } | undefined, args: Expr[], end: number, groupingLast: boolean,
): AggregateExpr {
  const posRange = { start: op.startOffset, end };
  const name = op.image.toLowerCase() as AggregateOp;
  // Unless by/without came last, Prometheus reduces an aggregation only after peeking for one.
  const lookahead = !groupingLast;
  if (args.length === 0) throw new SyntaxFault(posRange, 'no arguments for aggregate expression provided', lookahead);
  const wanted = PARAM_AGGREGATORS.has(name) ? 2 : 1;
  if (args.length !== wanted) {
    throw new SyntaxFault(posRange, `wrong number of arguments for aggregate expression provided, expected ${wanted}, got ${args.length}`, lookahead);
  }
  return {
    kind: 'AggregateExpr', op: name, expr: args[wanted - 1]!, param: wanted === 2 ? args[0]! : null,
    grouping: grouping?.labels ?? [], without: grouping?.without ?? false, posRange,
  };
}

export function call(name: IToken, args: Expr[], end: number): Call {
  const posRange = { start: name.startOffset, end };
  const fn = name.image.includes(':') ? undefined : getFunction(name.image);
  if (fn === undefined) return fail(tokenRange(name), `unknown function with name ${JSON.stringify(name.image)}`);
  return { kind: 'Call', func: fn.name, args, returnType: fn.returnType, posRange };
}

/** A grouping label: keywords are fine, metric-style names with ':' are not. */
export function groupingLabel(t: IToken): string {
  if (t.image.includes(":")) fail(tokenRange(t), `unexpected metric identifier ${JSON.stringify(t.image)} in grouping opts, expected label`);
  return t.image;
}
