/**
 * interval: months, days and microseconds kept apart, as PostgreSQL does (a month is not a
 * fixed number of days). Binary form: int64 microseconds, int32 days, int32 months. Text
 * output follows IntervalStyle=postgres ("1 year 2 mons 3 days 04:05:06.5").
 */
import { expectLength, invalidText, unencodable, type TypeCodec } from './codec.ts';

/** An interval value as handlers produce it and parameters decode to. */
export interface PgInterval {
  months: number;
  days: number;
  microseconds: bigint;
}

const US_PER_SECOND = 1_000_000;
const US_PER_UNIT: Record<string, number> = {
  microsecond: 1, millisecond: 1000, second: US_PER_SECOND, minute: 60 * US_PER_SECOND, hour: 3600 * US_PER_SECOND,
};
const UNIT_ALIASES: Record<string, string> = {
  us: 'microsecond', usec: 'microsecond', usecs: 'microsecond', microsecond: 'microsecond', microseconds: 'microsecond',
  ms: 'millisecond', msec: 'millisecond', msecs: 'millisecond', millisecond: 'millisecond', milliseconds: 'millisecond',
  s: 'second', sec: 'second', secs: 'second', second: 'second', seconds: 'second',
  m: 'minute', min: 'minute', mins: 'minute', minute: 'minute', minutes: 'minute',
  h: 'hour', hr: 'hour', hrs: 'hour', hour: 'hour', hours: 'hour',
  d: 'day', day: 'day', days: 'day', w: 'week', week: 'week', weeks: 'week',
  mon: 'month', mons: 'month', month: 'month', months: 'month',
  y: 'year', yr: 'year', yrs: 'year', year: 'year', years: 'year',
};

/** Parses postgres-style ("1 day 02:00:00", "3 mons ago") and ISO 8601 ("P1DT2H") intervals. */
export function parseInterval(text: string): PgInterval {
  const s = text.trim().toLowerCase();
  if (s.startsWith('p')) return parseIsoInterval(text, s);
  const acc = { months: 0, days: 0, us: 0 };
  const tokens = s.replace(/^@\s*/, '').split(/\s+/).filter(Boolean);
  let ago = false;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === 'ago') { ago = true; continue; }
    const clock = /^([+-])?(\d+):(\d{1,2})(?::(\d{1,2}(?:\.\d+)?))?$/.exec(tok);
    if (clock) {
      const sign = clock[1] === '-' ? -1 : 1;
      acc.us += sign * (Number(clock[2]) * 3600e6 + Number(clock[3]) * 60e6 + Math.round(Number(clock[4] ?? 0) * 1e6));
      continue;
    }
    const numUnit = /^([+-]?\d+(?:\.\d+)?)([a-z]*)$/.exec(tok);
    if (!numUnit) throw invalidText('interval', text);
    const unit = UNIT_ALIASES[numUnit[2] || tokens[++i] || 'second'];
    if (!unit) throw invalidText('interval', text);
    addUnit(acc, Number(numUnit[1]), unit);
  }
  const sign = ago ? -1 : 1;
  // `+ 0` turns the -0 of "0 days ago" into 0.
  return { months: sign * acc.months + 0, days: sign * acc.days + 0, microseconds: BigInt(sign * Math.round(acc.us)) };
}

function addUnit(acc: { months: number; days: number; us: number }, n: number, unit: string): void {
  // Fractions cascade down the way PostgreSQL's interval input does: months → 30 days → 24 h.
  const spill = (daysFrac: number) => { acc.us += daysFrac * 86_400e6; };
  switch (unit) {
    case 'year': addUnit(acc, n * 12, 'month'); return;
    case 'month': {
      const whole = Math.trunc(n);
      acc.months += whole;
      addUnit(acc, (n - whole) * 30, 'day');
      return;
    }
    case 'week': addUnit(acc, n * 7, 'day'); return;
    case 'day': {
      const whole = Math.trunc(n);
      acc.days += whole;
      spill(n - whole);
      return;
    }
    default: acc.us += n * US_PER_UNIT[unit]!;
  }
}

function parseIsoInterval(text: string, s: string): PgInterval {
  const m = /^p(?:([\d.]+)y)?(?:([\d.]+)m)?(?:([\d.]+)w)?(?:([\d.]+)d)?(?:t(?:([\d.]+)h)?(?:([\d.]+)m)?(?:([\d.]+)s)?)?$/.exec(s);
  if (!m || s === 'p' || s.endsWith('t')) throw invalidText('interval', text);
  const acc = { months: 0, days: 0, us: 0 };
  const units = ['year', 'month', 'week', 'day', 'hour', 'minute', 'second'];
  units.forEach((u, i) => { if (m[i + 1]) addUnit(acc, Number(m[i + 1]), u); });
  return { months: acc.months, days: acc.days, microseconds: BigInt(Math.round(acc.us)) };
}

/** IntervalStyle=postgres output, following PostgreSQL's EncodeInterval sign rules. */
export function formatInterval(v: PgInterval): string {
  const parts: string[] = [];
  let previousNegative = false;
  const add = (value: number, unit: string) => {
    if (value === 0) return;
    const plus = previousNegative && value > 0 ? '+' : '';
    parts.push(`${plus}${value} ${unit}${value === 1 ? '' : 's'}`); // PostgreSQL: "-1 days"
    previousNegative = value < 0;
  };
  add(Math.trunc(v.months / 12), 'year');
  add(v.months % 12, 'mon');
  add(v.days, 'day');
  const us = v.microseconds;
  if (us !== 0n || parts.length === 0) {
    const neg = us < 0n;
    const abs = neg ? -us : us;
    const totalSec = abs / 1_000_000n;
    const frac = Number(abs % 1_000_000n);
    const hh = String(totalSec / 3600n).padStart(2, '0');
    const mm = String((totalSec / 60n) % 60n).padStart(2, '0');
    const ss = String(totalSec % 60n).padStart(2, '0');
    const fracText = frac === 0 ? '' : `.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
    const sign = neg ? '-' : previousNegative ? '+' : '';
    parts.push(`${sign}${hh}:${mm}:${ss}${fracText}`);
  }
  return parts.join(' ');
}

function toInterval(v: unknown): PgInterval {
  if (typeof v === 'string') return parseInterval(v);
  if (v && typeof v === 'object' && 'months' in v && 'days' in v && 'microseconds' in v) {
    const i = v as PgInterval;
    return { months: i.months, days: i.days, microseconds: BigInt(i.microseconds) };
  }
  throw unencodable('interval', v);
}

export const intervalCodec: TypeCodec = {
  encodeText: (v) => formatInterval(toInterval(v)),
  encodeBinary(v) {
    const i = toInterval(v);
    const b = Buffer.allocUnsafe(16);
    b.writeBigInt64BE(i.microseconds, 0);
    b.writeInt32BE(i.days, 8);
    b.writeInt32BE(i.months, 12);
    return b;
  },
  decodeText: parseInterval,
  decodeBinary(b) {
    expectLength('interval', b, 16);
    return { microseconds: b.readBigInt64BE(0), days: b.readInt32BE(8), months: b.readInt32BE(12) };
  },
};
