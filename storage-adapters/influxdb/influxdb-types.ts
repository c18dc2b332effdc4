/**
 * The mapping of the catalog onto InfluxDB (see README.md): measurement names, which columns
 * are tags and which are fields, line-protocol escaping and value conversion both ways.
 */
import type { ColumnDef, ColumnType, TableDef } from '../../schema/index.ts';

/** Field on every point: InfluxDB needs one field per point and skips points whose selected fields are all null. */
export const ROW_FIELD = '_row';
/** Tag naming the writing adapter instance, so two writers never produce the same series + time. */
export const WRITER_TAG = '_w';
/** Sub-µs nanoseconds available per (series, µs) to keep rows with equal times apart. */
export const SLOTS_PER_US = 1000;

/** The catalog's `database.name` is the measurement, inside the store's one InfluxDB database. */
export function measurementOf(t: { fullName: string }): string {
  return t.fullName;
}

/** Resource IDs and enum codes are tags (low cardinality, indexed); everything else is a field. */
export function isTag(c: ColumnDef): boolean {
  return c.encoding?.kind === 'resource' || c.encoding?.kind === 'enum';
}

/** Line protocol: measurement names escape commas and spaces. */
export function escapeMeasurement(s: string): string {
  return s.replace(/[,\s\\]/g, (ch) => (ch === '\n' ? '\\n' : `\\${ch}`));
}

/** Line protocol: tag keys, tag values and field keys escape commas, equals signs and spaces. */
export function escapeKey(s: string): string {
  return s.replace(/[,= \\]/g, (ch) => `\\${ch}`);
}

export function stringField(s: string): string {
  return '"' + s.replace(/[\\"]/g, (ch) => `\\${ch}`) + '"';
}

/** InfluxQL identifiers are double-quoted with backslash escapes. */
export function quoteIdent(s: string): string {
  return '"' + s.replace(/[\\"]/g, (ch) => `\\${ch}`) + '"';
}

export function quoteLiteral(s: string): string {
  return "'" + s.replace(/[\\']/g, (ch) => `\\${ch}`) + "'";
}

/**
 * A non-null value as a line-protocol field value. Integers are InfluxDB int64 (`i`): InfluxDB
 * 1.x has no unsigned type, so uint64 values ≥ 2^63 are stored as their two's-complement
 * int64 and turned back on read (exact round trip; InfluxQL arithmetic on them is not).
 * Timestamps in fields (start_time, ...) are µs integers.
 */
export function fieldValue(type: ColumnType, v: unknown): string {
  switch (type) {
    case 'string': return stringField(v as string);
    case 'bool': return v ? 'true' : 'false';
    case 'float64': {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new RangeError(`InfluxDB cannot store the float ${n}`);
      return String(n);
    }
    case 'uint64': return `${BigInt.asIntN(64, BigInt(v as bigint))}i`;
    default: return `${v}i`;
  }
}

/** A value from an InfluxDB JSON answer (big integers arrive as strings, see parseJson) → the column's JS value. */
export function fromInflux(type: ColumnType, tag: boolean, v: unknown): unknown {
  if (v === null || v === undefined || (tag && v === '')) return null;
  switch (type) {
    case 'string': return String(v);
    case 'bool': return v === true || v === 'true';
    case 'float64': return Number(v);
    case 'int64': case 'timestamp': return BigInt(v as string);
    case 'uint64': return BigInt.asUintN(64, BigInt(v as string));
    default: return Number(v);
  }
}

/** Integers too long for a double, outside strings (JSON numbers with 16+ digits). */
const BIG_INT = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![\d.eE])/g;

/** JSON.parse that keeps 64-bit integers exact: long integer literals become strings first. */
export function parseJson(text: string): any {
  return JSON.parse(text.replace(BIG_INT, (m) => (m.startsWith('"') ? m : `"${m}"`)));
}

/** Nanoseconds (as parsed: number or string) → µs, rounding down (the sub-µs part is the slot). */
export function nsToUs(ns: unknown): bigint {
  const n = BigInt(ns as string);
  const us = n / 1000n;
  return n < 0n && us * 1000n !== n ? us - 1n : us;
}

export function tableColumns(t: TableDef): Map<string, ColumnDef> {
  return new Map(t.columns.map((c) => [c.name, c]));
}
