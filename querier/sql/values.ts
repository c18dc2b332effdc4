/** Comparing and coercing runtime values with PostgreSQL's rules (NULL handled by callers). */
import type { SqlType, Value } from '../../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { parseInterval, parseTimestamp, formatTimestamp, formatInterval } from './time.ts';

/** Total order for non-null values of one type; strings compare by code unit (C collation). */
export function compareValues(a: Value, b: Value): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    if (typeof a === 'number' && !Number.isInteger(a)) return a - Number(b);
    if (typeof b === 'number' && !Number.isInteger(b)) return Number(a) - b;
    const x = BigInt(a as number | bigint), y = BigInt(b as number | bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = a as number, y = b as number;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A number for arithmetic; bigints beyond 2^53 lose precision only in float contexts. */
export function toNumber(v: Value): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'boolean' ? Number(v) : Number(v);
}

/** Narrows an int64 that fits a double to number, so results compare and print uniformly. */
export function normalizeInt(v: bigint | number): number | bigint {
  if (typeof v === 'number') return v;
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** CAST(v AS type) at run time. */
export function castValue(v: Value, from: SqlType, to: SqlType): Value {
  if (v === null) return null;
  switch (to) {
    case 'text':
      if (from === 'timestamp') return formatTimestamp(toNumber(v));
      if (from === 'interval') return formatInterval(toNumber(v));
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      return String(v);
    case 'int': {
      if (typeof v === 'string') {
        if (!/^\s*[+-]?\d+\s*$/.test(v)) throw new QueryError(SQLSTATE.invalidTextRepresentation, `invalid input syntax for type bigint: "${v}"`);
        return normalizeInt(BigInt(v.trim()));
      }
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (typeof v === 'bigint') return normalizeInt(v);
      return roundHalfAway(v);
    }
    case 'float': {
      if (typeof v === 'string') {
        const n = Number(v.trim());
        if (v.trim() === '' || Number.isNaN(n) && v.trim().toLowerCase() !== 'nan') throw new QueryError(SQLSTATE.invalidTextRepresentation, `invalid input syntax for type double precision: "${v}"`);
        return n;
      }
      return toNumber(v);
    }
    case 'bool':
      if (typeof v === 'string') {
        const t = v.trim().toLowerCase();
        if (['t', 'true', 'yes', 'y', 'on', '1'].includes(t)) return true;
        if (['f', 'false', 'no', 'n', 'off', '0'].includes(t)) return false;
        throw new QueryError(SQLSTATE.invalidTextRepresentation, `invalid input syntax for type boolean: "${v}"`);
      }
      return toNumber(v) !== 0;
    case 'timestamp':
      if (typeof v === 'string') return parseTimestamp(v);
      return toNumber(v);
    case 'interval':
      if (typeof v === 'string') return parseInterval(v);
      return toNumber(v);
    case 'null':
      return v;
  }
}

/** PostgreSQL rounds half away from zero when casting float to int. */
export function roundHalfAway(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}

/** SQL LIKE pattern → RegExp (backslash escapes, % and _ wildcards). */
export function likeToRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) { re += escapeRe(pattern[++i]!); continue; }
    re += c === '%' ? '[\\s\\S]*' : c === '_' ? '[\\s\\S]' : escapeRe(c);
  }
  return new RegExp(`^${re}$`, caseInsensitive ? 'is' : 's');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const regexCache = new Map<string, RegExp>();
/** POSIX regex (PostgreSQL ~) approximated by JS RegExp: the common subset is the same. */
export function posixRegExp(pattern: string, caseInsensitive: boolean): RegExp {
  const key = (caseInsensitive ? 'i:' : 's:') + pattern;
  let re = regexCache.get(key);
  if (!re) {
    try {
      re = new RegExp(pattern, caseInsensitive ? 'i' : '');
    } catch (e) {
      throw new QueryError(SQLSTATE.invalidParameterValue, `invalid regular expression: ${(e as Error).message}`);
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}
