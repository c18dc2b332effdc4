/**
 * Arrow (storage form) → one ClickHouse Native block. Native is columnar like Arrow, so
 * fixed-width columns are copied byte for byte (both little-endian), null bitmaps become
 * ClickHouse null maps (one byte per row, 1 = null), and strings are copied as UTF-8 slices
 * without decoding. 18.16 and current servers read the same Native layout over HTTP:
 *   block  := varint(columns) varint(rows) column*
 *   column := string(name) string(type) [nullmap: rows × UInt8] values
 *   string := varint(length) bytes
 * All batches of a write become ONE block, so the INSERT carrying it is parsed whole before
 * anything is stored (see ClickHouseAdapter.write for what ClickHouse then guarantees).
 */
import { DataType, TimeUnit, type Data, type RecordBatch } from 'apache-arrow';
import type { ColumnDef, ColumnType, TableDef } from '../../schema/index.ts';
import { isValid, numberReader, stringReader, timestampReader } from '../../lib/arrow-read.ts';
import { StoreError } from '../adapter.ts';
import { columnType } from './clickhouse-types.ts';

/** Bytes per value of fixed-width columns, the same in Arrow and in ClickHouse. */
export const WIDTH: Partial<Record<ColumnType, number>> = {
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, float64: 8, timestamp: 8, bool: 1,
};

/** Integer ranges, for values that arrive in a different Arrow type than the column's. */
const RANGE: Partial<Record<ColumnType, [bigint, bigint]>> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-(2n ** 31n), 2n ** 31n - 1n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n], uint16: [0n, 65535n], uint32: [0n, 2n ** 32n - 1n], uint64: [0n, 2n ** 64n - 1n], timestamp: [-(2n ** 63n), 2n ** 63n - 1n],
};

export function varintSize(v: number): number {
  let n = 1;
  while (v >= 0x80) { v = Math.floor(v / 128); n++; }
  return n;
}

export function writeVarint(buf: Uint8Array, pos: number, v: number): number {
  while (v >= 0x80) { buf[pos++] = (v & 0x7f) | 0x80; v = Math.floor(v / 128); }
  buf[pos++] = v;
  return pos;
}

function nativeString(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  const out = Buffer.allocUnsafe(varintSize(bytes.length) + bytes.length);
  bytes.copy(out, writeVarint(out, 0, bytes.length));
  return out;
}

/** True when the Arrow data already has the column's exact byte layout. */
function sameLayout(type: ColumnType, t: DataType): boolean {
  if (type === 'timestamp') return DataType.isTimestamp(t) && t.unit === TimeUnit.MICROSECOND;
  if (type === 'float64') return DataType.isFloat(t) && t.precision === 2;
  if (DataType.isInt(t)) return t.bitWidth === WIDTH[type]! * 8 && t.isSigned === type.startsWith('int');
  return false;
}

/** Values of one slice of rows, written at `out[at..]` in the column's layout. */
function writeFixed(out: Buffer, at: number, c: ColumnDef, data: Data): void {
  const width = WIDTH[c.type]!;
  const n = data.length;
  if (c.type === 'bool') {
    if (!DataType.isBool(data.type)) throw new StoreError(`column ${c.name}: expected Bool, got ${data.type}`, 'clickhouse', '42804');
    const bits = data.values as Uint8Array;
    for (let i = 0; i < n; i++) { const j = data.offset + i; out[at + i] = (bits[j >> 3]! >> (j & 7)) & 1; }
    return;
  }
  if (sameLayout(c.type, data.type)) {
    const v = data.values as ArrayBufferView;
    out.set(new Uint8Array(v.buffer, v.byteOffset, n * width), at * width); // already cut at a slice's start
    return;
  }
  // A different but compatible Arrow type: convert value by value, refusing what does not fit.
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  if (c.type === 'float64') {
    if (!DataType.isInt(data.type) && !DataType.isFloat(data.type)) throw new StoreError(`column ${c.name}: cannot store ${data.type} as Float64`, 'clickhouse', '42804');
    const read = numberReader(data);
    for (let i = 0; i < n; i++) view.setFloat64((at + i) * 8, Number(read(i) ?? 0), true);
    return;
  }
  let read: (i: number) => number | bigint | null;
  if (c.type === 'timestamp' && (DataType.isTimestamp(data.type) || DataType.isDate(data.type))) read = timestampReader(data);
  else if (DataType.isInt(data.type)) read = numberReader(data);
  else throw new StoreError(`column ${c.name}: cannot store ${data.type} as ${columnType(c)}`, 'clickhouse', '42804');
  const [lo, hi] = RANGE[c.type]!;
  for (let i = 0; i < n; i++) {
    const raw = read(i);
    if (raw === null) continue;
    const v = BigInt(raw);
    if (v < lo || v > hi) throw new StoreError(`column ${c.name}: ${v} is out of range for ${columnType(c)}`, 'clickhouse', '22003');
    const p = (at + i) * width;
    if (width === 1) out[p] = Number(v & 0xffn);
    else if (width === 2) view.setUint16(p, Number(v & 0xffffn), true);
    else if (width === 4) view.setUint32(p, Number(v & 0xffffffffn), true);
    else view.setBigUint64(p, BigInt.asUintN(64, v), true);
  }
}

