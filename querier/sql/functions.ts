/**
 * The scalar function and operator registry: arity, result type and evaluation, keyed by the
 * `fn` name CallExpr carries. Store compilers keep their own spelling tables for the names they
 * can translate; `functions.test.ts` keeps those tables inside this one.
 */
import type { SqlType, Value } from '../../storage-adapters/fragment.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { compareValues, toNumber, likeToRegExp, posixRegExp, roundHalfAway } from './values.ts';
import { CATALOG_FUNCTIONS } from '../catalog/functions.ts';
import { dateTrunc, dateBin, extractField, TIME_BUCKET_ORIGIN_US, US_PER_SECOND } from './time.ts';

export interface ScalarFunction {
  minArgs: number;
  maxArgs: number;
  returns: (args: SqlType[]) => SqlType;
  /** Called with the evaluated arguments; unless `nullAware`, a NULL argument yields NULL first. */
  eval: (args: Value[], types: SqlType[]) => Value;
  nullAware?: boolean;
}

const num = (t: SqlType): boolean => t === 'int' || t === 'float';
const arith = (args: SqlType[]): SqlType => (args.every((t) => t === 'int' || t === 'null') ? 'int' : 'float');
const fixed = (t: SqlType) => (): SqlType => t;

function intResult(x: number | bigint): number | bigint {
  return x;
}

function addSub(sign: 1 | -1): ScalarFunction {
  return {
    minArgs: 2, maxArgs: 2,
    returns: ([a, b]) => {
      if (a === 'timestamp' && b === 'interval') return 'timestamp';
      if (a === 'interval' && b === 'timestamp' && sign === 1) return 'timestamp';
      if (a === 'timestamp' && b === 'timestamp' && sign === -1) return 'interval';
      if (a === 'interval' && b === 'interval') return 'interval';
      return arith([a!, b!]);
    },
    eval: ([a, b], types) => {
      if (typeof a === 'bigint' || typeof b === 'bigint') {
        if (types.every((t) => t === 'int')) return intResult(sign === 1 ? BigInt(a as bigint) + BigInt(b as bigint) : BigInt(a as bigint) - BigInt(b as bigint));
      }
      return sign === 1 ? toNumber(a!) + toNumber(b!) : toNumber(a!) - toNumber(b!);
    },
  };
}

function divide(kind: 'div' | 'mod'): ScalarFunction {
  return {
    minArgs: 2, maxArgs: 2,
    returns: arith,
    eval: ([a, b], types) => {
      const y = toNumber(b!);
      if (y === 0) throw new QueryError(SQLSTATE.divisionByZero, 'division by zero');
      const x = toNumber(a!);
      const ints = types.every((t) => t === 'int');
      if (kind === 'mod') return ints ? x % y : x % y;
      return ints ? Math.trunc(x / y) : x / y;
    },
  };
}

function comparison(test: (c: number) => boolean): ScalarFunction {
  return { minArgs: 2, maxArgs: 2, returns: fixed('bool'), eval: ([a, b]) => test(compareValues(a!, b!)) };
}

function pattern(kind: 'like' | 'ilike' | 'regex' | 'iregex', negate: boolean): ScalarFunction {
  return {
    minArgs: 2, maxArgs: 2, returns: fixed('bool'),
    eval: ([s, p]) => {
      const re = kind === 'like' || kind === 'ilike' ? likeToRegExp(String(p), kind === 'ilike') : posixRegExp(String(p), kind === 'iregex');
      return re.test(String(s)) !== negate;
    },
  };
}

function math(f: (x: number) => number): ScalarFunction {
  return { minArgs: 1, maxArgs: 1, returns: ([t]) => (t === 'int' ? 'int' : 'float'), eval: ([x]) => f(toNumber(x!)) };
}
function floatMath(f: (x: number) => number): ScalarFunction {
  return { minArgs: 1, maxArgs: 1, returns: fixed('float'), eval: ([x]) => f(toNumber(x!)) };
}
function text(f: (s: string, rest: Value[]) => Value, minArgs = 1, maxArgs = minArgs, returns: SqlType = 'text'): ScalarFunction {
  return { minArgs, maxArgs, returns: fixed(returns), eval: ([s, ...rest]) => f(String(s), rest) };
}

