/**
 * HPACK header decoding (RFC 7541): static and dynamic tables, integer and string literals,
 * Huffman strings, table size updates. One decoder per direction of a connection; every
 * block must be decoded, even when no header in it is wanted, to keep the table in step.
 */
import { huffmanDecode } from './hpack-huffman.ts';

export type HeaderField = [name: string, value: string];

/**
 * The name given to a field whose table entry is not known (see `HpackDecoder.lost`): no
 * real header has an empty name, so readers pass over it, and can tell a block had one.
 */
export const UNKNOWN_FIELD = '';

// prettier-ignore
const STATIC_TABLE: readonly HeaderField[] = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

const UNKNOWN: HeaderField = [UNKNOWN_FIELD, ''];

/** Per-entry overhead in the table size accounting (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

export class HpackError extends Error {
  constructor(message: string, readonly offset: number) { super(`${message} at header-block byte ${offset}`); this.name = 'HpackError'; }
}

export class HpackDecoder {
  /** Newest first. */
  private readonly dynamic: HeaderField[] = [];
  private size = 0;
  private maxSize: number;
  /**
   * After `lost()`: how many of the newest entries were inserted since, and so are the
   * encoder's too. Older ones may sit at other indices in the encoder's table. Undefined
   * while in step.
   */
  private trusted: number | undefined;

  /** `maxTableSize` is SETTINGS_HEADER_TABLE_SIZE (4096 unless the peer changes it). */
  constructor(private maxTableSize = 4096) { this.maxSize = maxTableSize; }

  setProtocolMax(n: number): void { this.maxTableSize = n; if (this.maxSize > n) this.resize(n); }

  /**
   * Header blocks of this direction went by unseen (the capture copies only the first bytes
   * of a syscall): the entries they inserted shifted every older index. From now on a field
   * that refers to an entry older than the loss decodes as UNKNOWN_FIELD rather than as the
   * wrong header; entries inserted after the loss are exact. A table size update to 0 empties
   * both tables, which puts the decoder back in step.
   */
  lost(): void { this.trusted = 0; }

  /** False after a loss until the table has been emptied by a size update to 0. */
  get inStep(): boolean { return this.trusted === undefined; }

  /** Decodes one complete header block. */
  decode(b: Uint8Array, start = 0, end = b.length): HeaderField[] {
    const out: HeaderField[] = [];
    const cur = { i: start };
    while (cur.i < end) {
      const first = b[cur.i]!;
      if (first & 0x80) {
        out.push(this.lookup(readInt(b, cur, 7, end), cur.i));
      } else if (first & 0x40) {
        const f = this.literal(b, cur, 6, end);
        this.insert(f);
        out.push(f);
      } else if (first & 0x20) {
        const n = readInt(b, cur, 5, end);
        if (n > this.maxTableSize) throw new HpackError(`table size update ${n} above the limit ${this.maxTableSize}`, cur.i);
        this.resize(n);
        if (n === 0) this.trusted = undefined;
      } else {
        out.push(this.literal(b, cur, 4, end)); // without indexing / never indexed
      }
    }
    return out;
  }

  private literal(b: Uint8Array, cur: { i: number }, prefix: number, end: number): HeaderField {
    const index = readInt(b, cur, prefix, end);
    const name = index === 0 ? readString(b, cur, end) : this.lookup(index, cur.i)[0];
    return [name, readString(b, cur, end)];
  }

  private lookup(index: number, at: number): HeaderField {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1]!;
    const d = index - STATIC_TABLE.length - 1;
    if (this.trusted !== undefined && d >= this.trusted) return UNKNOWN;
    const f = this.dynamic[d];
    if (!f) throw new HpackError(`header index ${index} not in the table`, at);
    return f;
  }

  private insert(f: HeaderField): void {
    const need = f[0].length + f[1].length + ENTRY_OVERHEAD;
    this.dynamic.unshift(f);
    this.size += need;
    if (this.trusted !== undefined) this.trusted++;
    this.evict(this.maxSize);
  }

  private resize(n: number): void { this.maxSize = n; this.evict(n); }

  private evict(limit: number): void {
    while (this.size > limit && this.dynamic.length > 0) {
      const f = this.dynamic.pop()!;
      this.size -= f[0].length + f[1].length + ENTRY_OVERHEAD;
    }
    if (this.trusted !== undefined) this.trusted = Math.min(this.trusted, this.dynamic.length);
  }

  get tableLength(): number { return this.dynamic.length; }
}

/** RFC 7541 §5.1 prefixed integer. */
function readInt(b: Uint8Array, cur: { i: number }, prefix: number, end: number): number {
  const mask = (1 << prefix) - 1;
  let v = b[cur.i++]! & mask;
  if (v < mask) return v;
  let shift = 0;
  for (;;) {
    if (cur.i >= end) throw new HpackError('integer runs past the block', cur.i);
    const c = b[cur.i++]!;
    v += (c & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(c & 0x80)) return v;
    if (shift > 28) throw new HpackError('integer too large', cur.i);
  }
}

/** RFC 7541 §5.2 string literal, Huffman or raw; names and values stay octets (latin1). */
function readString(b: Uint8Array, cur: { i: number }, end: number): string {
  if (cur.i >= end) throw new HpackError('string runs past the block', cur.i);
  const huffman = (b[cur.i]! & 0x80) !== 0;
  const len = readInt(b, cur, 7, end);
  const s = cur.i;
  if (s + len > end) throw new HpackError(`string of ${len} bytes runs past the block`, s);
  cur.i += len;
  if (huffman) return huffmanDecode(b, s, s + len);
  let out = '';
  for (let k = s; k < s + len; k++) out += String.fromCharCode(b[k]!);
  return out;
}
