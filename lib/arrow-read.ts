/**
 * Reading Arrow columns whatever type the sender chose: integers of any width, any
 * timestamp unit, plain/large/dictionary strings. Values are read from the raw buffers:
 * `Vector.get` turns timestamps into float milliseconds, which loses microseconds.
 * A sliced Data (offset > 0) has its byte-aligned buffers (values, value offsets, dictionary
 * indices) already cut at the slice by apache-arrow; only bitmaps (nulls, booleans) still
 * count from bit `data.offset`.
 */
import { DataType, makeData, TimeUnit, Utf8, type Data, type Field } from 'apache-arrow';

export type InputKind = 'string' | 'int' | 'float' | 'timestamp' | 'bool';

/** Classifies an Arrow type for ingest; undefined when we take no such type. */
export function inputKind(t: DataType): InputKind | undefined {
  if (DataType.isUtf8(t) || DataType.isLargeUtf8(t)) return 'string';
  if (DataType.isDictionary(t)) return DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary) ? 'string' : undefined;
  if (DataType.isInt(t)) return 'int';
  if (DataType.isFloat(t)) return 'float';
  if (DataType.isTimestamp(t) || DataType.isDate(t)) return 'timestamp';
  if (DataType.isBool(t)) return 'bool';
  return undefined;
}

export function isValid(data: Data, i: number): boolean {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return true;
  const j = data.offset + i;
  return (bitmap[j >> 3]! & (1 << (j & 7))) !== 0;
}

/** Reads row i of a string column (plain, large or dictionary-encoded) as a JS string. */
export function stringReader(data: Data): (i: number) => string | null {
  const t = data.type as DataType;
  if (DataType.isDictionary(t)) {
    const dict = data.dictionary!;
    const names: Array<string | null> = [];
    for (let k = 0; k < dict.length; k++) names.push(dict.get(k) ?? null);
    const idx = data.values as ArrayLike<number | bigint>;
    return (i) => (isValid(data, i) ? names[Number(idx[i])] ?? null : null);
  }
  const offsets = data.valueOffsets as ArrayLike<number | bigint>;
  const bytes = data.values as Uint8Array;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return (i) => (isValid(data, i) ? buf.toString('utf8', Number(offsets[i]), Number(offsets[i + 1])) : null);
}

/** Reads row i of an integer or float column as number or bigint (64-bit ints stay exact). */
export function numberReader(data: Data): (i: number) => number | bigint | null {
  const values = data.values as ArrayLike<number | bigint>;
  return (i) => (isValid(data, i) ? values[i]! : null);
}

export function boolReader(data: Data): (i: number) => boolean | null {
  const bits = data.values as Uint8Array;
  return (i) => {
    if (!isValid(data, i)) return null;
    const j = data.offset + i;
    return (bits[j >> 3]! & (1 << (j & 7))) !== 0;
  };
}

/** Reads row i of a timestamp/date column as microseconds since the epoch. */
export function timestampReader(data: Data): (i: number) => bigint | null {
  const t = data.type as DataType;
  const values = data.values as ArrayLike<number | bigint>;
  let toMicros: (v: number | bigint) => bigint;
  if (DataType.isDate(t)) {
    // Date32 counts days, Date64 milliseconds.
    toMicros = (t as unknown as { unit: number }).unit === 0 ? (v) => BigInt(v) * 86_400_000_000n : (v) => BigInt(v) * 1000n;
  } else {
    const unit = (t as unknown as { unit: TimeUnit }).unit;
    toMicros = unit === TimeUnit.SECOND ? (v) => BigInt(v) * 1_000_000n
      : unit === TimeUnit.MILLISECOND ? (v) => BigInt(v) * 1000n
        : unit === TimeUnit.MICROSECOND ? (v) => BigInt(v)
          : (v) => BigInt(v) / 1000n;
  }
  return (i) => (isValid(data, i) ? toMicros(values[i]!) : null);
}

export function describeType(f: Field): string {
  return f.type.toString();
}

/**
 * A string column as per-row codes plus its distinct values: dictionary indices when the
 * sender dictionary-encoded it, values interned on the fly otherwise. Work per distinct value
 * (lookups, encoding) then happens once, not once per row. Code -1 is null.
 */
export interface StringCodes { codes: Int32Array; values: Array<string | null> }

export function stringCodes(data: Data): StringCodes {
  const n = data.length;
  const codes = new Int32Array(n);
  if (DataType.isDictionary(data.type)) {
    const dict = data.dictionary!;
    const values: Array<string | null> = [];
    for (let k = 0; k < dict.length; k++) values.push(dict.get(k) ?? null);
    const idx = data.values as ArrayLike<number | bigint>;
    if (idx instanceof BigInt64Array || idx instanceof BigUint64Array) {
      for (let i = 0; i < n; i++) codes[i] = Number(idx[i]);
    } else {
      codes.set((idx as Int32Array).subarray(0, n));
    }
    markNulls(data, codes);
    return { codes, values };
  }
  if (!(data.valueOffsets instanceof Int32Array)) return internDecoded(data, codes);
  return internBytes(data, codes);
}

