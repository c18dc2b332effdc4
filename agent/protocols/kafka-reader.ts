/**
 * Kafka's primitive types over a byte range, in both the classic and the flexible ("compact",
 * KIP-482) encodings. Reads past the end throw RangeError; parsers treat that as "field not
 * available" and keep what they already read.
 */
export class KafkaReader {
  constructor(readonly b: Uint8Array, public o: number, readonly end: number, readonly flexible: boolean) {}

  private need(n: number): void { if (this.o + n > this.end) throw new RangeError('kafka field runs past the message'); }
  int8(): number { this.need(1); return (this.b[this.o++]! << 24) >> 24; }
  int16(): number { this.need(2); const v = ((this.b[this.o]! << 24) >> 16) | this.b[this.o + 1]!; this.o += 2; return v; }
  int32(): number { this.need(4); const b = this.b, o = this.o; this.o += 4; return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!; }
  skip(n: number): void { this.need(n); this.o += n; }

  uvarint(): number {
    let v = 0, shift = 0;
    for (;;) {
      this.need(1);
      const c = this.b[this.o++]!;
      v += (c & 0x7f) * 2 ** shift;
      if (!(c & 0x80)) return v;
      shift += 7;
      if (shift > 35) throw new RangeError('varint too long');
    }
  }

  /** (Nullable) string: int16 length, or unsigned varint length+1 when compact. */
  string(): string | null {
    const len = this.flexible ? this.uvarint() - 1 : this.int16();
    if (len < 0) return null;
    this.need(len);
    let s = '';
    for (let i = this.o; i < this.o + len; i++) s += String.fromCharCode(this.b[i]!);
    this.o += len;
    return s;
  }

  /** The header's client_id stays a classic nullable string even in flexible versions. */
  classicString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    this.need(len);
    let s = '';
    for (let i = this.o; i < this.o + len; i++) s += String.fromCharCode(this.b[i]!);
    this.o += len;
    return s;
  }

  /** Array length (-1 = null): int32, or unsigned varint length+1 when compact. */
  arrayLength(): number { return this.flexible ? this.uvarint() - 1 : this.int32(); }

  /** Tagged fields section (flexible versions only). */
  taggedFields(): void {
    if (!this.flexible) return;
    const n = this.uvarint();
    for (let i = 0; i < n; i++) { this.uvarint(); this.skip(this.uvarint()); }
  }

  skipString(): void { const len = this.flexible ? this.uvarint() - 1 : this.int16(); if (len > 0) this.skip(len); }
  skipBytes(): void { const len = this.flexible ? this.uvarint() - 1 : this.int32(); if (len > 0) this.skip(len); }
  skipInt32Array(): void { const n = this.arrayLength(); if (n > 0) this.skip(4 * n); }
}
