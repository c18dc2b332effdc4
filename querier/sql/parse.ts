/**
 * SQL text → node-sql-parser AST (PostgreSQL flavour). Kept apart so the parser can be swapped
 * and so its quirks are handled in one place:
 * - the parser's error carries a 0-based offset; PostgreSQL reports 1-based positions;
 * - column references carry no location, so `positionOf` finds a name in the text for errors;
 * - several statements in one string (psql sends them) come back as an array;
 * - two DeepFlow spellings the grammar cannot express are quoted before parsing (see
 *   `preprocess`), and error positions are mapped back to the user's text.
 */
import pkg from 'node-sql-parser/build/postgresql.js';
import { QueryError, SQLSTATE } from '../errors.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Ast = any;

const parser = new (pkg as unknown as { Parser: new () => { astify(sql: string, opt: object): Ast } }).Parser();
const OPTIONS = { database: 'PostgresQL', parseOptions: { includeLocations: true } };

/**
 * Parsed statements by text. Dashboards send the same text on every refresh and the grammar
 * costs more than a millisecond per parse; binding never mutates the AST, so sharing is safe.
 */
const cache = new Map<string, Ast[]>();
const CACHE_SIZE = 512;

/** Parses one or more statements; throws 42601 with the position of the offending token. */
export function parseStatements(sql: string): Ast[] {
  const hit = cache.get(sql);
  if (hit) {
    cache.delete(sql);
    cache.set(sql, hit); // most recently used last
    return hit;
  }
  const parsed = parseUncached(sql);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(sql, parsed);
  return parsed;
}

function parseUncached(sql: string): Ast[] {
  let ast: Ast;
  const pre = preprocess(sql);
  try {
    ast = parser.astify(pre.text, OPTIONS);
  } catch (e) {
    const err = e as { message?: string; location?: { start: { offset: number } }; found?: string | null };
    if (!err.location) throw new QueryError(SQLSTATE.syntaxError, `syntax error: ${err.message ?? String(e)}`);
    const offset = pre.original(err.location.start.offset);
    const near = err.found ?? sql.slice(offset, offset + 12).split(/\s/)[0] ?? '';
    throw new QueryError(SQLSTATE.syntaxError, near ? `syntax error at or near "${near}"` : 'syntax error at end of input', { position: offset + 1 });
  }
  return (Array.isArray(ast) ? ast : [ast]).filter((s: Ast) => s != null);
}

/**
 * 1-based position of the first occurrence of `name` in `sql` outside string literals and as a
 * whole word (quoted or not), or undefined. Good enough to point at an unknown identifier.
 */
export function positionOf(sql: string, name: string, from = 0): number | undefined {
  const lower = sql.toLowerCase();
  const needle = name.toLowerCase();
  let inString = false;
  for (let i = from; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'") { inString = !inString; continue; }
    if (inString) continue;
    if (lower.startsWith(needle, i)) {
      const before = sql[i - 1] ?? ' ';
      const after = sql[i + needle.length] ?? ' ';
      if (!/[\w.]/.test(before) || before === '"' || before === '.') {
        if (!/\w/.test(after)) return i + 1;
      }
    }
  }
  return undefined;
}

/** The name an identifier node denotes: unquoted names fold to lower case, as in PostgreSQL. */
export function identName(node: Ast): string {
  if (typeof node === 'string') return node;
  if (node?.expr) return identName(node.expr);
  if (node?.type === 'double_quote_string' || node?.type === 'backticks_quote_string') return String(node.value);
  return String(node?.value ?? '').toLowerCase();
}

/**
 * Narrow rewrites, outside string literals and quoted names only:
 * - DeepFlow's capitalised `Avg(`, `Max(`, `Min(`, `Sum(` become `"Avg"(` ...: the grammar
 *   upper-cases aggregate names, and DeepFlow's versions skip zeros of delay metrics, so the
 *   binder must tell them from PostgreSQL's `avg`/`AVG`;
 * - `application.1m` style table names (a digit after the dot is not an identifier) are quoted;
 * - psql's catalog spellings the grammar lacks: `OPERATOR(pg_catalog.~)` → `~`, `COLLATE x`
 *   dropped (MetaFlow compares in C order anyway), `::pg_catalog.regclass` → `::regclass`;
 * - a cast parameter `$1::int` becomes `($1)::int`: the grammar reads `$n::type` only as a
 *   whole select item and there swallows what follows (`$1::int * 2 + 1` as `$1 * (2 + 1)`).
 */
const REWRITES: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  // Client catalog queries (psql): OPERATOR(pg_catalog.~), COLLATE pg_catalog.default, ::pg_catalog.regclass.
  [/OPERATOR\(\s*(?:pg_catalog\.)?([~!<>=*]+)\s*\)/y, (m) => m[1]!],
  [/COLLATE\s+(?:pg_catalog\.)?(?:"[^"]+"|\w+)/y, () => ''],
  [/(?<=::)pg_catalog\./y, () => ''],
  [/\b(Avg|Max|Min|Sum)(?=\s*\()/y, (m) => `"${m[1]}"`],
  [/(\$\d+)(?=\s*::)/y, (m) => `(${m[1]})`],
  [/\b((?:application|application_map|network|network_map)\.1[sm])\b/y, (m) => `"${m[1]}"`],
];

export function preprocess(sql: string): { text: string; original: (offset: number) => number } {
  let out = '';
  const shifts: Array<[number, number]> = []; // (offset in output, cumulative shift)
  let shift = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    let replaced = false;
    if (/[A-Za-z$]/.test(c) && !/\w/.test(sql[i - 1] ?? ' ')) {
      for (const [re, f] of REWRITES) {
        re.lastIndex = i;
        const m = re.exec(sql);
        if (!m) continue;
        const rep = f(m);
        out += rep;
        shift += rep.length - m[0].length;
        shifts.push([out.length, shift]);
        i += m[0].length;
        replaced = true;
        break;
      }
    }
    if (!replaced) { out += c; i++; }
  }
  return {
    text: out,
    original: (offset) => {
      let s = 0;
      for (const [at, total] of shifts) if (offset >= at) s = total;
      return offset - s;
    },
  };
}