/** Three-valued AND/OR: NULL only when the answer depends on it. */
const and: ScalarFunction = {
  minArgs: 2, maxArgs: Infinity, returns: fixed('bool'), nullAware: true,
  eval: (args) => (args.some((a) => a === false) ? false : args.some((a) => a === null) ? null : true),
};
const or: ScalarFunction = {
  minArgs: 2, maxArgs: Infinity, returns: fixed('bool'), nullAware: true,
  eval: (args) => (args.some((a) => a === true) ? true : args.some((a) => a === null) ? null : false),
};

/** x IN (a, b, ...): NULL when x is NULL, or when nothing matched and the list held a NULL. */
function inList(negate: boolean): ScalarFunction {
  return {
    minArgs: 1, maxArgs: Infinity, returns: fixed('bool'), nullAware: true,
    eval: ([x, ...list]) => {
      if (x === null) return null;
      let sawNull = false;
      for (const v of list) {
        if (v === null) sawNull = true;
        else if (compareValues(x!, v) === 0) return !negate;
      }
      return sawNull ? null : negate;
    },
  };
}

function firstNonNull(pick: (vals: Value[]) => Value, returns: (t: SqlType[]) => SqlType): ScalarFunction {
  return { minArgs: 1, maxArgs: Infinity, returns, nullAware: true, eval: (args) => pick(args) };
}
const commonType = (ts: SqlType[]): SqlType => {
  const known = ts.filter((t) => t !== 'null');
  if (known.length === 0) return 'null';
  if (known.every((t) => t === known[0])) return known[0]!;
  if (known.every(num)) return 'float';
  return known[0]!;
};

