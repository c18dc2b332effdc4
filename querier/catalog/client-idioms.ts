/**
 * Rewrites of fixed catalog idioms that client tools send and the grammar cannot parse
 * (array subscripts over `string_to_array(current_setting('search_path'))`, `parse_ident(...)[n]`).
 * Each is replaced by its value for the session, computed here, so the rest of the query runs
 * on the ordinary engine. Only the exact idioms are touched; other SQL passes unchanged.
 */

/** Grafana's "schema is on the search_path" subquery (postgresMetaQuery.ts buildSchemaConstraint). */
const GRAFANA_SEARCH_PATH = /(quote_ident\(table_schema\)\s+IN\s*)?\(\s*SELECT\s+CASE\s+WHEN\s+trim\(s\[i\]\)\s*=\s*'"\$user"'\s+THEN\s+user\s+ELSE\s+trim\(s\[i\]\)\s+END\s+FROM\s+generate_series\(\s*array_lower\(string_to_array\(current_setting\('search_path'\),\s*','\),\s*1\),\s*array_upper\(string_to_array\(current_setting\('search_path'\),\s*','\),\s*1\)\s*\)\s+as\s+i,\s*string_to_array\(current_setting\('search_path'\),\s*','\)\s+s\s*\)/gi;

const PARSE_IDENT_LENGTH = /array_length\(\s*parse_ident\(\s*'((?:[^']|'')*)'\s*\)\s*,\s*1\s*\)/gi;
const PARSE_IDENT_PART = /\(\s*parse_ident\(\s*'((?:[^']|'')*)'\s*\)\s*\)\s*\[\s*(\d+)\s*\]/gi;

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/** PostgreSQL's parse_ident: dotted name → parts, quotes removed, unquoted parts lower-cased. */
export function parseIdent(name: string): string[] {
  const parts: string[] = [];
  const re = /\s*(?:"((?:[^"]|"")*)"|([^."]+))\s*(?:\.|$)/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < name.length && (m = re.exec(name))) parts.push(m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]!.trim().toLowerCase());
  return parts;
}

/** Grafana's column picker: `CASE WHEN <parts> = 2 THEN <schema.table match> ELSE <table match> END`. */
const CASE_ON_PARTS = /CASE\s+WHEN\s+(\d+)\s*=\s*2\s+THEN\s+([\s\S]*?)\s+ELSE\s+([\s\S]*?)\s+END/i;

export function rewriteClientIdioms(sql: string, searchPath: string[]): string {
  if (!/search_path|parse_ident/i.test(sql)) return sql;
  const hadParseIdent = /parse_ident/i.test(sql);
  const out = sql
    .replace(GRAFANA_SEARCH_PATH, (_m, lhs?: string) => {
      // Parenthesised whole: the grammar cannot parse `IN (...)` inside a CASE branch.
      const list = `(${searchPath.map(quote).join(', ')})`;
      return lhs ? `(quote_ident(table_schema) IN ${list})` : list;
    })
    .replace(PARSE_IDENT_LENGTH, (_m, n: string) => String(parseIdent(n.replace(/''/g, "'")).length))
    .replace(PARSE_IDENT_PART, (_m, n: string, i: string) => {
      const part = parseIdent(n.replace(/''/g, "'"))[Number(i) - 1];
      return part === undefined ? 'NULL' : quote(part);
    });
  // The part count is now a constant, so pick the branch (the grammar cannot parse AND in ELSE).
  return hadParseIdent ? out.replace(CASE_ON_PARTS, (_m, n: string, then: string, other: string) => `(${n === '2' ? then : other})`) : out;
}
