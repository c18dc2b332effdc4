// The typed error every PromQL parse failure raises, printed the way Prometheus prints
// `parser.ParseErr`: "<line>:<column>: parse error: <message>" (column 1-based).
import type { PosRange } from '../ast.ts';

/** A PromQL syntax or type error with the offending range of the query text. */
export class PromQLParseError extends Error {
  /** Stable code for API layers (Prometheus answers these with errorType "bad_data"). */
  readonly code = 'PROMQL_PARSE';
  /** The bare message, without the position prefix. */
  readonly detail: string;
  readonly posRange: PosRange;
  /** 1-based line and column of `posRange.start`. */
  readonly line: number;
  readonly column: number;
  readonly query: string;
  /** An optional suggestion for the user. */
  readonly hint?: string;

  constructor(query: string, posRange: PosRange, detail: string, hint?: string) {
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

function lineAndColumn(query: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lastBreak = -1;
  const end = Math.min(Math.max(pos, 0), query.length);
  for (let i = 0; i < end; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return { line, column: end - lastBreak };
}