export const FUNCTIONS: Record<string, ScalarFunction> = {
  '+': addSub(1),
  '-': addSub(-1),
  '*': { minArgs: 2, maxArgs: 2, returns: ([a, b]) => (a === 'interval' || b === 'interval' ? 'interval' : arith([a!, b!])), eval: ([a, b]) => toNumber(a!) * toNumber(b!) },
  '/': divide('div'),
  '%': divide('mod'),
  neg: { minArgs: 1, maxArgs: 1, returns: ([t]) => t!, eval: ([a]) => (typeof a === 'bigint' ? -a : -toNumber(a!)) },
  '=': comparison((c) => c === 0),
  '<>': comparison((c) => c !== 0),
  '<': comparison((c) => c < 0),
  '<=': comparison((c) => c <= 0),
  '>': comparison((c) => c > 0),
  '>=': comparison((c) => c >= 0),
  and,
  or,
  not: { minArgs: 1, maxArgs: 1, returns: fixed('bool'), eval: ([a]) => !a },
  is_null: { minArgs: 1, maxArgs: 1, returns: fixed('bool'), nullAware: true, eval: ([a]) => a === null },
  is_not_null: { minArgs: 1, maxArgs: 1, returns: fixed('bool'), nullAware: true, eval: ([a]) => a !== null },
  in: inList(false),
  not_in: inList(true),
  like: pattern('like', false),
  not_like: pattern('like', true),
  ilike: pattern('ilike', false),
  not_ilike: pattern('ilike', true),
  '~': pattern('regex', false),
  '!~': pattern('regex', true),
  '~*': pattern('iregex', false),
  '!~*': pattern('iregex', true),
  '||': { minArgs: 2, maxArgs: 2, returns: fixed('text'), eval: ([a, b]) => String(a) + String(b) },
  coalesce: firstNonNull((v) => v.find((x) => x !== null) ?? null, commonType),
  nullif: { minArgs: 2, maxArgs: 2, returns: ([t]) => t!, nullAware: true, eval: ([a, b]) => (a !== null && b !== null && compareValues(a, b) === 0 ? null : a!) },
  greatest: firstNonNull((v) => v.filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) > 0 ? x : m), null), commonType),
  least: firstNonNull((v) => v.filter((x) => x !== null).reduce<Value>((m, x) => (m === null || compareValues(x, m) < 0 ? x : m), null), commonType),
  // strings
  lower: text((s) => s.toLowerCase()),
  upper: text((s) => s.toUpperCase()),
  length: text((s) => [...s].length, 1, 1, 'int'),
  char_length: text((s) => [...s].length, 1, 1, 'int'),
  substr: text((s, [from, len]) => substring(s, toNumber(from!), len === undefined ? undefined : toNumber(len!)), 2, 3),
  substring: text((s, [from, len]) => substring(s, toNumber(from!), len === undefined ? undefined : toNumber(len!)), 2, 3),
  replace: text((s, [a, b]) => s.split(String(a)).join(String(b)), 3),
  trim: text((s) => s.replace(/^ +| +$/g, '')),
  ltrim: text((s) => s.replace(/^ +/, '')),
  rtrim: text((s) => s.replace(/ +$/, '')),
  left: text((s, [n]) => { const k = toNumber(n!); const cs = [...s]; return (k >= 0 ? cs.slice(0, k) : cs.slice(0, k)).join(''); }, 2),
  right: text((s, [n]) => { const k = toNumber(n!); const cs = [...s]; return (k >= 0 ? cs.slice(Math.max(0, cs.length - k)) : cs.slice(-k)).join(''); }, 2),
  strpos: text((s, [sub]) => s.indexOf(String(sub)) + 1, 2, 2, 'int'),
  starts_with: text((s, [p]) => s.startsWith(String(p)), 2, 2, 'bool'),
  split_part: text((s, [d, n]) => s.split(String(d))[toNumber(n!) - 1] ?? '', 3),
  concat: { minArgs: 1, maxArgs: Infinity, returns: fixed('text'), nullAware: true, eval: (args) => args.map((a) => (a === null ? '' : String(a))).join('') },
  // math
  abs: math(Math.abs),
  ceil: math(Math.ceil),
  ceiling: math(Math.ceil),
  floor: math(Math.floor),
  sign: math(Math.sign),
  trunc: floatMath(Math.trunc),
  sqrt: floatMath(Math.sqrt),
  exp: floatMath(Math.exp),
  ln: floatMath(Math.log),
  log10: floatMath(Math.log10),
  log: floatMath(Math.log10),
  power: { minArgs: 2, maxArgs: 2, returns: fixed('float'), eval: ([a, b]) => Math.pow(toNumber(a!), toNumber(b!)) },
  mod: divide('mod'),
  round: {
    minArgs: 1, maxArgs: 2, returns: ([t, d]) => (d === undefined && t === 'int' ? 'int' : 'float'),
    eval: ([x, d]) => { const f = Math.pow(10, d === undefined ? 0 : toNumber(d!)); return roundHalfAway(toNumber(x!) * f) / f; },
  },
  // time (µs)
  date_trunc: { minArgs: 2, maxArgs: 2, returns: fixed('timestamp'), eval: ([u, t]) => dateTrunc(String(u), toNumber(t!)) },
  date_bin: { minArgs: 3, maxArgs: 3, returns: fixed('timestamp'), eval: ([s, t, o]) => dateBin(toNumber(s!), toNumber(t!), toNumber(o!)) },
  time_bucket: { minArgs: 2, maxArgs: 3, returns: fixed('timestamp'), eval: ([s, t, o]) => dateBin(toNumber(s!), toNumber(t!), o === undefined ? TIME_BUCKET_ORIGIN_US : toNumber(o!)) },
  date_part: { minArgs: 2, maxArgs: 2, returns: fixed('float'), eval: ([f, t]) => extractField(String(f), toNumber(t!)) },
  to_timestamp: { minArgs: 1, maxArgs: 1, returns: fixed('timestamp'), eval: ([s]) => Math.round(toNumber(s!) * US_PER_SECOND) },
};

function substring(s: string, from: number, len?: number): string {
  const cs = [...s];
  const start = from - 1;
  const end = len === undefined ? cs.length : start + len;
  if (len !== undefined && len < 0) throw new QueryError(SQLSTATE.invalidParameterValue, 'negative substring length not allowed');
  return cs.slice(Math.max(0, start), Math.max(0, end)).join('');
}

export function lookupFunction(name: string): ScalarFunction | undefined {
  if (Object.prototype.hasOwnProperty.call(FUNCTIONS, name)) return FUNCTIONS[name];
  return Object.prototype.hasOwnProperty.call(CATALOG_FUNCTIONS, name) ? CATALOG_FUNCTIONS[name] : undefined;
}
