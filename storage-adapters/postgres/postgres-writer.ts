/**
 * Arrow (storage form) → PostgreSQL binary COPY. Binary rather than text COPY: timestamps go
 * in as exact µs integers, numbers need no formatting and strings no escaping (their UTF-8
 * bytes are copied from the Arrow buffer as they are). Columns absent from a batch are left
 * out of the COPY column list, so Postgres stores NULL for them.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataType, type Data, type RecordBatch } from 'apache-arrow';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { boolReader, isValid, numberReader, stringReader, timestampReader } from '../../lib/arrow-read.ts';
import { PG_EPOCH_US, quoteIdent, tableRef } from './postgres-types.ts';

/** `PGCOPY\n\377\r\n\0`, then flags and header-extension length (both 0). */
const SIGNATURE = Buffer.from([0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0]);
/** Field count -1 ends the stream. */
const TRAILER = Buffer.from([0xff, 0xff]);
const NULL_FIELD = -1;
/** Rows per buffer handed to the COPY stream (bounded memory, few syscalls). */
const ROWS_PER_CHUNK = 4096;

/** A growable byte buffer with big-endian writers, as the COPY binary format wants. */
export class ByteWriter {
  buf = Buffer.allocUnsafe(1 << 16);
  pos = 0;
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  int16(v: number): void { this.ensure(2); this.pos = this.buf.writeInt16BE(v, this.pos); }
  int32(v: number): void { this.ensure(4); this.pos = this.buf.writeInt32BE(v, this.pos); }
  int64(v: bigint): void { this.ensure(8); this.pos = this.buf.writeBigInt64BE(v, this.pos); }
  float64(v: number): void { this.ensure(8); this.pos = this.buf.writeDoubleBE(v, this.pos); }
  bytes(b: Uint8Array): void { this.ensure(b.length); this.buf.set(b, this.pos); this.pos += b.length; }
  take(): Buffer { const out = Buffer.from(this.buf.subarray(0, this.pos)); this.pos = 0; return out; }
}

/**
 * A non-negative integer as binary `numeric`: base-10000 digits, most significant first,
 * weight = index of the first digit's power of 10000, sign 0 (positive), display scale 0.
 */
export function writeNumeric(w: ByteWriter, v: bigint): void {
  if (v < 0n) throw new RangeError(`negative value ${v} for an unsigned column`);
  const digits: number[] = [];
  for (let x = v; x > 0n; x /= 10000n) digits.unshift(Number(x % 10000n));
  w.int32(8 + 2 * digits.length);
  w.int16(digits.length);
  w.int16(digits.length ? digits.length - 1 : 0);
  w.int16(0);
  w.int16(0);
  for (const d of digits) w.int16(d);
}

type FieldWriter = (w: ByteWriter, i: number) => void;

/** Plain UTF-8 columns: the row's bytes straight from the Arrow buffer; other string layouts via JS. */
function stringField(data: Data): FieldWriter {
  if (DataType.isUtf8(data.type) && data.valueOffsets) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    return (w, i) => {
      if (!isValid(data, i)) return w.int32(NULL_FIELD);
      const j = data.offset + i;
      w.int32(offsets[j + 1]! - offsets[j]!);
      w.bytes(bytes.subarray(offsets[j]!, offsets[j + 1]!));
    };
  }
  const read = stringReader(data);
  return (w, i) => {
    const s = read(i);
    if (s === null) return w.int32(NULL_FIELD);
    const b = Buffer.from(s, 'utf8');
    w.int32(b.length);
    w.bytes(b);
  };
}

function numberField(data: Data, put: (w: ByteWriter, v: number | bigint) => void): FieldWriter {
  const read = numberReader(data);
  return (w, i) => {
    const v = read(i);
    if (v === null) w.int32(NULL_FIELD);
    else put(w, v);
  };
}

const FIELD: Record<ColumnType, (data: Data) => FieldWriter> = {
  timestamp: (data) => {
    const read = timestampReader(data);
    return (w, i) => {
      const v = read(i);
      if (v === null) return w.int32(NULL_FIELD);
      w.int32(8);
      w.int64(v - PG_EPOCH_US);
    };
  },
  int8: (d) => numberField(d, (w, v) => { w.int32(2); w.int16(Number(v)); }),
  int16: (d) => numberField(d, (w, v) => { w.int32(2); w.int16(Number(v)); }),
  uint8: (d) => numberField(d, (w, v) => { w.int32(2); w.int16(Number(v)); }),
  int32: (d) => numberField(d, (w, v) => { w.int32(4); w.int32(Number(v)); }),
  uint16: (d) => numberField(d, (w, v) => { w.int32(4); w.int32(Number(v)); }),
  uint32: (d) => numberField(d, (w, v) => { w.int32(8); w.int64(BigInt(v)); }),
  int64: (d) => numberField(d, (w, v) => { w.int32(8); w.int64(BigInt(v)); }),
  uint64: (d) => numberField(d, (w, v) => writeNumeric(w, BigInt(v))),
  float64: (d) => numberField(d, (w, v) => { w.int32(8); w.float64(Number(v)); }),
  bool: (data) => {
    const read = boolReader(data);
    return (w, i) => {
      const v = read(i);
      if (v === null) return w.int32(NULL_FIELD);
      w.int32(1);
      w.ensure(1);
      w.buf[w.pos++] = v ? 1 : 0;
    };
  },
  string: stringField,
};

/** The batch's table columns (in table order) and a writer for each. */
function fieldsOf(table: TableDef, batch: RecordBatch): { names: string[]; writers: FieldWriter[] } {
  const names: string[] = [];
  const writers: FieldWriter[] = [];
  for (const c of table.columns) {
    const data = batch.getChild(c.name)?.data[0];
    if (!data) continue;
    names.push(c.name);
    writers.push(FIELD[c.type](data));
  }
  return { names, writers };
}

/** The COPY binary stream of one batch, in chunks of rows. */
export function* copyChunks(batch: RecordBatch, writers: FieldWriter[]): Generator<Buffer> {
  const w = new ByteWriter();
  w.bytes(SIGNATURE);
  for (let i = 0; i < batch.numRows; i++) {
    w.int16(writers.length);
    for (const f of writers) f(w, i);
    if ((i + 1) % ROWS_PER_CHUNK === 0) yield w.take();
  }
  w.bytes(TRAILER);
  yield w.take();
}

/** Copies one batch on a client already inside the caller's transaction. */
export async function copyBatch(client: PoolClient, table: TableDef, batch: RecordBatch): Promise<void> {
  if (batch.numRows === 0) return;
  const { names, writers } = fieldsOf(table, batch);
  if (names.length === 0) throw new Error(`batch for ${table.fullName} has none of its columns`);
  const sql = `COPY ${tableRef(table)} (${names.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT binary)`;
  await pipeline(Readable.from(copyChunks(batch, writers)), client.query(copyFrom(sql)));
}
