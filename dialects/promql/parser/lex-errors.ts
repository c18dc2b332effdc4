// Prometheus reports lexical problems with its lexer's own words ("unexpected character after
// '!'", "unclosed left parenthesis", "bad duration syntax"). Chevrotain only says where it got
// stuck, so this module re-derives the message from the text and the surrounding tokens.
import type { ILexingError, IToken } from 'chevrotain';
import * as T from './tokens.ts';
import { scanNumber } from './tokens.ts';

/** A lexical error: character offset and Prometheus' message; `order` is where in the text the
 * lexer met it when that differs from the reported offset. */
export interface LexError {
  pos: number;
  message: string;
  order?: number;
}

const goRune = (c: string | undefined) => (c === undefined ? 'EOF' : `'${c === "'" ? "\\'" : c}'`);
const goCodePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} ${goRune(c)}`;

/** Prometheus' lexString/lexEscape on the string literal at `start`: its error, or null. */
export function stringError(q: string, start: number): string | null {
  const quote = q[start]!;
  if (quote === '`') return 'unterminated raw string';
  for (let i = start + 1; i <= q.length; i++) {
    const c = q[i];
    if (c === undefined || c === '\n') return 'unterminated quoted string';
    if (c === quote) return null;
    if (c !== '\\') continue;
    const e = q[++i];
    if (e === undefined) return 'escape sequence not terminated';
    if ('abfnrtv\\'.includes(e) || e === quote) continue;
    const n = /[0-7]/.test(e) ? 3 : e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    if (n === 0) return `unknown escape sequence ${goCodePoint(e)}`;
    const base = /[0-7]/.test(e) ? /[0-7]/ : /[0-9a-fA-F]/;
    let j = /[0-7]/.test(e) ? i : i + 1;
    for (let k = 0; k < n; k++, j++) {
      const d = q[j];
      if (d === undefined) return 'escape sequence not terminated';
      if (!base.test(d)) return `illegal character ${goCodePoint(d)} in escape sequence`;
    }
    i = j - 1;
  }
  return 'unterminated quoted string';
}

type Mode = 'expr' | 'braces' | 'brackets';

function modeAt(tokens: IToken[], pos: number): Mode {
  let mode: Mode = 'expr';
  for (const t of tokens) {
    if (t.startOffset >= pos) break;
    if (t.tokenType === T.LBrace) mode = 'braces';
    else if (t.tokenType === T.LBracket) mode = 'brackets';
    else if (t.tokenType === T.RBrace || t.tokenType === T.RBracket) mode = 'expr';
  }
  return mode;
}

function charError(q: string, pos: number, mode: Mode, prevToken: IToken | undefined): LexError {
  const c = q[pos]!;
  if (c === '"' || c === "'" || c === '`') return { pos, message: stringError(q, pos) ?? 'unterminated quoted string' };
  if (mode === 'braces') {
    if (c === '!') return { pos, message: `unexpected character after '!' inside braces: ${goRune(q[pos + 1])}` };
    if (c === '{') return { pos, message: "unexpected left brace '{'" };
    return { pos, message: `unexpected character inside braces: ${goRune(c)}` };
  }
  if (c === '~' && prevToken?.tokenType === T.Eql && prevToken.startOffset === pos - 1) {
    return { pos: pos - 1, message: "unexpected character after '=': '~'" };
  }
  if (c === '!') return { pos, message: `unexpected character after '!': ${goRune(q[pos + 1])}` };
  if (c === ']') return { pos, message: "unexpected right bracket ']'" };
  if (c === '[' && mode === 'brackets') return { pos, message: "unexpected left bracket '['" };
  return { pos, message: `unexpected character: ${goRune(c)}` };
}

/** How far Prometheus' lexer reads a malformed number or duration before giving up. */
function badNumberExtent(q: string, start: number): number {
  const r = scanNumber(q, start, false);
  let p = r.end;
  if (!'smhdwy'.includes(q[p] ?? '#')) return p;
  p++;
  if (q[p] === 's') p++;
  while (/[0-9]/.test(q[p] ?? '')) {
    while (/[0-9]/.test(q[p] ?? '')) p++;
    if (!'smhdw'.includes(q[p] ?? '#')) return p;
    p++;
    if (q[p] === 's') p++;
  }
  return p + 1;
}

/** The first lexical error in stream order, or null. */
export function firstLexError(q: string, tokens: IToken[], lexErrors: ILexingError[]): LexError | null {
  const found: LexError[] = [];
  let depth = 0;
  const modes: Mode[] = ['expr'];
  let colons = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    const afterBracket = tokens[i - 1]?.tokenType === T.LBracket;
    if (type === T.BadNumber) {
      const text = q.slice(t.startOffset, badNumberExtent(q, t.startOffset));
      found.push({ pos: t.startOffset, message: afterBracket ? `bad duration syntax: ${JSON.stringify(text)}` : `bad number or duration syntax: ${JSON.stringify(text)}` });
      break;
    }
    // Prometheus checks escapes while lexing a string, before the parser judges its place.
    if (type === T.StringLit && t.image[0] !== '`') {
      const message = stringError(t.image, 0);
      if (message !== null) {
        found.push({ pos: t.startOffset, message });
        break;
      }
    }
    if (type === T.LBracket) {
      // Right after `[` Prometheus reads a duration only.
      let p = t.startOffset + 1;
      while (/[ \t\r\n]/.test(q[p] ?? '')) p++;
      const next = tokens[i + 1];
      if (next === undefined || next.startOffset !== p || (next.tokenType !== T.Duration && next.tokenType !== T.BadNumber)) {
        // Its number scanner may swallow a stray `e` or `.` before giving up.
        const r = scanNumber(q, p, false);
        const message = r.ok ? 'missing unit character in duration' : `bad duration syntax: ${JSON.stringify(q.slice(p, badNumberExtent(q, p)))}`;
        found.push({ pos: p, message });
        break;
      }
    }
    if ((type === T.Colon || type.name === 'BracketLetter') && ++colons > 1) {
      found.push({ pos: t.startOffset, message: `unexpected colon ${goRune(t.image)}` });
      break;
    }
    if (type === T.LParen) depth++;
    else if (type === T.RParen && --depth < 0) {
      // Prometheus reports this after emitting the parenthesis, one character on.
      found.push({ pos: t.startOffset + 1, order: t.startOffset, message: "unexpected right parenthesis ')'" });
      break;
    } else if (type === T.LBrace) modes.push('braces');
    else if (type === T.LBracket) { modes.push('brackets'); colons = 0; }
    else if ((type === T.RBrace || type === T.RBracket) && modes.length > 1) modes.pop();
  }
  const open = modes[modes.length - 1];
  if (open === 'braces') found.push({ pos: q.length, message: 'unexpected end of input inside braces' });
  else if (depth > 0) found.push({ pos: q.length, message: 'unclosed left parenthesis' });
  else if (open === 'brackets') found.push({ pos: q.length, message: 'unclosed left bracket' });
  // Last, so that on a tie the more specific findings above win (the sort is stable).
  if (lexErrors.length > 0) {
    const at = lexErrors[0]!.offset;
    found.push(charError(q, at, modeAt(tokens, at), tokens.findLast((t) => t.startOffset < at)));
  }
  found.sort((a, b) => (a.order ?? a.pos) - (b.order ?? b.pos));
  return found[0] ?? null;
}
