/**
 * ClickHouse Native output → ResultBatch, block by block as the HTTP body streams in.
 * Values come back exact: Int64/UInt64 and µs timestamps as bigint, other numbers as number,
 * UTF-8 strings decoded once. Each block's column names and types must be the ones asked
 * for; anything else is ClickHouse writing an exception into a body it had already started
 * (it does that when a query fails midway), which is raised as that error.
 */
import type { ColumnType } from '../../schema/index.ts';
import type { ResultBatch } from '../adapter.ts';
import { CH_TYPE } from './clickhouse-types.ts';
import { WIDTH } from './clickhouse-writer.ts';

export interface ExpectedColumn { name: string; type: ColumnType; nullable: boolean }

/** Thrown when the body holds something other than the blocks asked for. */
export class NativeFormatError extends Error {}

/** Signals that the buffered bytes end inside a block. */
const SHORT = Symbol('short');

class Cursor {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  need(n: number): void { if (this.pos + n > this.buf.length) throw SHORT; }
  varint(): number {
    let v = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 128;
    }
    throw new NativeFormatError('varint too long');
  }
  string(): string {
    const n = this.varint();
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

function typeName(c: ExpectedColumn): string {
  return c.nullable ? `Nullable(${CH_TYPE[c.type]})` : CH_TYPE[c.type];
}

type Read = (buf: Buffer, at: number) => unknown;

const READ: Record<ColumnType, Read> = {
  int8: (b, at) => b.readInt8(at), uint8: (b, at) => b.readUInt8(at), int16: (b, at) => b.readInt16LE(at), uint16: (b, at) => b.readUInt16LE(at),
  int32: (b, at) => b.readInt32LE(at), uint32: (b, at) => b.readUInt32LE(at), int64: (b, at) => b.readBigInt64LE(at),
  uint64: (b, at) => b.readBigUInt64LE(at), timestamp: (b, at) => b.readBigInt64LE(at), float64: (b, at) => b.readDoubleLE(at),
  bool: (b, at) => b.readUInt8(at) !== 0, string: () => undefined,
};

function readColumn(cur: Cursor, c: ExpectedColumn, rows: number, out: unknown[][], col: number): void {
  let nulls: Buffer | undefined;
  if (c.nullable) {
    cur.need(rows);
    nulls = cur.buf.subarray(cur.pos, cur.pos + rows);
    cur.pos += rows;
  }
  if (c.type === 'string') {
    for (let r = 0; r < rows; r++) {
      const s = cur.string();
      out[r]![col] = nulls?.[r] ? null : s;
    }
    return;
  }
  const width = WIDTH[c.type]!;
  cur.need(rows * width);
  const read = READ[c.type];
  for (let r = 0; r < rows; r++) out[r]![col] = nulls?.[r] ? null : read(cur.buf, cur.pos + r * width);
  cur.pos += rows * width;
}

/** Parses one block at the cursor; throws SHORT when the buffer ends inside it. */
function readBlock(cur: Cursor, expected: ExpectedColumn[]): unknown[][] {
  const ncols = cur.varint();
  const rows = cur.varint();
  if (ncols !== expected.length) throw new NativeFormatError(`block has ${ncols} columns, expected ${expected.length}`);
  const out: unknown[][] = Array.from({ length: rows }, () => new Array(ncols));
  expected.forEach((c, i) => {
    const name = cur.string();
    const type = cur.string();
    if (name !== c.name || type !== typeName(c)) throw new NativeFormatError(`block column ${i} is ${name} ${type}, expected ${c.name} ${typeName(c)}`);
    if (rows > 0) readColumn(cur, c, rows, out, i);
  });
  return out;
}

/**
 * Incremental decoder: `push` body chunks, get the rows of every block completed so far.
 * A block cut by a chunk boundary is re-tried only once the buffer has grown by half, so a
 * block spread over many chunks costs amortised linear time. After bytes that are not a
 * block, everything else is kept as text for `finish` (it is ClickHouse's error message).
 */
export class NativeDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private retryAt = 0;
  private garbage = false;
  readonly columns: ResultBatch['columns'];

  constructor(private readonly expected: ExpectedColumn[]) {
    this.columns = expected.map((c) => ({ name: c.name, type: c.type }));
  }

  push(chunk: Buffer): unknown[][][] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    if (this.garbage || this.buffered < this.retryAt) return [];
    return this.parse();
  }

  /** The body ended: the last blocks, and whatever was not a block (undefined when nothing). */
  finish(): { blocks: unknown[][][]; rest?: Buffer } {
    const blocks = this.garbage ? [] : this.parse();
    const rest = this.chunks.length ? Buffer.concat(this.chunks) : undefined;
    this.chunks = [];
    return { blocks, rest: rest?.length ? rest : undefined };
  }

  private parse(): unknown[][][] {
    const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const cur = new Cursor(buf);
    const blocks: unknown[][][] = [];
    let done = 0;
    try {
      while (cur.pos < buf.length) {
        blocks.push(readBlock(cur, this.expected));
        done = cur.pos;
      }
    } catch (e) {
      if (e instanceof NativeFormatError) this.garbage = true;
      else if (e !== SHORT) throw e;
    }
    const rest = buf.subarray(done);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    this.retryAt = rest.length ? Math.ceil(rest.length * 1.5) : 0;
    return blocks;
  }
}
