/**
 * PlanFragment → DuckDB SQL: the shared PostgreSQL-family compiler (storage-adapters/sql)
 * with DuckDB's differences: naive UTC TIMESTAMP columns, `//` for integer division, regex
 * through regexp_matches (DuckDB's `~` is a full match), LIKE's backslash escape spelled out,
 * date_bin as time_bucket, fractional seconds from date_part.
 */
import type { PlanFragment } from '../adapter.ts';
import { compileFragment as compileSql } from '../sql/sql-compiler.ts';
import { quoteIdent, quoteString, type SqlDialect } from '../sql/sql-dialect.ts';
import { tableRef } from './duckdb-types.ts';

/** Microseconds since the epoch → a DuckDB TIMESTAMP expression. */
export function timestampLiteral(us: bigint | number): string {
  return `make_timestamp(${BigInt(us)}::BIGINT)`;
}

const regex = (negate: boolean, flags: string) => ([s, p]: string[]): string =>
  `(${negate ? 'NOT ' : ''}regexp_matches(${s}, ${p}${flags ? `, '${flags}'` : ''}))`;
const like = (op: string) => ([s, p]: string[]): string => `(${s} ${op} ${p} ESCAPE '\\')`;

export const DUCKDB_DIALECT: SqlDialect = {
  quoteIdent,
  quoteString,
  tableRef,
  timestamp: timestampLiteral,
  interval: (us) => `to_microseconds(${Math.round(us)}::BIGINT)`,
  castType: { bool: 'BOOLEAN', int: 'BIGINT', float: 'DOUBLE', text: 'VARCHAR', timestamp: 'TIMESTAMP', interval: 'INTERVAL', null: 'VARCHAR' },
  functions: {
    '/': ([a, b], e) => (e.args.every((x) => x.type === 'int') ? `(${a} // ${b})` : `(CAST(${a} AS DOUBLE) / ${b})`),
    '~': regex(false, ''),
    '~*': regex(false, 'i'),
    '!~': regex(true, ''),
    '!~*': regex(true, 'i'),
    like: like('LIKE'),
    not_like: like('NOT LIKE'),
    ilike: like('ILIKE'),
    not_ilike: like('NOT ILIKE'),
    date_bin: ([w, t, o]) => `time_bucket(${w}, ${t}, ${o})`,
    time_bucket: ([w, t, o]) => `time_bucket(${w}, ${t}, ${o ?? timestampLiteral(Date.UTC(2000, 0, 3) * 1000)})`,
    to_timestamp: ([s]) => `make_timestamp(CAST(round(${s} * 1000000) AS BIGINT))`,
    date_part: ([f, t], e) => {
      const field = e.args[0]?.kind === 'literal' ? String(e.args[0].value).toLowerCase() : '';
      if (field === 'epoch') return `(epoch_us(${t}) / 1000000.0)`;
      if (field === 'second') return `(date_part('microsecond', ${t}) / 1000000.0)`;
      if (field === 'milliseconds') return `(date_part('microsecond', ${t}) / 1000.0)`;
      return `date_part(${f}, ${t})`;
    },
  },
  arithmeticColumn: (sql, e) => (e.type === 'int' ? `CAST(${sql} AS BIGINT)` : sql),
};

export function compileFragment(f: PlanFragment): string {
  return compileSql(f, DUCKDB_DIALECT);
}
