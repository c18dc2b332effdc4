/**
 * Arrow (storage form) → PostgreSQL binary COPY tuples. Built for speed, since this runs for
 * every stored row: each chunk of rows is one Buffer sized up front from the columns' byte
 * bounds, filled through a DataView with a cursor (no per-field allocation); every column gets
 * a writer chosen once per batch that reads its typed array directly; 64-bit values move as
 * two 32-bit halves, so timestamps, int64 and numeric(20,0) need no BigInt per row.
 *
 * Arrow slicing: value and offset buffers are already sliced, validity and boolean bits are
 * not (they count from `data.offset`).
 */
import { DataType, TimeUnit, type Data, type RecordBatch } from 'apache-arrow';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { stringCodes, timestampReader } from '../../lib/arrow-read.ts';
import { PG_EPOCH_US } from './postgres-types.ts';

/** `PGCOPY\n\377\r\n\0`, then flags and header-extension length (both 0). */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Field count -1 ends the stream. */
const TRAILER = Buffer.from([0xff, 0xff]);
const NULL_FIELD = -1;
/** Rows per buffer handed to the COPY stream: a few MiB for l7_flow_log, so few syscalls and bounded memory. */
export const ROWS_PER_CHUNK = 8192;
const TWO_32 = 4294967296;
const EPOCH_HI = Number(PG_EPOCH_US >> 32n);
const EPOCH_LO = Number(PG_EPOCH_US & 0xffffffffn);

/** Writes row i's field (length word and bytes) at pos; returns the cursor after it. */
type Put = (buf: Buffer, view: DataView, pos: number, i: number) => number;

export interface ColumnCodec {
  /** At least the bytes rows [from, to) take. */
  bound(from: number, to: number): number;
  put: Put;
}

/** Row i's validity, or null when the column has no nulls (then every row is valid). */
function validity(data: Data): ((i: number) => boolean) | null {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return null;
  const off = data.offset;
  return (i) => { const j = off + i; return (bitmap[j >> 3]! & (1 << (j & 7))) !== 0; };
}

/** A column whose fields all take `size` bytes after the length word. */
function fixed(data: Data, size: number, write: Put): ColumnCodec {
  const valid = validity(data);
  const bound = (from: number, to: number) => (to - from) * (4 + size);
  if (!valid) return { bound, put: write };
  return { bound, put: (buf, view, pos, i) => { if (valid(i)) return write(buf, view, pos, i); view.setInt32(pos, NULL_FIELD); return pos + 4; } };
}

/** The typed array of a 64-bit column as 32-bit halves (Arrow buffers are little-endian), if it is one. */
function halves(data: Data): Uint32Array | null {
  const v = data.values as ArrayLike<number | bigint> & ArrayBufferView;
  if (!(v instanceof BigInt64Array || v instanceof BigUint64Array)) return null;
  return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
}

function int16(data: Data): ColumnCodec {
  const v = data.values as ArrayLike<number | bigint>;
  return fixed(data, 2, (_b, view, pos, i) => { view.setInt32(pos, 2); view.setInt16(pos + 4, Number(v[i])); return pos + 6; });
}

function int32(data: Data): ColumnCodec {
  const v = data.values as ArrayLike<number | bigint>;
  return fixed(data, 4, (_b, view, pos, i) => { view.setInt32(pos, 4); view.setInt32(pos + 4, Number(v[i])); return pos + 8; });
}

function int64(data: Data): ColumnCodec {
  const h = halves(data);
  if (h) return fixed(data, 8, (_b, view, pos, i) => { view.setInt32(pos, 8); view.setUint32(pos + 4, h[2 * i + 1]!); view.setUint32(pos + 8, h[2 * i]!); return pos + 12; });
  const v = data.values as ArrayLike<number>;
  return fixed(data, 8, (_b, view, pos, i) => {
    const x = v[i]!;
    view.setInt32(pos, 8);
    view.setUint32(pos + 4, Math.floor(x / TWO_32) >>> 0);
    view.setUint32(pos + 8, x >>> 0);
    return pos + 12;
  });
}