/** A string column's values as UTF-8: plain Utf8 is read in place, other encodings are encoded once. */
interface Utf8View { offsets: ArrayLike<number>; bytes: Uint8Array; valid: ((i: number) => boolean) | undefined }

function utf8View(data: Data): Utf8View {
  if (DataType.isUtf8(data.type)) {
    return { offsets: data.valueOffsets as Int32Array, bytes: data.values as Uint8Array, valid: data.nullCount > 0 ? (i) => isValid(data, i) : undefined };
  }
  // Large or dictionary-encoded strings: re-encode into one plain buffer first.
  const read = stringReader(data);
  const parts: Buffer[] = [];
  const offsets = new Int32Array(data.length + 1);
  let size = 0;
  for (let i = 0; i < data.length; i++) {
    const v = read(i);
    if (v !== null) { const b = Buffer.from(v, 'utf8'); parts.push(b); size += b.length; }
    offsets[i + 1] = size;
  }
  return { offsets, bytes: Buffer.concat(parts), valid: data.nullCount > 0 ? (i) => isValid(data, i) : undefined };
}

/** Native strings: varint length + bytes per row (a null row is an empty string under the null map). */
function stringColumn(parts: Array<Data | undefined>, rows: number[]): Buffer {
  const views = parts.map((d) => (d ? utf8View(d) : undefined));
  let size = 0;
  views.forEach((v, b) => {
    if (!v) { size += rows[b]!; return; }
    for (let i = 0; i < rows[b]!; i++) {
      const len = v.valid && !v.valid(i) ? 0 : v.offsets[i + 1]! - v.offsets[i]!;
      size += len < 0x80 ? len + 1 : varintSize(len) + len;
    }
  });
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  views.forEach((v, b) => {
    if (!v) { out.fill(0, pos, pos + rows[b]!); pos += rows[b]!; return; }
    const { offsets, bytes } = v;
    for (let i = 0; i < rows[b]!; i++) {
      const start = offsets[i]!;
      const len = v.valid && !v.valid(i) ? 0 : offsets[i + 1]! - start;
      pos = writeVarint(out, pos, len);
      // Short strings are copied byte by byte: cheaper than a subarray per value.
      if (len < 24) for (let k = 0; k < len; k++) out[pos + k] = bytes[start + k]!;
      else out.set(bytes.subarray(start, start + len), pos);
      pos += len;
    }
  });
  return out;
}

function nullMap(c: ColumnDef, parts: Array<Data | undefined>, rows: number[], total: number): Buffer {
  const map = Buffer.alloc(total);
  let at = 0;
  parts.forEach((d, b) => {
    const n = rows[b]!;
    if (!d) map.fill(1, at, at + n);
    else if (d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0) {
      const bits = d.nullBitmap;
      for (let i = 0; i < n; i++) { const j = d.offset + i; map[at + i] = ((bits[j >> 3]! >> (j & 7)) & 1) ^ 1; }
    }
    at += n;
  });
  if (c.role === 'time' && map.includes(1)) throw new StoreError(`column ${c.name} may not be null`, 'clickhouse', '23502');
  return map;
}

export interface NativeBlock {
  columns: string[];
  rows: number;
  /** The block in pieces, to be sent one after another (no copy into one buffer). */
  chunks: Buffer[];
  /** The block as one buffer. */
  readonly bytes: Buffer;
}

/** Every batch of a write as one Native block over the table columns any batch carries. */
export function nativeBlock(table: TableDef, batches: RecordBatch[]): NativeBlock {
  const known = new Set(table.columns.map((c) => c.name));
  for (const b of batches) {
    for (const f of b.schema.fields) {
      if (!known.has(f.name)) throw new StoreError(`${table.fullName} has no column ${f.name}`, 'clickhouse', '42703');
    }
  }
  const rows = batches.map((b) => b.numRows);
  const total = rows.reduce((a, b) => a + b, 0);
  const present = table.columns.filter((c) => c.role === 'time' || batches.some((b) => b.schema.fields.some((f) => f.name === c.name)));
  const out: Buffer[] = [];
  const head = Buffer.allocUnsafe(20);
  out.push(head.subarray(0, writeVarint(head, writeVarint(head, 0, present.length), total)));
  for (const c of present) {
    const parts = batches.map((b) => b.getChild(c.name)?.data[0]);
    out.push(nativeString(c.name), nativeString(columnType(c)));
    const map = nullMap(c, parts, rows, total);
    if (c.role !== 'time') out.push(map);
    if (c.type === 'string') { out.push(stringColumn(parts, rows)); continue; }
    const values = Buffer.alloc(total * WIDTH[c.type]!);
    let at = 0;
    parts.forEach((d, b) => { if (d) writeFixed(values, at, c, d); at += rows[b]!; });
    out.push(values);
  }
  return { columns: present.map((c) => c.name), rows: total, chunks: out, get bytes() { return Buffer.concat(out); } };
}
