// PromQL parsing entry points: text (or raw UTF-8 bytes) → checked AST, or a PromQLParseError.
import type { IToken } from 'chevrotain';
import type { Expr } from '../ast.ts';
import { PromQLParseError } from './errors.ts';
import { grammar } from './grammar.ts';
import { check } from './checks.ts';
import { SyntaxFault } from './build.ts';
import { promqlLexer, BadNumber } from './tokens.ts';

export { PromQLParseError } from './errors.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** How Prometheus names a token in "unexpected …" messages. */
function describe(t: IToken): string {
  const type = t.tokenType;
  if (type.name === 'EOF') return 'end of input';
  if (type.name === 'Identifier' || type.name === 'BraceIdentifier') return `identifier ${JSON.stringify(t.image)}`;
  if (type.name === 'NumberToken' || type.name === 'InfNaN') return `number ${JSON.stringify(t.image)}`;
  if (type.name === 'Duration') return `duration ${JSON.stringify(t.image)}`;
  if (type.name === 'String') return `string ${JSON.stringify(t.image)}`;
  if (/^[A-Z_0-9]+$/.test(type.name)) return `<${t.image.toLowerCase()}>`;
  return JSON.stringify(t.image);
}

/** Parses a PromQL expression. Bytes are decoded as strict UTF-8 (Prometheus rejects invalid
 * UTF-8). Throws PromQLParseError with Prometheus-style "line:col: parse error: …" text. */
export function parse(input: string | Uint8Array): Expr {
  let query: string;
  if (typeof input === 'string') query = input;
  else {
    try {
      query = utf8.decode(input);
    } catch {
      const bad = firstInvalidUtf8(input);
      throw new PromQLParseError(Buffer.from(input).toString('latin1'), { start: bad, end: bad + 1 }, 'invalid UTF-8 rune');
    }
  }
  const lexed = promqlLexer.tokenize(query);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0]!;
    const ch = query.slice(e.offset, e.offset + e.length).slice(0, 1);
    throw new PromQLParseError(query, { start: e.offset, end: e.offset + e.length }, `unexpected character: ${JSON.stringify(ch)}`);
  }
  const bad = lexed.tokens.find((t) => t.tokenType === BadNumber);
  if (bad !== undefined) {
    throw new PromQLParseError(query, { start: bad.startOffset, end: bad.startOffset + bad.image.length }, `bad number or duration syntax: ${JSON.stringify(bad.image)}`);
  }
  if (lexed.tokens.length === 0) throw new PromQLParseError(query, { start: 0, end: query.length }, 'no expression found in input');
  try {
    grammar.input = lexed.tokens;
    const expr = grammar.expression();
    const err = grammar.errors[0];
    if (err !== undefined) {
      const t = err.token;
      const start = Number.isNaN(t.startOffset) ? query.length : t.startOffset;
      const end = Number.isNaN(t.startOffset) ? query.length : t.startOffset + t.image.length;
      throw new PromQLParseError(query, { start, end }, `unexpected ${describe(t)}`, err.message);
    }
    check(expr);
    return expr;
  } catch (e) {
    if (e instanceof SyntaxFault) throw new PromQLParseError(query, e.posRange, e.message);
    throw e;
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i <= bytes.length; i++) {
    try {
      utf8.decode(bytes.subarray(0, i + 1));
    } catch {
      // The prefix up to i decodes or is an incomplete sequence; find the first hard failure.
      if (i + 1 === bytes.length || bytes[i]! >= 0x80) return i;
    }
  }
  return 0;
}