/** Sets code -1 on the null rows. */
function markNulls(data: Data, codes: Int32Array): void {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return;
  for (let i = 0, j = data.offset; i < codes.length; i++, j++) if ((bitmap[j >> 3]! & (1 << (j & 7))) === 0) codes[i] = -1;
}

/** Large strings (64-bit offsets): decode every row and intern the strings. */
function internDecoded(data: Data, codes: Int32Array): StringCodes {
  const read = stringReader(data);
  const seen = new Map<string, number>();
  const values: string[] = [];
  for (let i = 0; i < codes.length; i++) {
    const s = read(i);
    if (s === null) { codes[i] = -1; continue; }
    let c = seen.get(s);
    if (c === undefined) { c = values.length; values.push(s); seen.set(s, c); }
    codes[i] = c;
  }
  return { codes, values };
}

/**
 * Plain Utf8: rows are interned by their raw bytes in an open-addressing hash table, and each
 * distinct value is decoded once; decoding every row costs far more than hashing its bytes.
 * Byte sequences that decode alike (invalid UTF-8) may get separate codes with equal values.
 */
function internBytes(data: Data, codes: Int32Array): StringCodes {
  const n = codes.length;
  const offsets = data.valueOffsets as Int32Array;
  const bytes = data.values as Uint8Array;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let cap = 16;
  while (cap < n * 2) cap *= 2;
  const mask = cap - 1;
  const slots = new Int32Array(cap); // code + 1; 0 = empty
  const firstRow: number[] = [];
  const values: string[] = [];
  markNulls(data, codes);
  for (let i = 0; i < n; i++) {
    if (codes[i] === -1) continue;
    const start = offsets[i]!;
    const end = offsets[i + 1]!;
    let h = 0x811c9dc5;
    for (let b = start; b < end; b++) h = Math.imul(h ^ bytes[b]!, 0x01000193);
    let slot = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const s = slots[slot]!;
      if (s === 0) {
        slots[slot] = values.length + 1;
        codes[i] = values.length;
        firstRow.push(i);
        values.push(buf.toString('utf8', start, end));
        break;
      }
      const r = firstRow[s - 1]!;
      const rs = offsets[r]!;
      const len = end - start;
      if (offsets[r + 1]! - rs === len) {
        let b = 0;
        while (b < len && bytes[rs + b] === bytes[start + b]) b++;
        if (b === len) { codes[i] = s - 1; break; }
      }
      slot = (slot + 1) & mask;
    }
  }
  return { codes, values };
}

/** A plain Utf8 column from per-row codes into UTF-8 values, bytes copied (code -1 = null). */
export function utf8FromCodes(values: ReadonlyArray<Uint8Array | null>, codes: ArrayLike<number>, n: number): Data {
  // Values pooled in one buffer; rows copied byte by byte, which beats a native call per short value.
  const m = values.length;
  const start = new Int32Array(m + 1);
  const isNull = new Uint8Array(m);
  for (let k = 0; k < m; k++) {
    const v = values[k];
    if (v === null) isNull[k] = 1;
    start[k + 1] = start[k]! + (v ? v.length : 0);
  }
  const pool = new Uint8Array(start[m]!);
  for (let k = 0; k < m; k++) { const v = values[k]; if (v) pool.set(v, start[k]!); }
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    // A code past the values (malformed input) reads as undefined: an empty, valid string.
    if (c < 0 || (c < m && isNull[c])) nulls++;
    else if (c < m) total += start[c + 1]! - start[c]!;
  }
  const offsets = new Int32Array(n + 1);
  const bytes = new Uint8Array(total);
  const bitmap = nulls ? new Uint8Array((n + 7) >> 3) : null;
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    const valid = !(c < 0 || (c < m && isNull[c]));
    if (valid && c < m) {
      for (let b = start[c]!, e = start[c + 1]!; b < e; b++) bytes[pos++] = pool[b]!;
    }
    if (bitmap && valid) bitmap[i >> 3]! |= 1 << (i & 7);
    offsets[i + 1] = pos;
  }
  return makeData({ type: new Utf8(), length: n, nullCount: nulls, nullBitmap: bitmap, valueOffsets: offsets, data: bytes });
}

/** Builds a null bitmap (bit i set = row i valid) and counts the nulls, for new Arrow columns. */
export class ValidityBuilder {
  readonly bits: Uint8Array;
  nulls = 0;
  constructor(n: number) { this.bits = new Uint8Array((n + 7) >> 3); }
  set(i: number, valid: boolean): void {
    if (valid) this.bits[i >> 3]! |= 1 << (i & 7);
    else this.nulls++;
  }
}
