/**
 * Big-endian readers and writers for message bodies. A read past the end throws a
 * ProtocolError, which the connection turns into ErrorResponse 08P01 and a clean close.
 */
import { SqlError, SqlState } from '../../lib/errors.ts';

/** A malformed frontend message. */
export class ProtocolError extends SqlError {
  constructor(message: string) {
    super(SqlState.protocolViolation, message, { severity: 'FATAL' });
  }
}

/** Cursor over one message body. */
export class ByteReader {
  private offset = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number {
    return this.buf.length - this.offset;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new ProtocolError(`message too short: cannot read ${what}`);
  }

  byte(): number {
    this.need(1, 'byte');
    return this.buf[this.offset++]!;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolError('message too short: unterminated string');
    const s = this.buf.toString('utf8', this.offset, end);
    this.offset = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.need(n, `${n} bytes`);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** Everything left. */
  rest(): Buffer {
    return this.bytes(this.remaining);
  }

  /** Rejects trailing bytes, which mean client and server disagree on the format. */
  end(what: string): void {
    if (this.remaining !== 0) throw new ProtocolError(`invalid ${what} message: ${this.remaining} trailing bytes`);
  }
}

/** Growable buffer for one or more outgoing messages. */
export class ByteWriter {
  private buf: Buffer;
  private offset = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.offset;
  }

  private ensure(n: number): void {
    if (this.offset + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.offset + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.offset);
    this.buf = next;
  }

  byte(v: number): this {
    this.ensure(1);
    this.buf[this.offset++] = v;
    return this;
  }

  int16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16BE(v, this.offset);
    this.offset += 2;
    return this;
  }

  int32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  uint32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.offset);
    this.offset += 4;
    return this;
  }

  cstring(s: string): this {
    return this.utf8(s).byte(0);
  }

  /** UTF-8 bytes of `s` with no terminator. */
  utf8(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.buf.write(s, this.offset, 'utf8');
    this.offset += n;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.offset);
    this.offset += b.length;
    return this;
  }

  /** Starts a typed message; `endMessage` patches its length. Returns the start offset. */
  startMessage(code: number): number {
    const start = this.offset;
    this.byte(code).int32(0);
    return start;
  }

  endMessage(start: number): this {
    this.buf.writeInt32BE(this.offset - start - 1, start + 1);
    return this;
  }

  /** Reserves an int32 to patch later (a value length not known up front). */
  reserveInt32(): number {
    const at = this.offset;
    this.int32(0);
    return at;
  }

  patchInt32(at: number, v: number): void {
    this.buf.writeInt32BE(v, at);
  }

  /** A copy of the bytes written so far; the writer is then empty and reusable. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.offset));
    this.offset = 0;
    return out;
  }
}
