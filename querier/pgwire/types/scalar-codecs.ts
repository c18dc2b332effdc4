/**
 * Codecs for the scalar types whose wire forms need no calendar or decimal arithmetic:
 * bool, integers, floats, text-like types, bytea, uuid, json/jsonb.
 */
import { expectLength, invalidBinary, invalidText, unencodable, type TypeCodec } from './codec.ts';

function alloc(n: number): Buffer {
  return Buffer.allocUnsafe(n);
}

export const boolCodec: TypeCodec = {
  encodeText: (v) => (toBool(v) ? 't' : 'f'),
  encodeBinary: (v) => Buffer.of(toBool(v) ? 1 : 0),
  decodeText(s) {
    const t = s.trim().toLowerCase();
    if (['t', 'true', 'y', 'yes', 'on', '1'].includes(t)) return true;
    if (['f', 'false', 'n', 'no', 'off', '0'].includes(t)) return false;
    throw invalidText('boolean', s);
  },
  decodeBinary(b) {
    expectLength('boolean', b, 1);
    return b[0] !== 0;
  },
};

function toBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return v !== 0 && v !== 0n;
  if (typeof v === 'string') return boolCodec.decodeText(v) as boolean;
  throw unencodable('boolean', v);
}

/** Integer codec for a width of 2 or 4 bytes (JS number values). */
function smallIntCodec(typeName: string, bytes: 2 | 4, unsigned = false): TypeCodec {
  const min = unsigned ? 0 : -(2 ** (bytes * 8 - 1));
  const max = unsigned ? 2 ** (bytes * 8) - 1 : 2 ** (bytes * 8 - 1) - 1;
  const check = (n: number, shown: unknown): number => {
    if (!Number.isInteger(n) || n < min || n > max) throw unencodable(typeName, shown);
    return n;
  };
  const toInt = (v: unknown): number => {
    if (typeof v === 'number') return check(v, v);
    if (typeof v === 'bigint' || typeof v === 'string') return check(Number(v), v);
    if (typeof v === 'boolean') return v ? 1 : 0;
    throw unencodable(typeName, v);
  };
  return {
    encodeText: (v) => String(toInt(v)),
    encodeBinary(v) {
      const b = alloc(bytes);
      const n = toInt(v);
      if (bytes === 2) b.writeInt16BE(n);
      else if (unsigned) b.writeUInt32BE(n);
      else b.writeInt32BE(n);
      return b;
    },
    decodeText(s) {
      const t = s.trim();
      if (!/^[+-]?\d+$/.test(t)) throw invalidText(typeName, s);
      const n = Number(t);
      if (n < min || n > max) throw invalidText(typeName, s);
      return n;
    },
    decodeBinary(b) {
      expectLength(typeName, b, bytes);
      return bytes === 2 ? b.readInt16BE() : unsigned ? b.readUInt32BE() : b.readInt32BE();
    },
  };
}

export const int2Codec = smallIntCodec('smallint', 2);
export const int4Codec = smallIntCodec('integer', 4);
export const oidCodec = smallIntCodec('oid', 4, true);

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function toInt8(v: unknown): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) n = BigInt(v.trim());
  else throw unencodable('bigint', v);
  if (n < INT8_MIN || n > INT8_MAX) throw unencodable('bigint', v);
  return n;
}

/** int8 values decode to bigint, since JS numbers lose precision past 2^53. */
export const int8Codec: TypeCodec = {
  encodeText: (v) => String(toInt8(v)),
  encodeBinary(v) {
    const b = alloc(8);
    b.writeBigInt64BE(toInt8(v));
    return b;
  },
  decodeText(s) {
    const t = s.trim();
    if (!/^[+-]?\d+$/.test(t)) throw invalidText('bigint', s);
    const n = BigInt(t);
    if (n < INT8_MIN || n > INT8_MAX) throw invalidText('bigint', s);
    return n;
  },
  decodeBinary(b) {
    expectLength('bigint', b, 8);
    return b.readBigInt64BE();
  },
};

function toFloat(typeName: string, v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') return parseFloatText(typeName, v);
  throw unencodable(typeName, v);
}

function parseFloatText(typeName: string, s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan') return NaN;
  if (t === 'infinity' || t === '+infinity' || t === 'inf' || t === '+inf') return Infinity;
  if (t === '-infinity' || t === '-inf') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) throw invalidText(typeName, s);
  return Number(t);
}

/**
 * PostgreSQL's shortest-exact float output (extra_float_digits > 0, the default since 12):
 * scientific notation when the decimal exponent is below -4 or at least the type's digit
 * count (15 for float8, 6 for float4), with a two-digit exponent ("1e-07", "1e+21").
 */