function float64(data: Data): ColumnCodec {
  const v = data.values as ArrayLike<number | bigint>;
  return fixed(data, 8, (_b, view, pos, i) => { view.setInt32(pos, 8); view.setFloat64(pos + 4, Number(v[i])); return pos + 12; });
}

function bool(data: Data): ColumnCodec {
  const bits = data.values as Uint8Array;
  const off = data.offset;
  return fixed(data, 1, (buf, view, pos, i) => {
    const j = off + i;
    view.setInt32(pos, 1);
    buf[pos + 4] = (bits[j >> 3]! & (1 << (j & 7))) !== 0 ? 1 : 0;
    return pos + 5;
  });
}

/** Timestamps as µs since 2000-01-01: µs columns by 32-bit halves with a borrow, other units through BigInt. */
function timestamp(data: Data): ColumnCodec {
  const h = halves(data);
  const t = data.type as DataType;
  if (h && DataType.isTimestamp(t) && (t as unknown as { unit: TimeUnit }).unit === TimeUnit.MICROSECOND) {
    return fixed(data, 8, (_b, view, pos, i) => {
      const lo = h[2 * i]! - EPOCH_LO;
      view.setInt32(pos, 8);
      view.setUint32(pos + 4, (h[2 * i + 1]! - EPOCH_HI - (lo < 0 ? 1 : 0)) >>> 0);
      view.setUint32(pos + 8, lo >>> 0);
      return pos + 12;
    });
  }
  const read = timestampReader(data);
  // Rare (storage batches carry µs): the shared reader, one BigInt per row.
  return fixed(data, 8, (_b, view, pos, i) => { view.setInt32(pos, 8); view.setBigInt64(pos + 4, read(i)! - PG_EPOCH_US); return pos + 12; });
}

const digits = new Int32Array(5);

/**
 * A non-negative integer below 2^64, given as 32-bit halves, as binary `numeric`: base-10000
 * digits, most significant first, weight = index of the first digit's power of 10000, sign 0
 * (positive), display scale 0. Halves above 2^53 are divided as four 16-bit limbs.
 */
export function putNumeric(view: DataView, pos: number, hi: number, lo: number): number {
  let n = 0;
  if (hi < 0x200000) {
    for (let x = hi * TWO_32 + lo; x > 0; x = Math.floor(x / 10000)) digits[n++] = x % 10000;
  } else {
    let l3 = hi >>> 16, l2 = hi & 0xffff, l1 = lo >>> 16, l0 = lo & 0xffff;
    while (l3 | l2 | l1 | l0) {
      let r = l3 % 10000; l3 = Math.floor(l3 / 10000);
      let c = r * 65536 + l2; l2 = Math.floor(c / 10000); r = c % 10000;
      c = r * 65536 + l1; l1 = Math.floor(c / 10000); r = c % 10000;
      c = r * 65536 + l0; l0 = Math.floor(c / 10000);
      digits[n++] = c % 10000;
    }
  }
  view.setInt32(pos, 8 + 2 * n);
  view.setInt16(pos + 4, n);
  view.setInt16(pos + 6, n ? n - 1 : 0);
  view.setInt32(pos + 8, 0);
  pos += 12;
  for (let k = n - 1; k >= 0; k--, pos += 2) view.setInt16(pos, digits[k]!);
  return pos;
}

/** numeric(20,0) for uint64; the bound allows 5 digits per row. */
function uint64(data: Data): ColumnCodec {
  const h = halves(data);
  const v = data.values as ArrayLike<number>;
  const check = (hi: number, lo: number, i: number) => { if (hi < 0 || lo < 0) throw new RangeError(`negative value ${v[i]} for an unsigned column`); };
  const write: Put = h
    ? (_b, view, pos, i) => putNumeric(view, pos, h[2 * i + 1]!, h[2 * i]!)
    : (_b, view, pos, i) => { const x = v[i]!; const hi = Math.floor(x / TWO_32); check(hi, x, i); return putNumeric(view, pos, hi, x >>> 0); };
  return fixed(data, 8 + 10, write);
}

