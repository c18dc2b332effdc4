/** Small byte helpers shared by the parsers; all work on Uint8Array views, never copies. */

const utf8 = new TextDecoder('utf-8');

/** ASCII/latin1 text of a byte range (protocol tokens: methods, header names). */
export function ascii(b: Uint8Array, start: number, end: number): string {
  // Short tokens are cheaper through fromCharCode than through a decoder call.
  if (end - start <= 16) {
    let s = '';
    for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
    return s;
  }
  // Buffer's latin1 is ISO-8859-1 proper (TextDecoder's 'latin1' is windows-1252).
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
}

/** UTF-8 text of a byte range (SQL, paths), cut to `max` bytes. */
export function text(b: Uint8Array, start: number, end: number, max = 1024): string {
  return utf8.decode(b.subarray(start, Math.min(end, start + max)));
}

/** Index of "\r\n" at or after `from`, or -1. */
export function indexOfCrlf(b: Uint8Array, from: number, end = b.length): number {
  for (let i = from; i < end - 1; i++) if (b[i] === 13 && b[i + 1] === 10) return i;
  return -1;
}

/** Index of "\r\n\r\n" at or after `from`, or -1. */
export function indexOfHeaderEnd(b: Uint8Array, from: number, end = b.length): number {
  for (let i = from; i < end - 3; i++) {
    if (b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10) return i;
  }
  return -1;
}

export const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
export const u24 = (b: Uint8Array, o: number): number => (b[o]! << 16) | (b[o + 1]! << 8) | b[o + 2]!;
export const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) >>> 0) + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
export const i16 = (b: Uint8Array, o: number): number => (u16(b, o) << 16) >> 16;
export const i32 = (b: Uint8Array, o: number): number => u32(b, o) | 0;
export const u16le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8);
export const u24le = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16);
export const u32le = (b: Uint8Array, o: number): number => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16)) + b[o + 3]! * 0x1000000;

/** Case-insensitive compare of b[start..end) with a lower-case ASCII `word`. */
export function equalsLower(b: Uint8Array, start: number, end: number, word: string): boolean {
  if (end - start !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = b[start + i]!;
    if (c >= 65 && c <= 90) c += 32;
    if (c !== word.charCodeAt(i)) return false;
  }
  return true;
}

/** True when b starts with the ASCII `prefix` at `at`. */
export function startsWith(b: Uint8Array, prefix: string, at = 0): boolean {
  if (b.length - at < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (b[at + i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/** The first SQL keyword, upper-cased: SELECT, INSERT, ... ('' when none). Skips comments. */
export function sqlKind(sql: string): string {
  let i = 0;
  for (;;) {
    while (i < sql.length && /[\s(]/.test(sql[i]!)) i++;
    if (sql.startsWith('/*', i)) { const e = sql.indexOf('*/', i + 2); if (e < 0) return ''; i = e + 2; continue; }
    if (sql.startsWith('--', i)) { const e = sql.indexOf('\n', i); if (e < 0) return ''; i = e + 1; continue; }
    break;
  }
  let j = i;
  while (j < sql.length && /[A-Za-z]/.test(sql[j]!)) j++;
  return sql.slice(i, j).toUpperCase();
}
