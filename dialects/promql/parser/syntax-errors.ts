// Chevrotain recognition errors rephrased like Prometheus' yacc parser:
//   unexpected <token> [in <context>[, expected <what>]]
import type { IRecognitionException, IToken } from 'chevrotain';
import * as T from './tokens.ts';

/** How Prometheus names a token (lex.go `Item.desc`). */
export function describeToken(t: IToken): string {
  const type = t.tokenType;
  const name = type.name;
  // Go's `%.10q...` for long values.
  const val = (v: string) => (v.length > 10 ? `${JSON.stringify(v.slice(0, 10))}...` : JSON.stringify(v));
  if (name === 'EOF') return 'end of input';
  if (name === 'Identifier' || name === 'BraceIdentifier') return `${t.image.includes(':') ? 'metric identifier' : 'identifier'} ${JSON.stringify(t.image)}`;
  if (name === 'NumberToken' || name === 'InfNaN') return `number ${val(t.image)}`;
  if (name === 'Duration') return `duration ${val(t.image)}`;
  if (name === 'String') return `string ${val(t.image)}`;
  // Prometheus 2.42 has no display name for `@` and prints its internal item number.
  if (type === T.At) return '"<Item 57385>" <op:@>';
  const has = (cat: typeof T.AddOp) => type.CATEGORIES?.includes(cat) ?? false;
  if (has(T.AggregateOpTok)) return `<aggr:${t.image}>`;
  if (has(T.AndOp) || has(T.OrOp) || has(T.CmpOp) || has(T.AddOp) || has(T.MulOp) || type === T.Pow || type === T.At
    || type === T.EqlRegex || type === T.NeqRegex) {
    return `<op:${t.image}>`;
  }
  if (type === T.Start || type === T.End) return JSON.stringify(t.image);
  if (/^[A-Z_]+$/.test(name)) return `<${t.image}>`;
  return JSON.stringify(t.image);
}

const is = (t: IToken | undefined, ...types: Array<typeof T.LParen>) =>
  t !== undefined && types.some((type) => t.tokenType === type || (t.tokenType.CATEGORIES?.includes(type) ?? false));

/** Context and expectation for an error at `token`, judged from the rule and the token before. */
function context(rule: string | undefined, prev: IToken | undefined, prev2: IToken | undefined): string {
  switch (rule) {
    case 'labelMatcher':
      if (is(prev, T.Identifier, T.BraceIdentifier)) return ' in label matching, expected label matching operator';
      return ' in label matching, expected string';
    case 'labelMatchers':
      return is(prev, T.LBrace, T.Comma) ? ' in label matching, expected identifier or "}"' : ' in label matching, expected "," or "}"';
    case 'groupingLabels':
      if (is(prev, T.By, T.Without, T.On, T.Ignoring) && !is(prev2, T.LParen, T.Comma)) return ' in grouping opts, expected "("';
      return is(prev, T.LParen, T.Comma) ? ' in grouping opts, expected label' : ' in grouping opts, expected "," or ")"';
    case 'aggregation':
      return ' in aggregation';
    case 'postfixExpr':
      if (is(prev, T.Offset) || (is(prev, T.Minus) && is(prev2, T.Offset))) return ' in offset, expected duration';
      if (is(prev, T.At) || (is(prev, T.Plus, T.Minus, T.Start, T.End) && is(prev2, T.At))) return ' in @, expected timestamp';
      if (is(prev, T.LParen) && is(prev2, T.Start, T.End)) return ' in @, expected timestamp';
      if (is(prev, T.LBracket)) return ' in subquery selector, expected duration';
      if (is(prev, T.Colon)) return ' in subquery selector, expected duration or "]"';
      if (is(prev, T.Duration) && is(prev2, T.Colon)) return ' in subquery selector, expected "]"';
      if (is(prev, T.Duration) && is(prev2, T.LBracket)) return ' in subquery or range, expected ":" or "]"';
      return '';
    default:
      return '';
  }
}

const EXPRESSION_STARTS = [T.NumberLit, T.StringLit, T.LParen, T.LBrace, T.MetricName, T.AggregateOpTok, T.Identifier, T.Plus, T.Minus];
const startsExpression = (t: IToken) => EXPRESSION_STARTS.some((s) => t.tokenType === s || (t.tokenType.CATEGORIES?.includes(s) ?? false));
const innermostList = (rules: string[]) => rules.findLast((r) => r === 'callArgs' || r === 'labelMatchers' || r === 'groupingLabels');

/** Offset and message for the first recognition error. */
export function syntaxError(err: IRecognitionException, tokens: IToken[], queryLength: number): { pos: number; end: number; message: string; order: number } {
  const t = err.token;
  const atEnd = Number.isNaN(t.startOffset) || t.tokenType.name === 'EOF';
  const pos = atEnd ? queryLength : t.startOffset;
  const idx = atEnd ? tokens.length : tokens.findIndex((x) => x.startOffset === t.startOffset);
  const prev = tokens[idx - 1];
  const prev2 = tokens[idx - 2];
  // Prometheus accepts `f(a,` and then rejects the dangling comma when no argument follows.
  if (is(prev, T.Comma) && !startsExpression(t) && innermostList(err.context.ruleStack) === 'callArgs') {
    return { pos: prev!.startOffset, end: prev!.startOffset + 1, order: pos, message: 'trailing commas not allowed in function call args' };
  }
  // Like yacc error recovery, the innermost enclosing construct with an error rule names the context.
  let where = '';
  // After group_left/group_right Prometheus' error recovery lands in the label list.
  const partial = err.name !== 'NotAllInputParsedException';
  if (partial && is(prev, T.GroupLeft, T.GroupRight) && !is(prev2, T.LParen, T.Comma)) where = ' in grouping opts, expected "("';
  else if (partial) {
    const rules = err.context.ruleStack;
    for (let i = rules.length - 1; i >= 0 && where === ''; i--) {
      // Modifier contexts apply only to an error directly inside the modifier.
      if (rules[i] === 'postfixExpr' && i !== rules.length - 1) continue;
      where = context(rules[i], prev, prev2);
    }
  }
  return { pos, end: atEnd ? pos : pos + t.image.length, order: pos, message: `unexpected ${describeToken(t)}${where}` };
}
