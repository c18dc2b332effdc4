/**
 * ClickHouse names for the catalog's types and tables, and the table DDL.
 *
 * Column mapping (valid on Debian's 18.16 and on current ClickHouse):
 * - `timestamp` → `Int64`, microseconds since the Unix epoch, UTC. 18.16 has no DateTime64,
 *   and an integer keeps every µs exact on any version; `fromUnixTimestamp64Micro(time)` (or
 *   `toDateTime(intDiv(time, 1000000))`) reads it as a date in ClickHouse itself.
 * - `bool` → `UInt8` (0/1); other integers and `float64` → the same-width ClickHouse type;
 *   `string` → `String`.
 * - Every column but `time` is `Nullable(...)`: the catalog lets any tag or metric be absent.
 * Tables are MergeTree, partitioned by UTC day of `time` and ordered by (sort key..., time).
 * A sorting key may not hold Nullable columns (18.16; current versions need a setting), so
 * key columns enter it as `ifNull(col, <zero>)`; the compiler repeats filters on them in that
 * form so the primary index still prunes.
 */
import type { ColumnDef, ColumnType, TableDef } from '../../schema/index.ts';

export const CH_TYPE: Record<ColumnType, string> = {
  timestamp: 'Int64', int8: 'Int8', int16: 'Int16', int32: 'Int32', int64: 'Int64',
  uint8: 'UInt8', uint16: 'UInt16', uint32: 'UInt32', uint64: 'UInt64', float64: 'Float64', bool: 'UInt8', string: 'String',
};

/** The value a null takes inside the sorting key. */
export const KEY_ZERO: Record<ColumnType, string> = {
  timestamp: '0', int8: '0', int16: '0', int32: '0', int64: '0', uint8: '0', uint16: '0', uint32: '0', uint64: '0',
  float64: '0', bool: '0', string: "''",
};

/** The ClickHouse type a stored column has (`Nullable(UInt32)`). */
export function columnType(c: Pick<ColumnDef, 'type' | 'role'>): string {
  return c.role === 'time' ? CH_TYPE[c.type] : `Nullable(${CH_TYPE[c.type]})`;
}

export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

/** A string literal; ClickHouse reads backslash escapes in literals, so both ' and \ are escaped. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'";
}

/** Where the catalog's tables live in one ClickHouse: databases may carry an install prefix. */
export interface Naming {
  /** `''` or `staging_`: prepended to every database name, so installs can share a server. */
  prefix: string;
}

export function databaseName(naming: Naming, database: string): string {
  return naming.prefix + database;
}

export function tableRef(naming: Naming, t: { database: string; name: string }, suffix = ''): string {
  return `${quoteIdent(databaseName(naming, t.database))}.${quoteIdent(t.name + suffix)}`;
}

/** UTC day of the µs `time` column: one partition per day. */
export const PARTITION_BY = "toYYYYMMDD(toDateTime(intDiv(`time`, 1000000), 'UTC'))";

/** The sorting-key expression of a column: itself, or `ifNull(col, zero)` when Nullable. */
export function keyExpression(c: ColumnDef): string {
  return c.role === 'time' ? quoteIdent(c.name) : `ifNull(${quoteIdent(c.name)}, ${KEY_ZERO[c.type]})`;
}

export function orderBy(t: TableDef): string {
  const cols = [...t.sortKey, 'time'].map((n) => t.columns.find((c) => c.name === n)!);
  return `(${cols.map(keyExpression).join(', ')})`;
}

export function columnsDdl(t: TableDef): string {
  return t.columns.map((c) => `${quoteIdent(c.name)} ${columnType(c)}`).join(', ');
}

/** The MergeTree table that holds the rows (on a cluster: the local table on every shard). */
export function mergeTreeDdl(naming: Naming, t: TableDef, suffix = ''): string {
  return `CREATE TABLE IF NOT EXISTS ${tableRef(naming, t, suffix)} (${columnsDdl(t)}) ENGINE = MergeTree PARTITION BY ${PARTITION_BY} ORDER BY ${orderBy(t)}`;
}

/** A Distributed table over `<name><localSuffix>` on every shard of `cluster`; rows spread at random. */
export function distributedDdl(naming: Naming, t: TableDef, cluster: string, localSuffix: string): string {
  const engine = `Distributed(${quoteLiteral(cluster)}, ${quoteLiteral(databaseName(naming, t.database))}, ${quoteLiteral(t.name + localSuffix)}, rand())`;
  return `CREATE TABLE IF NOT EXISTS ${tableRef(naming, t)} (${columnsDdl(t)}) ENGINE = ${engine}`;
}