/** Plain UTF-8 columns: each row's bytes copied from the Arrow buffer as they are. */
function utf8(data: Data): ColumnCodec {
  const offsets = data.valueOffsets as Int32Array;
  const src = Buffer.from((data.values as Uint8Array).buffer, (data.values as Uint8Array).byteOffset, (data.values as Uint8Array).byteLength);
  const valid = validity(data);
  return {
    bound: (from, to) => 4 * (to - from) + offsets[to]! - offsets[from]!,
    put: (buf, view, pos, i) => {
      if (valid && !valid(i)) { view.setInt32(pos, NULL_FIELD); return pos + 4; }
      const start = offsets[i]!;
      const end = offsets[i + 1]!;
      view.setInt32(pos, end - start);
      pos += 4;
      // Short strings: a byte loop beats the native call of copy().
      if (end - start < 64) { for (let k = start; k < end; k++) buf[pos++] = src[k]!; return pos; }
      return pos + src.copy(buf, pos, start, end);
    },
  };
}

/** Dictionary or large strings: each distinct value encoded once, rows copy its bytes. */
function codedStrings(data: Data): ColumnCodec {
  const { codes, values } = stringCodes(data);
  const encoded = values.map((s) => (s === null ? null : Buffer.from(s, 'utf8')));
  return {
    bound: (from, to) => {
      let n = 4 * (to - from);
      for (let i = from; i < to; i++) { const c = codes[i]!; if (c >= 0) n += encoded[c]?.length ?? 0; }
      return n;
    },
    put: (buf, view, pos, i) => {
      const c = codes[i]!;
      const b = c < 0 ? null : encoded[c];
      if (!b) { view.setInt32(pos, NULL_FIELD); return pos + 4; }
      view.setInt32(pos, b.length);
      return pos + 4 + b.copy(buf, pos + 4);
    },
  };
}

const CODEC: Record<ColumnType, (data: Data) => ColumnCodec> = {
  timestamp, int8: int16, int16, uint8: int16, int32, uint16: int32, uint32: int64, int64, uint64, float64, bool,
  string: (d) => (DataType.isUtf8(d.type) && d.valueOffsets instanceof Int32Array ? utf8(d) : codedStrings(d)),
};

/** The batch's table columns (in table order) and a codec for each; absent columns are left out. */
export function columnCodecs(table: TableDef, batch: RecordBatch): { names: string[]; codecs: ColumnCodec[] } {
  const names: string[] = [];
  const codecs: ColumnCodec[] = [];
  for (const c of table.columns) {
    const data = batch.getChild(c.name)?.data[0];
    if (!data) continue;
    names.push(c.name);
    codecs.push(CODEC[c.type](data));
  }
  return { names, codecs };
}

/** The COPY binary stream of one batch, in chunks of rows, each one Buffer filled in place. */
export function* copyChunks(numRows: number, codecs: ColumnCodec[], rowsPerChunk = ROWS_PER_CHUNK): Generator<Buffer> {
  const fields = codecs.length;
  for (let from = 0; from < numRows || from === 0; from += rowsPerChunk) {
    const to = Math.min(numRows, from + rowsPerChunk);
    const first = from === 0;
    const last = to === numRows;
    let size = 2 * (to - from) + (first ? SIGNATURE.length : 0) + (last ? TRAILER.length : 0);
    for (const c of codecs) size += c.bound(from, to);
    const buf = Buffer.allocUnsafe(size);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = first ? SIGNATURE.copy(buf, 0) : 0;
    for (let i = from; i < to; i++) {
      view.setInt16(pos, fields);
      pos += 2;
      for (let f = 0; f < fields; f++) pos = codecs[f]!.put(buf, view, pos, i);
    }
    if (last) pos += TRAILER.copy(buf, pos);
    yield buf.subarray(0, pos);
    if (last) return;
  }
}
