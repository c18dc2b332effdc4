// PromQL parsing entry points: text (or raw UTF-8 bytes) → checked AST, or a PromQLParseError.
import type { Expr } from '../ast.ts';
import { PromQLParseError } from './errors.ts';
import { grammar } from './grammar.ts';
import { checkTree } from './checks.ts';
import { SyntaxFault } from './build.ts';
import { promqlLexer } from './tokens.ts';
import { firstLexError } from './lex-errors.ts';
import { syntaxError } from './syntax-errors.ts';

export { PromQLParseError } from './errors.ts';
export { print, type PrintOptions } from './printer.ts';
export { parseSeriesDesc, type SeriesDesc, type SeriesValue } from './series.ts';
export { compileLabelRegex, matcherMatches } from './regex.ts';
export { parseDurationMs, formatDuration } from './literals.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const lossyUtf8 = new TextDecoder('utf-8');

/** Parses a PromQL expression. Throws PromQLParseError with Prometheus-style
 * "line:col: parse error: …" text. Bytes must be valid UTF-8, as Prometheus requires. */
export function parse(input: string | Uint8Array): Expr {
  const query = typeof input === 'string' ? input : decode(input);
  try {
    return parseText(query);
  } catch (e) {
    // Recursion follows nesting depth; Prometheus' table-driven parser has no such limit, but
    // hundreds of nested parentheses are not a real query.
    if (e instanceof RangeError) throw new PromQLParseError(query, { start: 0, end: query.length }, 'expression nested too deeply');
    throw e;
  }
}

function parseText(query: string): Expr {
  const lexed = promqlLexer.tokenize(query);
  const tokens = lexed.tokens;
  const lexError = firstLexError(query, tokens, lexed.errors);
  if (tokens.length === 0 && lexError === null) {
    throw new PromQLParseError(query, { start: 0, end: query.length }, 'no expression found in input');
  }
  grammar.input = tokens;
  let expr: Expr | undefined;
  let fault: SyntaxFault | undefined;
  let faultAt = { consumedEnd: 0, nextStart: Infinity };
  try {
    expr = grammar.expression();
  } catch (e) {
    if (!(e instanceof SyntaxFault)) throw e;
    fault = e;
    faultAt = grammar.position();
  }
  // Prometheus lexes while it parses, so whichever problem comes first in the text wins. A fault
  // thrown from an action ends the parse early; chevrotain then also reports unparsed input.
  const recognition = fault === undefined ? grammar.errors[0] : undefined;
  if (recognition !== undefined) {
    const s = syntaxError(recognition, tokens, query.length);
    if (lexError === null || s.order < (lexError.order ?? lexError.pos)) throw new PromQLParseError(query, { start: s.pos, end: s.end }, s.message);
  }
  // A fault raised while building a node precedes lexical trouble further on in the text; when
  // yacc reads the next token before reducing (fault.lookahead), trouble up to that token wins.
  let faultFirst = false;
  if (fault !== undefined && lexError !== null) {
    const lexAt = lexError.order ?? lexError.pos;
    faultFirst = fault.lookahead ? Math.min(faultAt.nextStart, query.length) < lexAt : faultAt.consumedEnd <= lexAt;
  }
  if (lexError !== null && !faultFirst) throw new PromQLParseError(query, { start: lexError.pos, end: lexError.pos + 1 }, lexError.message);
  try {
    if (fault !== undefined) throw fault;
    checkTree(expr!, query);
    return expr!;
  } catch (e) {
    if (e instanceof SyntaxFault) throw new PromQLParseError(query, e.posRange, e.message);
    throw e;
  }
}

/** Strict UTF-8 decoding; the error points at the string literal holding the bad bytes, as the
 * Prometheus lexer does. */
function decode(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    const text = lossyUtf8.decode(bytes);
    let bad = 0;
    while (bad < bytes.length) {
      try {
        strictUtf8.decode(bytes.subarray(0, bad + 1));
        bad++;
      } catch {
        // An incomplete but valid prefix of a multi-byte sequence also throws: look further.
        if (bytes[bad]! < 0x80 || !validPrefixAhead(bytes, bad)) break;
        bad++;
      }
    }
    const at = lossyUtf8.decode(bytes.subarray(0, bad)).length;
    const token = promqlLexer.tokenize(text).tokens.find((t) => t.startOffset <= at && at < t.startOffset + t.image.length);
    const start = token?.startOffset ?? at;
    throw new PromQLParseError(text, { start, end: at + 1 }, 'invalid UTF-8 rune');
  }
}

function validPrefixAhead(bytes: Uint8Array, i: number): boolean {
  for (let n = 2; n <= 4 && i + n <= bytes.length; n++) {
    try {
      strictUtf8.decode(bytes.subarray(i, i + n));
      return true;
    } catch { /* keep extending */ }
  }
  return false;
}
