/**
 * Arrays of any element type, as JS arrays (null for NULL elements). Text form: '{a,"b c",NULL}',
 * nested braces for more dimensions. Binary form (one dimension, or empty): int32 ndim,
 * int32 has-nulls flag, uint32 element OID, per dimension int32 length and int32 lower bound
 * (1), then each element as int32 length (-1 = NULL) and bytes.
 */
import { ByteReader } from '../bytes.ts';
import { invalidBinary, invalidText, unencodable, type TypeCodec } from './codec.ts';

/** Whether an element must be double-quoted in array text output. */
function needsQuotes(s: string): boolean {
  return s === '' || /[{}",\\\s]/.test(s) || s.toUpperCase() === 'NULL';
}

function encodeTextArray(v: unknown, element: TypeCodec, typeName: string): string {
  if (!Array.isArray(v)) throw unencodable(typeName, v);
  const items = v.map((x): string => {
    if (x === null || x === undefined) return 'NULL';
    if (Array.isArray(x)) return encodeTextArray(x, element, typeName);
    const s = element.encodeText(x);
    return needsQuotes(s) ? `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"` : s;
  });
  return `{${items.join(',')}}`;
}

/** Parses array text into nested arrays of element strings (null for unquoted NULL). */
export function parseArrayText(text: string, typeName: string): unknown[] {
  let i = 0;
  const fail = () => invalidText(typeName, text);
  const skipSpace = () => { while (i < text.length && /\s/.test(text[i]!)) i++; };
  const parseList = (): unknown[] => {
    if (text[i] !== '{') throw fail();
    i++;
    const out: unknown[] = [];
    skipSpace();
    if (text[i] === '}') { i++; return out; }
    for (;;) {
      skipSpace();
      if (text[i] === '{') out.push(parseList());
      else if (text[i] === '"') {
        let s = '';
        for (i++; i < text.length && text[i] !== '"'; i++) s += text[i] === '\\' ? text[++i] : text[i];
        if (text[i] !== '"') throw fail();
        i++;
        out.push(s);
      } else {
        const start = i;
        while (i < text.length && !/[,}]/.test(text[i]!)) i++;
        const raw = text.slice(start, i).trim();
        if (raw === '') throw fail();
        out.push(raw.toUpperCase() === 'NULL' ? null : raw);
      }
      skipSpace();
      if (text[i] === ',') { i++; continue; }
      if (text[i] === '}') { i++; return out; }
      throw fail();
    }
  };
  skipSpace();
  // An optional dimension decoration ("[1:3]={...}") is accepted and ignored.
  if (text[i] === '[') {
    const eq = text.indexOf('=', i);
    if (eq < 0) throw fail();
    i = eq + 1;
  }
  const result = parseList();
  skipSpace();
  if (i !== text.length) throw fail();
  return result;
}

function mapDeep(items: unknown[], f: (s: string) => unknown): unknown[] {
  return items.map((x) => (x === null ? null : Array.isArray(x) ? mapDeep(x, f) : f(x as string)));
}

/** An array codec over `element`, whose OID goes into the binary header. */
export function arrayCodec(element: TypeCodec, elementOid: number, typeName: string): TypeCodec {
  return {
    encodeText: (v) => encodeTextArray(v, element, typeName),
    encodeBinary(v) {
      if (!Array.isArray(v)) throw unencodable(typeName, v);
      if (v.some((x) => Array.isArray(x))) throw unencodable(`${typeName} (binary form of nested arrays)`, v);
      const values = v.map((x) => (x === null || x === undefined ? null : element.encodeBinary(x)));
      const header = Buffer.allocUnsafe(v.length === 0 ? 12 : 20);
      header.writeInt32BE(v.length === 0 ? 0 : 1, 0);
      header.writeInt32BE(values.includes(null) ? 1 : 0, 4);
      header.writeUInt32BE(elementOid, 8);
      if (v.length > 0) {
        header.writeInt32BE(v.length, 12);
        header.writeInt32BE(1, 16);
      }
      const parts: Uint8Array[] = [header];
      for (const b of values) {
        const len = Buffer.allocUnsafe(4);
        len.writeInt32BE(b === null ? -1 : b.length);
        parts.push(len);
        if (b) parts.push(b);
      }
      return Buffer.concat(parts);
    },
    decodeText: (s) => mapDeep(parseArrayText(s, typeName), (x) => element.decodeText(x)),
    decodeBinary(b) {
      const r = new ByteReader(b);
      const ndim = r.int32();
      r.int32(); // has-nulls flag: the lengths below say it too
      const oid = r.uint32();
      if (oid !== elementOid) throw invalidBinary(typeName, `element type ${oid}, expected ${elementOid}`);
      if (ndim === 0) return [];
      if (ndim !== 1) throw invalidBinary(typeName, `${ndim}-dimensional arrays are not supported in binary form`);
      const n = r.int32();
      r.int32(); // lower bound
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) {
        const len = r.int32();
        out.push(len < 0 ? null : element.decodeBinary(r.bytes(len)));
      }
      r.end('array');
      return out;
    },
  };
}
