/**
 * What differs between SQL stores of the PostgreSQL family (PostgreSQL, DuckDB): quoting,
 * literals for timestamps and intervals, and the spelling of some functions. The compiler in
 * `sql-compiler.ts` is shared; each adapter passes its dialect.
 */
import type { CallExpr, Expr, SqlType } from '../fragment.ts';
import type { TableDef } from '../../schema/index.ts';

export interface SqlDialect {
  quoteIdent(name: string): string;
  quoteString(value: string): string;
  tableRef(table: TableDef): string;
  /** µs since the epoch, UTC → a timestamp expression comparable with stored `time`. */
  timestamp(us: number | bigint): string;
  /** µs → an interval expression. */
  interval(us: number): string;
  /** SQL type names for casts. */
  castType: Record<SqlType, string>;
  /** Spellings that differ from PostgreSQL; `args` are compiled argument texts. */
  functions: Partial<Record<string, (args: string[], e: CallExpr) => string>>;
  /** Wraps a column used in arithmetic (unsigned columns overflow below zero in DuckDB). */
  arithmeticColumn?(sql: string, column: Expr): string;
}

export const quoteIdent = (name: string): string => '"' + name.replace(/"/g, '""') + '"';
export const quoteString = (value: string): string => "'" + value.replace(/'/g, "''") + "'";

/** PostgreSQL itself: timestamps are timestamptz, tables `database.table` schemas. */
export const POSTGRES_DIALECT: SqlDialect = {
  quoteIdent,
  quoteString,
  tableRef: (t) => `${quoteIdent(t.database)}.${quoteIdent(t.name)}`,
  timestamp: (us) => `to_timestamp(${Number(us) / 1e6})`,
  interval: (us) => `(${us} * interval '1 microsecond')`,
  castType: { bool: 'boolean', int: 'bigint', float: 'double precision', text: 'text', timestamp: 'timestamptz', interval: 'interval', null: 'text' },
  functions: {
    time_bucket: ([w, t, o]) => `date_bin(${w}, ${t}, ${o ?? "timestamptz '2000-01-03 00:00:00+00'"})`,
  },
};
