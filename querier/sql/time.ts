/**
 * Timestamps and intervals as microseconds (UTC), the representation the plan and the
 * executor use. Parsing follows what PostgreSQL accepts for the common spellings.
 */
import { QueryError, SQLSTATE } from '../errors.ts';

export const US_PER_SECOND = 1_000_000;
const UNIT_US: Record<string, number> = {
  microsecond: 1, us: 1, usec: 1,
  millisecond: 1_000, ms: 1_000, msec: 1_000,
  second: US_PER_SECOND, s: US_PER_SECOND, sec: US_PER_SECOND,
  minute: 60 * US_PER_SECOND, m: 60 * US_PER_SECOND, min: 60 * US_PER_SECOND,
  hour: 3_600 * US_PER_SECOND, h: 3_600 * US_PER_SECOND, hr: 3_600 * US_PER_SECOND,
  day: 86_400 * US_PER_SECOND, d: 86_400 * US_PER_SECOND,
  week: 7 * 86_400 * US_PER_SECOND, w: 7 * 86_400 * US_PER_SECOND,
};

function unitUs(unit: string): number | undefined {
  const u = unit.toLowerCase();
  return UNIT_US[u] ?? UNIT_US[u.replace(/s$/, '')] ?? UNIT_US[u.replace(/onds?$/, '')];
}

/** '5 minutes', '1 hour 30 minutes', '2h', '00:05:00', '1 day 02:00:00' → µs. Months are refused. */
export function parseInterval(text: string): number {
  let rest = text.trim().toLowerCase().replace(/^@\s*/, '');
  let total = 0;
  const clock = /(-?)(\d+):(\d{2})(?::(\d{2}(?:\.\d+)?))?/;
  const m = clock.exec(rest);
  if (m) {
    const sign = m[1] ? -1 : 1;
    total += sign * (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * US_PER_SECOND;
    rest = rest.replace(clock, ' ');
  }
  const part = /(-?\d+(?:\.\d+)?)\s*([a-z]+)/g;
  let p: RegExpExecArray | null;
  let consumed = rest.replace(/\s+/g, '');
  while ((p = part.exec(rest))) {
    const us = unitUs(p[2]!);
    if (us === undefined) throw invalidInterval(text);
    total += Number(p[1]) * us;
    consumed = consumed.replace(p[0].replace(/\s+/g, ''), '');
  }
  if (consumed.length > 0 || (!m && total === 0 && !/\b0\b/.test(rest))) throw invalidInterval(text);
  return Math.round(total);
}

function invalidInterval(text: string): QueryError {
  return new QueryError(SQLSTATE.invalidDatetimeFormat, `invalid input syntax for type interval: "${text}"`, {
    hint: 'Use units from microseconds to weeks, e.g. \'5 minutes\' or \'1 hour\'; months and years are not supported.',
  });
}

/** ISO 8601 or PostgreSQL text ('2024-01-01 10:00:00+00', '2024-01-01') → µs; no zone means UTC. */
export function parseTimestamp(text: string): number {
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/i.exec(text);
  if (!m) throw new QueryError(SQLSTATE.invalidDatetimeFormat, `invalid input syntax for type timestamp with time zone: "${text}"`);
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  let us = ms * 1000 + Number((m[7] ?? '').padEnd(6, '0') || 0);
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /([+-])(\d{2}):?(\d{2})?/.exec(zone)!;
    const offsetUs = (Number(z[2]) * 60 + Number(z[3] ?? 0)) * 60 * US_PER_SECOND;
    us -= (z[1] === '-' ? -1 : 1) * offsetUs;
  }
  return us;
}

/** µs → PostgreSQL's text form of timestamptz in UTC: '2024-01-01 10:00:00.5+00'. */
export function formatTimestamp(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // 2024-01-01T10:00:00.000Z
  const frac = ((us % US_PER_SECOND) + US_PER_SECOND) % US_PER_SECOND;
  const fracText = frac ? '.' + String(frac).padStart(6, '0').replace(/0+$/, '') : '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${fracText}+00`;
}

/** µs → ISO 8601 with microseconds where present: '2024-01-01T10:00:00.000001Z'. */
export function formatIso(us: number): string {
  return formatTimestamp(us).replace(' ', 'T').replace(/\+00$/, 'Z');
}

