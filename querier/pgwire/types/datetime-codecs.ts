/**
 * timestamp, timestamptz and date. Timestamps travel as microseconds since the Unix epoch
 * (bigint) so no precision is lost; the binary wire form counts microseconds since
 * 2000-01-01 (PostgreSQL's epoch), dates count days since then. Text output is ISO with
 * the session in UTC, as the server announces TimeZone=UTC.
 */
import { expectLength, invalidText, unencodable, type TypeCodec } from './codec.ts';

/** Microseconds from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_OFFSET_US = 946_684_800_000_000n;
/** Days from 1970-01-01 to 2000-01-01. */
export const PG_EPOCH_OFFSET_DAYS = 10_957;
const US_PER_DAY = 86_400_000_000n;
const US_PER_MS = 1000n;

/** Converts what a handler may hand us (bigint µs, Date, number ms, ISO text) to µs since 1970. */
export function toEpochMicros(v: unknown, typeName: string): bigint {
  if (typeof v === 'bigint') return v;
  if (v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw unencodable(typeName, v);
    return BigInt(ms) * US_PER_MS;
  }
  if (typeof v === 'number' && Number.isFinite(v)) return BigInt(Math.round(v * 1000));
  if (typeof v === 'string') return parseTimestampText(v, typeName);
  throw unencodable(typeName, v);
}

const TS_RE =
  /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(?:(Z|UTC)|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?\s*$/i;

/** Parses ISO-like timestamp text; text without a zone is taken as UTC. */
export function parseTimestampText(s: string, typeName: string): bigint {
  const m = TS_RE.exec(s);
  if (!m) throw invalidText(typeName, s);
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', , sign, zh = '0', zm = '0', zs = '0'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec));
  if (Number.isNaN(ms) || Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 24 || Number(mi) > 59 || Number(sec) > 60) {
    throw invalidText(typeName, s);
  }
  const offsetSec = sign ? (sign === '-' ? -1 : 1) * (Number(zh) * 3600 + Number(zm) * 60 + Number(zs)) : 0;
  return BigInt(ms - offsetSec * 1000) * US_PER_MS + BigInt(frac.padEnd(6, '0') || '0');
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, trailing zeros of the fraction dropped like PostgreSQL. */
export function formatTimestamp(us: bigint): string {
  const msPart = us >= 0n ? us / US_PER_MS : -((-us + US_PER_MS - 1n) / US_PER_MS);
  const micro = Number(us - msPart * US_PER_MS); // 0..999
  const d = new Date(Number(msPart));
  const fracUs = d.getUTCMilliseconds() * 1000 + micro;
  const frac = fracUs === 0 ? '' : `.${pad(fracUs, 6).replace(/0+$/, '')}`;
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${frac}`;
}

function makeTimestampCodec(typeName: string, zoneSuffix: string): TypeCodec {
  return {
    encodeText: (v) => formatTimestamp(toEpochMicros(v, typeName)) + zoneSuffix,
    encodeBinary(v) {
      const b = Buffer.allocUnsafe(8);
      b.writeBigInt64BE(toEpochMicros(v, typeName) - PG_EPOCH_OFFSET_US);
      return b;
    },
    decodeText: (s) => parseTimestampText(s, typeName),
    decodeBinary(b) {
      expectLength(typeName, b, 8);
      return b.readBigInt64BE() + PG_EPOCH_OFFSET_US;
    },
  };
}

export const timestamptzCodec = makeTimestampCodec('timestamp with time zone', '+00');
export const timestampCodec = makeTimestampCodec('timestamp without time zone', '');

// A time or zone after the date is accepted and ignored, as PostgreSQL's date input does
// (JDBC's setDate sends "2024-02-29 +00").
const DATE_RE = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ]\s*[\d:.]*\s*(?:Z|[+-]\d{1,2}(?::?\d{2})?)?)?\s*$/i;

/** Days since 1970-01-01 of a 'YYYY-MM-DD' string or Date (its UTC day). */
function toEpochDays(v: unknown): number {
  if (typeof v === 'string') {
    const m = DATE_RE.exec(v);
    if (!m) throw invalidText('date', v);
    const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    if (Number(m[2]) < 1 || Number(m[2]) > 12 || Number(m[3]) < 1 || Number(m[3]) > 31) throw invalidText('date', v);
    return Math.floor(ms / 86_400_000);
  }
  if (v instanceof Date && !Number.isNaN(v.getTime())) return Math.floor(v.getTime() / 86_400_000);
  if (typeof v === 'bigint') return Number(v / US_PER_DAY);
  throw unencodable('date', v);
}

function formatDate(epochDays: number): string {
  const d = new Date(epochDays * 86_400_000);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** Dates decode to 'YYYY-MM-DD' strings: a calendar day has no time zone, a Date would add one. */
export const dateCodec: TypeCodec = {
  encodeText: (v) => formatDate(toEpochDays(v)),
  encodeBinary(v) {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(toEpochDays(v) - PG_EPOCH_OFFSET_DAYS);
    return b;
  },
  decodeText: (s) => formatDate(toEpochDays(s)),
  decodeBinary(b) {
    expectLength('date', b, 4);
    return formatDate(b.readInt32BE() + PG_EPOCH_OFFSET_DAYS);
  },
};
