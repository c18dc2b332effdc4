// The PromQL lexer (chevrotain, multi-mode like Prometheus `lex.go`): expression text, the inside
// of `{…}` (where every word is a label name) and the inside of `[…]` (durations and `:`).
// Keywords are case-insensitive and soft: each also belongs to the categories of the places
// where Prometheus accepts it as a metric or label name.
import { createToken, Lexer, type TokenType, type CustomPatternMatcherFunc } from 'chevrotain';

// Categories (patterns never match on their own).
export const MetricName = createToken({ name: 'MetricName', pattern: Lexer.NA });
export const LabelName = createToken({ name: 'LabelName', pattern: Lexer.NA });
export const AggregateOpTok = createToken({ name: 'AggregateOp', pattern: Lexer.NA });
export const OrOp = createToken({ name: 'OrOp', pattern: Lexer.NA });
export const AndOp = createToken({ name: 'AndOp', pattern: Lexer.NA });
export const CmpOp = createToken({ name: 'CmpOp', pattern: Lexer.NA });
export const AddOp = createToken({ name: 'AddOp', pattern: Lexer.NA });
export const MulOp = createToken({ name: 'MulOp', pattern: Lexer.NA });
export const MatchOp = createToken({ name: 'MatchOp', pattern: Lexer.NA });
export const NumberLit = createToken({ name: 'Number', pattern: Lexer.NA });

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });

export const Identifier = createToken({
  name: 'Identifier', pattern: /[a-zA-Z_:][a-zA-Z0-9_:]*/, categories: [MetricName, LabelName],
});
// Inside braces words never contain ':' and are never keywords.
export const BraceIdentifier = createToken({ name: 'BraceIdentifier', pattern: /[a-zA-Z_][a-zA-Z0-9_]*/, categories: [Identifier] });

// Every keyword but `without` may also be a label name in by(…)/on(…) lists (Prometheus' maybe_label).
function keyword(word: string, categories: TokenType[]): TokenType {
  return createToken({
    name: word.toUpperCase(), pattern: new RegExp(word, 'i'), longer_alt: Identifier,
    categories: word === 'without' ? categories : [LabelName, ...categories],
  });
}

// Order matters: a keyword that is a prefix of another comes after it.
export const CountValues = keyword('count_values', [AggregateOpTok, MetricName]);
export const GroupLeft = keyword('group_left', []);
export const GroupRight = keyword('group_right', []);
const aggregatorWords = ['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile'];
const aggregatorTokens = aggregatorWords.map((w) => keyword(w, [AggregateOpTok, MetricName]));
export const And = keyword('and', [AndOp, MetricName]);
export const Or = keyword('or', [OrOp, MetricName]);
export const Unless = keyword('unless', [AndOp, MetricName]);
export const Atan2 = keyword('atan2', [MulOp]);
export const Offset = keyword('offset', [MetricName]);
export const By = keyword('by', [MetricName]);
export const Without = keyword('without', [MetricName]);
export const On = keyword('on', []);
export const Ignoring = keyword('ignoring', []);
export const Bool = keyword('bool', []);
export const Start = keyword('start', [MetricName]);
export const End = keyword('end', [MetricName]);
const InfNaN = createToken({ name: 'InfNaN', pattern: /inf|nan/i, longer_alt: Identifier, categories: [NumberLit] });

export const LParen = createToken({ name: 'LParen', pattern: '(' });
export const RParen = createToken({ name: 'RParen', pattern: ')' });
export const LBrace = createToken({ name: 'LBrace', pattern: '{', push_mode: 'braces' });
export const RBrace = createToken({ name: 'RBrace', pattern: '}', pop_mode: true });
export const LBracket = createToken({ name: 'LBracket', pattern: '[', push_mode: 'brackets' });
export const RBracket = createToken({ name: 'RBracket', pattern: ']', pop_mode: true });
export const Comma = createToken({ name: 'Comma', pattern: ',' });
export const Colon = createToken({ name: 'Colon', pattern: ':' });
// Prometheus 2.42 lexes a letter inside `[…]` as the subquery colon (`x[5m y]` is `x[5m:]`);
// kept for compatibility, a second colon-like character is an error.
const BracketLetter = createToken({ name: 'BracketLetter', pattern: /[a-zA-Z_]/, categories: [Colon] });
export const At = createToken({ name: 'At', pattern: '@' });

