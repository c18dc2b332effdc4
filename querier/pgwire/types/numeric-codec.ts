/**
 * numeric: values are decimal strings (JS numbers cannot hold them exactly). The binary form
 * is PostgreSQL's NumericVar: int16 ndigits, int16 weight, int16 sign, int16 dscale, then
 * ndigits base-10000 digits, the first worth 10000^weight.
 */
import { invalidBinary, invalidText, unencodable, type TypeCodec } from './codec.ts';

const NBASE = 10000;
export const NumericSign = { positive: 0x0000, negative: 0x4000, nan: 0xc000, pinf: 0xd000, ninf: 0xf000 } as const;

const DECIMAL_RE = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?\s*$/i;

interface Decimal { negative: boolean; intDigits: string; fracDigits: string }

/** Splits decimal text into sign, integer and fraction digits, shifting any exponent away. */
function parseDecimal(s: string): Decimal | null {
  const m = DECIMAL_RE.exec(s);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  let intDigits = m[2] ?? '';
  let fracDigits = m[3] ?? '';
  const exp = Number(m[4] ?? 0);
  if (exp > 0) {
    intDigits += fracDigits.slice(0, exp).padEnd(exp, '0');
    fracDigits = fracDigits.slice(exp);
  } else if (exp < 0) {
    const all = intDigits.padStart(-exp, '0');
    fracDigits = all.slice(all.length + exp) + fracDigits;
    intDigits = all.slice(0, all.length + exp);
  }
  intDigits = intDigits.replace(/^0+/, '');
  return { negative: m[1] === '-', intDigits, fracDigits };
}

function toDecimalText(v: unknown): string {
  if (typeof v === 'string') {
    const special = specialValue(v);
    if (special) return special;
    const d = parseDecimal(v);
    if (!d) throw invalidText('numeric', v);
    const zero = /^0*$/.test(d.intDigits + d.fracDigits);
    const sign = d.negative && !zero ? '-' : '';
    return `${sign}${d.intDigits || '0'}${d.fracDigits ? `.${d.fracDigits}` : ''}`;
  }
  if (typeof v === 'bigint') return String(v);
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
    return toDecimalText(String(v));
  }
  throw unencodable('numeric', v);
}

function specialValue(s: string): string | null {
  const t = s.trim().toLowerCase();
  if (t === 'nan') return 'NaN';
  if (t === 'infinity' || t === '+infinity' || t === 'inf') return 'Infinity';
  if (t === '-infinity' || t === '-inf') return '-Infinity';
  return null;
}

function encodeBinary(v: unknown): Uint8Array {
  const text = toDecimalText(v);
  const head = (ndigits: number, weight: number, sign: number, dscale: number) => {
    const b = Buffer.alloc(8 + ndigits * 2);
    b.writeInt16BE(ndigits, 0);
    b.writeInt16BE(weight, 2);
    b.writeUInt16BE(sign, 4);
    b.writeInt16BE(dscale, 6);
    return b;
  };
  if (text === 'NaN') return head(0, 0, NumericSign.nan, 0);
  if (text === 'Infinity') return head(0, 0, NumericSign.pinf, 0);
  if (text === '-Infinity') return head(0, 0, NumericSign.ninf, 0);
  const d = parseDecimal(text)!;
  const dscale = d.fracDigits.length;
  // Align both parts on base-10000 group boundaries around the decimal point.
  const intPadded = d.intDigits.padStart(Math.ceil(d.intDigits.length / 4) * 4, '0');
  const fracPadded = d.fracDigits.padEnd(Math.ceil(d.fracDigits.length / 4) * 4, '0');
  const groups: number[] = [];
  for (let i = 0; i < intPadded.length; i += 4) groups.push(Number(intPadded.slice(i, i + 4)));
  for (let i = 0; i < fracPadded.length; i += 4) groups.push(Number(fracPadded.slice(i, i + 4)));
  let weight = intPadded.length / 4 - 1;
  let first = 0;
  while (first < groups.length && groups[first] === 0) {
    first++;
    weight--;
  }
  let last = groups.length;
  while (last > first && groups[last - 1] === 0) last--;
  const digits = groups.slice(first, last);
  if (digits.length === 0) return head(0, 0, NumericSign.positive, dscale);
  const b = head(digits.length, weight, d.negative ? NumericSign.negative : NumericSign.positive, dscale);
  digits.forEach((g, i) => b.writeInt16BE(g, 8 + i * 2));
  return b;
}

function decodeBinary(b: Buffer): string {
  if (b.length < 8) throw invalidBinary('numeric', 'header shorter than 8 bytes');
  const ndigits = b.readInt16BE(0);
  const weight = b.readInt16BE(2);
  const sign = b.readUInt16BE(4);
  const dscale = b.readInt16BE(6);
  if (ndigits < 0 || b.length !== 8 + ndigits * 2) throw invalidBinary('numeric', `expected ${ndigits} digits`);
  if (sign === NumericSign.nan) return 'NaN';
  if (sign === NumericSign.pinf) return 'Infinity';
  if (sign === NumericSign.ninf) return '-Infinity';
  if (sign !== NumericSign.positive && sign !== NumericSign.negative) throw invalidBinary('numeric', `invalid sign 0x${sign.toString(16)}`);
  const digit = (i: number) => {
    if (i < 0 || i >= ndigits) return 0;
    const g = b.readInt16BE(8 + i * 2);
    if (g < 0 || g >= NBASE) throw invalidBinary('numeric', `invalid digit ${g}`);
    return g;
  };
  let intPart = '';
  for (let i = 0; i <= weight; i++) intPart += i === 0 ? String(digit(i)) : String(digit(i)).padStart(4, '0');
  if (intPart === '') intPart = '0';
  let frac = '';
  for (let i = weight + 1; frac.length < dscale; i++) frac += String(digit(i)).padStart(4, '0');
  frac = frac.slice(0, dscale);
  const isZero = /^[0.]*$/.test(intPart + frac);
  return `${sign === NumericSign.negative && !isZero ? '-' : ''}${intPart}${dscale > 0 ? `.${frac}` : ''}`;
}

export const numericCodec: TypeCodec = {
  encodeText: toDecimalText,
  encodeBinary,
  decodeText: toDecimalText,
  decodeBinary,
};
