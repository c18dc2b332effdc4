/**
 * Splits a simple-protocol Query string into statements at top-level semicolons, the way
 * PostgreSQL's lexer sees them: semicolons inside '...', E'...', "...", $tag$...$tag$,
 * -- comments and nested /* *\/ comments do not split.
 */

export interface StatementSlice {
  /** The statement text, semicolon excluded, untrimmed so positions stay exact. */
  sql: string;
  /** Offset of `sql` in the whole text, in UTF-16 code units. */
  offset: number;
  /** True when the slice holds only whitespace and comments (PostgreSQL: EmptyQueryResponse). */
  empty: boolean;
}

const DOLLAR_TAG = /\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;

export function splitStatements(text: string): StatementSlice[] {
  const slices: StatementSlice[] = [];
  let start = 0;
  let hasContent = false;
  let i = 0;
  const push = (end: number) => {
    slices.push({ sql: text.slice(start, end), offset: start, empty: !hasContent });
    hasContent = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < text.length && depth > 0) {
        if (text[i] === '/' && text[i + 1] === '*') { depth++; i += 2; }
        else if (text[i] === '*' && text[i + 1] === '/') { depth--; i += 2; }
        else i++;
      }
    } else if (c === "'") {
      // E'...' strings allow backslash escapes; standard_conforming_strings makes '...' literal.
      const escapes = i > 0 && (text[i - 1] === 'E' || text[i - 1] === 'e') && !isIdentChar(text[i - 2]);
      hasContent = true;
      i = skipQuoted(text, i, "'", escapes);
    } else if (c === '"') {
      hasContent = true;
      i = skipQuoted(text, i, '"', false);
    } else if (c === '$' && !isIdentChar(text[i - 1])) {
      DOLLAR_TAG.lastIndex = i;
      const m = DOLLAR_TAG.exec(text);
      hasContent = true;
      if (m) {
        const close = text.indexOf(m[0], i + m[0].length);
        i = close < 0 ? text.length : close + m[0].length;
      } else {
        i++;
      }
    } else if (c === ';') {
      push(i);
      i++;
      start = i;
    } else {
      if (!/\s/.test(c)) hasContent = true;
      i++;
    }
  }
  push(text.length);
  // Empty pieces between semicolons are no statements ("SELECT 1;;" is one); only a text with
  // nothing at all in it is the empty query.
  const statements = slices.filter((s) => !s.empty);
  return statements.length > 0 ? statements : [{ sql: text, offset: 0, empty: true }];
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** Index just past the closing quote; a doubled quote is an escaped quote. */
function skipQuoted(text: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashEscapes && c === '\\') { i += 2; continue; }
    if (c === quote) {
      if (text[i + 1] === quote) { i += 2; continue; }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

/** Character (code point) count of `text` up to `offset`, for 1-based error positions. */
export function codePointOffset(text: string, offset: number): number {
  let n = 0;
  for (let i = 0; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count a surrogate pair once
  }
  return n;
}
