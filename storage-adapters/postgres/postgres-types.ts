/**
 * PostgreSQL names for the catalog's types and tables. Each catalog database is a schema in
 * one Postgres database. Postgres has no unsigned integers, so every unsigned type takes the
 * next wider signed one; uint64 is `numeric(20,0)`, which holds 0..2^64-1 exactly (a bigint
 * would need a range check that drops half the domain).
 */
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { createTableSql as createTable, quoteIdent, quoteLiteral as sqlLiteral, tableRef } from '../sql/sql-names.ts';

export const SQL_TYPE: Record<ColumnType, string> = {
  timestamp: 'timestamptz', int8: 'smallint', int16: 'smallint', int32: 'integer', int64: 'bigint',
  uint8: 'smallint', uint16: 'integer', uint32: 'bigint', uint64: 'numeric(20,0)', float64: 'double precision',
  bool: 'boolean', string: 'text',
};

/** Microseconds from the Unix epoch to Postgres's epoch (2000-01-01 UTC), where binary timestamps count from. */
export const PG_EPOCH_US = 946_684_800_000_000n;

export { quoteIdent, tableRef };

/** A string literal; Postgres text cannot hold NUL, so that is refused here rather than by the server. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('PostgreSQL text cannot hold NUL characters');
  return sqlLiteral(value);
}

export function createTableSql(t: TableDef): string {
  return createTable(t, SQL_TYPE);
}

/** ALTERs that bring a table made by an older version (columns `have`) up to the catalog. */
export function addColumnsSql(t: TableDef, have: Set<string>): string[] {
  return t.columns.filter((c) => !have.has(c.name)).map((c) => `ALTER TABLE ${tableRef(t)} ADD COLUMN ${quoteIdent(c.name)} ${SQL_TYPE[c.type]}`);
}

/**
 * How rows are found by time: a hypertable (chunks by time, with TimescaleDB's own time
 * index) when TimescaleDB is installed, else a BRIN index, tiny and right for rows that
 * arrive in time order. Both are idempotent.
 */
export function timeLayoutSql(t: TableDef, timescale: boolean): string {
  return timescale
    ? `SELECT create_hypertable(${quoteLiteral(tableRef(t))}, 'time', if_not_exists => TRUE, migrate_data => TRUE)`
    : `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${t.name}_time_brin`)} ON ${tableRef(t)} USING brin ("time")`;
}

const pad = (n: number | bigint, w: number) => String(n).padStart(w, '0');

/** µs since the epoch → `timestamptz '2023-11-14 22:13:20.123456+00'` (exact; Date alone keeps only ms). */
export function timestampLiteral(us: bigint): string {
  let sec = us / 1_000_000n;
  let frac = us % 1_000_000n;
  if (frac < 0n) { frac += 1_000_000n; sec -= 1n; }
  const d = new Date(Number(sec) * 1000);
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return `(to_timestamp(${sec}) + ${frac} * interval '1 microsecond')`;
  return `timestamptz '${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(frac, 6)}+00'`;
}

const TIMESTAMP_TEXT = /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/;

/**
 * timestamptz text (ISO DateStyle, any session time zone) → µs since the epoch. Parsed from
 * text because pg's default parser makes a Date, which drops the microseconds.
 */
export function parseTimestamp(text: string): bigint {
  if (text === 'infinity' || text === '-infinity') throw new Error(`timestamp ${text} has no microsecond value`);
  const m = TIMESTAMP_TEXT.exec(text);
  if (!m) throw new Error(`unexpected timestamp text from PostgreSQL: ${text}`);
  const [, y, mo, d, h, mi, s, frac, sign, oh, om, os, bc] = m;
  const year = bc ? 1 - Number(y) : Number(y);
  const date = new Date(0);
  date.setUTCFullYear(year, Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(s), 0);
  const offsetSec = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 3600 + Number(om ?? 0) * 60 + Number(os ?? 0)) : 0;
  return (BigInt(date.getTime()) / 1000n - BigInt(offsetSec)) * 1_000_000n + BigInt((frac ?? '').padEnd(6, '0'));
}