export const EqlC = createToken({ name: 'EqlC', pattern: '==', categories: [CmpOp] });
export const Neq = createToken({ name: 'Neq', pattern: '!=', categories: [CmpOp, MatchOp] });
export const Lte = createToken({ name: 'Lte', pattern: '<=', categories: [CmpOp] });
export const Gte = createToken({ name: 'Gte', pattern: '>=', categories: [CmpOp] });
export const Lss = createToken({ name: 'Lss', pattern: '<', categories: [CmpOp] });
export const Gtr = createToken({ name: 'Gtr', pattern: '>', categories: [CmpOp] });
export const EqlRegex = createToken({ name: 'EqlRegex', pattern: '=~', categories: [MatchOp] });
export const NeqRegex = createToken({ name: 'NeqRegex', pattern: '!~', categories: [MatchOp] });
export const Eql = createToken({ name: 'Eql', pattern: '=', categories: [MatchOp] });
export const Plus = createToken({ name: 'Plus', pattern: '+', categories: [AddOp] });
export const Minus = createToken({ name: 'Minus', pattern: '-', categories: [AddOp] });
export const Mul = createToken({ name: 'Mul', pattern: '*', categories: [MulOp] });
export const Div = createToken({ name: 'Div', pattern: '/', categories: [MulOp] });
export const Mod = createToken({ name: 'Mod', pattern: '%', categories: [MulOp] });
export const Pow = createToken({ name: 'Pow', pattern: '^' });

export const StringLit = createToken({
  name: 'String', pattern: /"(?:[^"\\\n]|\\[^\n])*"|'(?:[^'\\\n]|\\[^\n])*'|`[^`]*`/, line_breaks: true,
});

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => c === 95 || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
const isAlnum = (c: number) => isDigit(c) || isAlpha(c);

/** Prometheus `scanNumber`: returns the end of the digits and whether they form a number
 * (a number must not run into a letter, except `x` in series descriptions). */
export function scanNumber(text: string, pos: number, seriesDesc: boolean): { end: number; ok: boolean } {
  let p = pos;
  let hex = false;
  if (!seriesDesc && text[p] === '0' && (text[p + 1] === 'x' || text[p + 1] === 'X')) {
    p += 2;
    hex = true;
  } else if (text[p] === '0') {
    p++;
  }
  p = skipDigits(text, p, hex);
  if (text[p] === '.') p = skipDigits(text, p + 1, hex);
  if (text[p] === 'e' || text[p] === 'E') {
    p++;
    if (text[p] === '+' || text[p] === '-') p++;
    p = skipDigits(text, p, false);
  }
  const next = p < text.length ? text.charCodeAt(p) : -1;
  return { end: p, ok: (seriesDesc && next === 120) || !isAlnum(next) };
}

function skipDigits(text: string, p: number, hex: boolean): number {
  while (p < text.length) {
    const c = text.charCodeAt(p);
    if (!(isDigit(c) || (hex && ((c >= 97 && c <= 102) || (c >= 65 && c <= 70))))) break;
    p++;
  }
  return p;
}

/** Prometheus `acceptRemainingDuration` after a failed scanNumber: unit letters and further
 * digit+unit groups, not followed by a letter or digit. Returns the end or -1. */
function scanDurationRest(text: string, p: number): number {
  if (!'smhdwy'.includes(text[p] ?? '#')) return -1;
  p++;
  if (text[p] === 's') p++;
  while (p < text.length && isDigit(text.charCodeAt(p))) {
    p = skipDigits(text, p, false);
    if (!'smhdw'.includes(text[p] ?? '#')) return -1;
    p++;
    if (text[p] === 's') p++;
  }
  return p < text.length && isAlnum(text.charCodeAt(p)) ? -1 : p;
}