export function formatFloat(n: number, shortest: string, expLimit: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const [mantissa, expText] = Number(shortest).toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= expLimit) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  // Plain notation with exactly the shortest digits; toFixed would invent trailing digits.
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digitsOnly = mantissa.replace('-', '').replace('.', '');
  if (exp >= 0) {
    const intPart = digitsOnly.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digitsOnly.slice(exp + 1);
    return sign + intPart + (frac ? `.${frac}` : '');
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digitsOnly}`;
}

/** Shortest decimal that reads back as the same float32. */
function shortestFloat4(n: number): string {
  for (let p = 1; p <= 9; p++) {
    const s = n.toPrecision(p);
    if (Math.fround(Number(s)) === n) return s;
  }
  return String(n);
}

export const float8Codec: TypeCodec = {
  encodeText: (v) => {
    const n = toFloat('double precision', v);
    return formatFloat(n, String(n), 15);
  },
  encodeBinary(v) {
    const b = alloc(8);
    b.writeDoubleBE(toFloat('double precision', v));
    return b;
  },
  decodeText: (s) => parseFloatText('double precision', s),
  decodeBinary(b) {
    expectLength('double precision', b, 8);
    return b.readDoubleBE();
  },
};

export const float4Codec: TypeCodec = {
  encodeText: (v) => {
    const n = Math.fround(toFloat('real', v));
    return Number.isFinite(n) && n !== 0 ? formatFloat(n, shortestFloat4(n), 6) : formatFloat(n, String(n), 6);
  },
  encodeBinary(v) {
    const b = alloc(4);
    b.writeFloatBE(toFloat('real', v));
    return b;
  },
  decodeText: (s) => Math.fround(parseFloatText('real', s)),
  decodeBinary(b) {
    expectLength('real', b, 4);
    return b.readFloatBE();
  },
};

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  throw unencodable('text', v);
}

/** text, varchar, bpchar, name and unknown: the binary form is the UTF-8 bytes. */
export const textCodec: TypeCodec = {
  encodeText: toText,
  encodeBinary: (v) => Buffer.from(toText(v), 'utf8'),
  decodeText: (s) => s,
  decodeBinary: (b) => b.toString('utf8'),
};

/** json values: a string is JSON text already; anything else is JSON.stringify'd. */
function toJson(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
}

export const jsonCodec: TypeCodec = {
  encodeText: toJson,
  encodeBinary: (v) => Buffer.from(toJson(v), 'utf8'),
  decodeText: (s) => s,
  decodeBinary: (b) => b.toString('utf8'),
};

/** jsonb's binary form is a version byte (1) and the JSON text. */
const JSONB_VERSION = 1;
export const jsonbCodec: TypeCodec = {
  encodeText: toJson,
  encodeBinary: (v) => Buffer.concat([Buffer.of(JSONB_VERSION), Buffer.from(toJson(v), 'utf8')]),
  decodeText: (s) => s,
  decodeBinary(b) {
    if (b[0] !== JSONB_VERSION) throw invalidBinary('jsonb', `unsupported jsonb version ${b[0]}`);
    return b.toString('utf8', 1);
  },
};

function toBytes(v: unknown): Uint8Array {
  if (v instanceof Uint8Array) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  throw unencodable('bytea', v);
}

/** bytea text form is hex ("\x0aff"); the old escape form is still accepted on input. */
export const byteaCodec: TypeCodec = {
  encodeText: (v) => `\\x${Buffer.from(toBytes(v)).toString('hex')}`,
  encodeBinary: toBytes,
  decodeText(s) {
    if (s.startsWith('\\x')) {
      const hex = s.slice(2);
      if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw invalidText('bytea', s);
      return Buffer.from(hex, 'hex');
    }
    return decodeByteaEscape(s);
  },
  decodeBinary: (b) => Buffer.from(b),
};

function decodeByteaEscape(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x5c) {
      out.push(...Buffer.from(s[i]!, 'utf8'));
    } else if (s[i + 1] === '\\') {
      out.push(0x5c);
      i++;
    } else if (/^[0-3][0-7]{2}$/.test(s.slice(i + 1, i + 4))) {
      out.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      throw invalidText('bytea', s);
    }
  }
  return Buffer.from(out);
}

const UUID_RE = /^\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

function uuidHex(v: unknown): string {
  const m = typeof v === 'string' ? UUID_RE.exec(v.trim()) : null;
  if (!m) throw typeof v === 'string' ? invalidText('uuid', v) : unencodable('uuid', v);
  return m.slice(1).join('').toLowerCase();
}

function formatUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const uuidCodec: TypeCodec = {
  encodeText: (v) => formatUuid(uuidHex(v)),
  encodeBinary: (v) => Buffer.from(uuidHex(v), 'hex'),
  decodeText: (s) => formatUuid(uuidHex(s)),
  decodeBinary(b) {
    expectLength('uuid', b, 16);
    return formatUuid(b.toString('hex'));
  },
};