/** µs → PostgreSQL interval text ('00:05:00', '1 day 02:00:00'). */
export function formatInterval(us: number): string {
  const sign = us < 0 ? '-' : '';
  let rest = Math.abs(us);
  const days = Math.floor(rest / UNIT_US.day!);
  rest -= days * UNIT_US.day!;
  const h = Math.floor(rest / UNIT_US.hour!); rest -= h * UNIT_US.hour!;
  const m = Math.floor(rest / UNIT_US.minute!); rest -= m * UNIT_US.minute!;
  const s = rest / US_PER_SECOND;
  const clock = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s < 10 ? '0' : ''}${s}`;
  return `${sign}${days ? `${days} day${days === 1 ? '' : 's'} ` : ''}${clock}`;
}

const TRUNC_FIXED: Record<string, number> = {
  microseconds: 1, milliseconds: 1_000, second: US_PER_SECOND, minute: 60 * US_PER_SECOND,
  hour: 3_600 * US_PER_SECOND, day: 86_400 * US_PER_SECOND,
};

/** date_trunc(unit, ts) in UTC. */
export function dateTrunc(unit: string, us: number): number {
  const u = unit.toLowerCase().replace(/s$/, '');
  const fixed = TRUNC_FIXED[u] ?? TRUNC_FIXED[u + 's'];
  if (fixed) return Math.floor(us / fixed) * fixed;
  const d = new Date(Math.floor(us / 1000));
  switch (u) {
    case 'week': {
      const day = Math.floor(us / TRUNC_FIXED.day!) * TRUNC_FIXED.day!;
      const dow = (d.getUTCDay() + 6) % 7; // Monday = 0, as PostgreSQL's ISO weeks
      return day - dow * TRUNC_FIXED.day!;
    }
    case 'month': return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) * 1000;
    case 'quarter': return Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1) * 1000;
    case 'year': return Date.UTC(d.getUTCFullYear(), 0, 1) * 1000;
    default: throw new QueryError(SQLSTATE.invalidParameterValue, `unit "${unit}" not recognized for type timestamp with time zone`);
  }
}

/** date_bin(stride, ts, origin): the start of the stride-wide bin holding ts. */
export function dateBin(strideUs: number, us: number, originUs: number): number {
  if (strideUs <= 0) throw new QueryError(SQLSTATE.invalidParameterValue, 'stride must be greater than zero');
  return originUs + Math.floor((us - originUs) / strideUs) * strideUs;
}

/** TimescaleDB's time_bucket origin for sub-month widths (a Monday). */
export const TIME_BUCKET_ORIGIN_US = Date.UTC(2000, 0, 3) * 1000;

/** extract(field FROM ts) / date_part, UTC. */
export function extractField(field: string, us: number): number {
  const d = new Date(Math.floor(us / 1000));
  switch (field.toLowerCase()) {
    case 'epoch': return us / US_PER_SECOND;
    case 'year': return d.getUTCFullYear();
    case 'month': return d.getUTCMonth() + 1;
    case 'day': return d.getUTCDate();
    case 'hour': return d.getUTCHours();
    case 'minute': return d.getUTCMinutes();
    case 'second': return d.getUTCSeconds() + (((us % US_PER_SECOND) + US_PER_SECOND) % US_PER_SECOND) / US_PER_SECOND;
    case 'dow': return d.getUTCDay();
    case 'isodow': return d.getUTCDay() || 7;
    case 'doy': return Math.floor((us - Date.UTC(d.getUTCFullYear(), 0, 1) * 1000) / TRUNC_FIXED.day!) + 1;
    case 'milliseconds': return (d.getUTCSeconds() * US_PER_SECOND + (((us % US_PER_SECOND) + US_PER_SECOND) % US_PER_SECOND)) / 1000;
    case 'microseconds': return d.getUTCSeconds() * US_PER_SECOND + (((us % US_PER_SECOND) + US_PER_SECOND) % US_PER_SECOND);
    default: throw new QueryError(SQLSTATE.invalidParameterValue, `timestamp units "${field}" not recognized`);
  }
}