const startsNumber = (text: string, offset: number) => {
  const c = text.charCodeAt(offset);
  return isDigit(c) || (c === 46 && isDigit(text.charCodeAt(offset + 1)));
};

function match(text: string, offset: number, end: number): RegExpExecArray {
  const m = [text.slice(offset, end)] as unknown as RegExpExecArray;
  m.index = offset;
  return m;
}

const numberExec: CustomPatternMatcherFunc = (text, offset) => {
  if (!startsNumber(text, offset)) return null;
  const r = scanNumber(text, offset, false);
  return r.ok ? match(text, offset, r.end) : null;
};
const durationExec: CustomPatternMatcherFunc = (text, offset) => {
  if (!startsNumber(text, offset)) return null;
  const r = scanNumber(text, offset, false);
  if (r.ok) return null;
  const end = scanDurationRest(text, r.end);
  return end < 0 ? null : match(text, offset, end);
};
// Digits that are neither a number nor a duration: one token, so the error names all of it.
const badNumberExec: CustomPatternMatcherFunc = (text, offset) => {
  if (!startsNumber(text, offset)) return null;
  let p = offset;
  while (p < text.length && (isAlnum(text.charCodeAt(p)) || text[p] === '.')) p++;
  return match(text, offset, p);
};
const digitHints = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.'];

export const Number = createToken({
  name: 'NumberToken', pattern: { exec: numberExec }, start_chars_hint: digitHints, line_breaks: false, categories: [NumberLit],
});
export const Duration = createToken({
  name: 'Duration', pattern: { exec: durationExec }, start_chars_hint: digitHints, line_breaks: false,
});
export const BadNumber = createToken({
  name: 'BadNumber', pattern: { exec: badNumberExec }, start_chars_hint: digitHints, line_breaks: false,
});

const keywords = [CountValues, GroupLeft, GroupRight, ...aggregatorTokens, And, Or, Unless, Atan2, Offset,
  By, Without, On, Ignoring, Bool, Start, End, InfNaN];

/** Aggregator keyword tokens by lower-case name. */
export const AGGREGATOR_TOKENS: ReadonlyMap<string, TokenType> = new Map(
  [...aggregatorTokens, CountValues].map((t) => [t.name.toLowerCase(), t]),
);

export const allTokens: TokenType[] = [
  MetricName, LabelName, AggregateOpTok, OrOp, AndOp, CmpOp, AddOp, MulOp, MatchOp, NumberLit,
  WhiteSpace, Comment, ...keywords, Identifier, BraceIdentifier, LParen, RParen, LBrace, RBrace, LBracket, RBracket,
  Comma, Colon, BracketLetter, At, EqlC, Neq, Lte, Gte, Lss, Gtr, EqlRegex, NeqRegex, Eql, Plus, Minus, Mul, Div, Mod, Pow,
  StringLit, Number, Duration, BadNumber,
];

export const promqlLexer = new Lexer({
  defaultMode: 'expr',
  modes: {
    expr: [WhiteSpace, Comment, Number, Duration, BadNumber, StringLit, ...keywords, Identifier,
      LParen, RParen, LBrace, LBracket, Comma, At, EqlC, Neq, Lte, Gte, Lss, Gtr, Eql, Plus, Minus, Mul, Div, Mod, Pow],
    braces: [WhiteSpace, Comment, BraceIdentifier, Comma, StringLit, EqlRegex, NeqRegex, Neq, Eql, RBrace],
    // Prometheus lexes operators inside brackets too; the parser then names the context.
    brackets: [WhiteSpace, Comment, Number, Duration, BadNumber, StringLit, Colon, BracketLetter, RBracket, LParen, RParen, LBrace, Comma, At,
      EqlC, Neq, Lte, Gte, Lss, Gtr, Eql, Plus, Minus, Mul, Div, Mod, Pow],
  },
}, { positionTracking: 'onlyOffset', ensureOptimizations: true });
