/** DuckDB names for the catalog's types and tables. */
import { BIGINT, BOOLEAN, DOUBLE, INTEGER, SMALLINT, TIMESTAMP, TINYINT, UBIGINT, UINTEGER, USMALLINT, UTINYINT, VARCHAR, type DuckDBType } from '@duckdb/node-api';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { createTableSql as createTable, quoteIdent, quoteLiteral, tableRef } from '../sql/sql-names.ts';

export const SQL_TYPE: Record<ColumnType, string> = {
  timestamp: 'TIMESTAMP', int8: 'TINYINT', int16: 'SMALLINT', int32: 'INTEGER', int64: 'BIGINT',
  uint8: 'UTINYINT', uint16: 'USMALLINT', uint32: 'UINTEGER', uint64: 'UBIGINT', float64: 'DOUBLE', bool: 'BOOLEAN', string: 'VARCHAR',
};

export const DUCK_TYPE: Record<ColumnType, DuckDBType> = {
  timestamp: TIMESTAMP, int8: TINYINT, int16: SMALLINT, int32: INTEGER, int64: BIGINT,
  uint8: UTINYINT, uint16: USMALLINT, uint32: UINTEGER, uint64: UBIGINT, float64: DOUBLE, bool: BOOLEAN, string: VARCHAR,
};

export { quoteIdent, quoteLiteral, tableRef };

export function createTableSql(t: TableDef): string {
  return createTable(t, SQL_TYPE);
}
