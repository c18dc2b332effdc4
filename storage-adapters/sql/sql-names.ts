/**
 * Names and DDL shared by the PostgreSQL-family stores (DuckDB, PostgreSQL): quoted
 * identifiers and literals, `database.table` references (a catalog database is a schema),
 * and CREATE TABLE from the catalog given the store's type names.
 */
import type { ColumnType, TableDef } from '../../schema/index.ts';

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

/** A string literal with standard_conforming_strings (both stores): only quotes double. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

/** `flow_metrics."application.1m"`. */
export function tableRef(t: { database: string; name: string }): string {
  return `${quoteIdent(t.database)}.${quoteIdent(t.name)}`;
}

export function createTableSql(t: TableDef, sqlType: Record<ColumnType, string>): string {
  const cols = t.columns.map((c) => `${quoteIdent(c.name)} ${sqlType[c.type]}${c.role === 'time' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${tableRef(t)} (${cols.join(', ')})`;
}
