// The typed error every PromQL parse failure raises, printed the way Prometheus prints
// `parser.ParseErr`: "<line>:<column>: parse error: <message>" (column 1-based).
import type { PosRange } from '../ast.ts';

/** A PromQL syntax or type error with the offending range of the query text. */
export class PromQLParseError extends Error {
  /** Stable code for API layers (Prometheus answers these with errorType "bad_data"). */
  readonly code = 'PROMQL_PARSE';
  /** The bare message, without the position prefix. */
  readonly detail: string;
  /** Character (UTF-16) offsets into the query, for slicing it in JS. */
  readonly posRange: PosRange;
  /** 1-based line and column of `posRange.start`; the column counts UTF-8 bytes, as Prometheus
   * does, so the message matches Prometheus' own. */
  readonly line: number;
  readonly column: number;
  readonly query: string;
  /** An optional suggestion for the user. */
  readonly hint?: string;

  constructor(query: string, posRange: PosRange, detail: string, hint: string | undefined = hintFor(detail)) {
    const { line, column } = lineAndColumn(query, posRange.start);
    super(`${line}:${column}: parse error: ${detail}`);
    this.name = 'PromQLParseError';
    this.detail = detail;
    this.posRange = posRange;
    this.line = line;
    this.column = column;
    this.query = query;
    if (hint !== undefined) this.hint = hint;
  }
}

/** Line and column as Prometheus counts them: the column in UTF-8 bytes, 1-based. */
function lineAndColumn(query: string, pos: number): { line: number; column: number } {
  let line = 1;
  let column = 1;
  const end = Math.min(Math.max(pos, 0), query.length);
  for (let i = 0; i < end; i++) {
    const c = query.charCodeAt(i);
    if (c === 10) {
      line++;
      column = 1;
    } else {
      // A surrogate pair is one 4-byte character: 2 bytes for each half.
      column += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c < 0xe000 ? 2 : 3;
    }
  }
  return { line, column };
}

/** Suggestions for the mistakes people make most, keyed by Prometheus' message. */
const HINTS: Array<[RegExp, string]> = [
  [/comparisons between scalars must use BOOL/, 'add bool to compare two scalars, e.g. 1 > bool 0'],
  [/bool modifier can only be used on comparison/, 'bool applies to ==, !=, >, <, >= and <= only'],
  [/ranges only allowed for vector selectors/, 'for a range over an expression use a subquery: (expr)[5m:1m]'],
  [/no (offset|@) modifiers allowed before range/, 'write the range first: metric[5m] offset 1h @ 1700000000'],
  [/vector selector must contain at least one non-empty matcher/, 'name a metric or add a matcher that cannot match "", e.g. {job=~".+"}'],
  [/set operator .* not allowed in binary scalar expression/, 'and, or and unless combine instant vectors only'],
  [/expected type range vector in call to function/, 'add a range selector such as [5m] to the argument'],
  [/missing unit character in duration|bad (number or )?duration syntax|not a valid duration string/, 'durations are units from largest to smallest, each at most once: 1h30m, 5m, 250ms'],
  [/unclosed left parenthesis/, 'a closing ")" is missing'],
  [/unexpected end of input/, 'the query is incomplete'],
];

function hintFor(detail: string): string | undefined {
  return HINTS.find(([re]) => re.test(detail))?.[1];
}
