/** DuckDB names for the catalog's types and tables. */
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, SMALLINT, TIMESTAMP, TINYINT, UBIGINT, UINTEGER, USMALLINT, UTINYINT, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import type { ColumnType, TableDef } from '../../schema/index.ts';

export const SQL_TYPE: Record<ColumnType, string> = {
  timestamp: 'TIMESTAMP', int8: 'TINYINT', int16: 'SMALLINT', int32: 'INTEGER', int64: 'BIGINT',
  uint8: 'UTINYINT', uint16: 'USMALLINT', uint32: 'UINTEGER', uint64: 'UBIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR',
};

export const DUCK_TYPE: Record<ColumnType, DuckDBType> = {
  timestamp: TIMESTAMP, int8: TINYINT, int16: SMALLINT, int32: INTEGER, int64: BIGINT,
  uint8: UTINYINT, uint16: USMALLINT, uint32: UINTEGER, uint64: UBIGINT, float64: DOUBLE, bool: BOOLEAN, string: VARCHAR,
};

export function quoteIdent(name: string): string {
  return '"' + name.replace(/"/g, '""') + '"';
}

export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}

/** `flow_metrics."application.1m"`: the database is a DuckDB schema. */
export function tableRef(t: { database: string; name: string }): string {
  return `${quoteIdent(t.database)}.${quoteIdent(t.name)}`;
}

export function createTableSql(t: TableDef): string {
  const cols = t.columns.map((c) => `${quoteIdent(c.name)} ${SQL_TYPE[c.type]}${c.role === 'time' ? ' NOT NULL' : ''}`);
  return `CREATE TABLE IF NOT EXISTS ${tableRef(t)} (${cols.join(', ')})`;
}
