// Number, duration and string literals with Prometheus semantics: Go's ParseInt(…, 0, 64) then
// ParseFloat for numbers, model.ParseDuration for durations, strconv-style quoting for strings.

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
const MAX_INT64 = 2n ** 63n - 1n;

/** Parses a duration such as `1h30m` into ms; throws Error with Prometheus' wording. */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0;
  const m = DURATION_RE.exec(text);
  if (m === null || text === '') throw new Error(`not a valid duration string: "${text}"`);
  let ms = 0n;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += BigInt(part) * BigInt(UNIT_MS[i]!);
  }
  if (ms > MAX_INT64 / 1_000_000n) throw new Error(`duration out of range: "${text}"`);
  return Number(ms);
}

/** Formats ms like Prometheus' model.Duration (years and weeks only when exact). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  const units: Array<[string, number, boolean]> = [
    ['y', UNIT_MS[0]!, true], ['w', UNIT_MS[1]!, true], ['d', UNIT_MS[2]!, false],
    ['h', UNIT_MS[3]!, false], ['m', UNIT_MS[4]!, false], ['s', 1000, false], ['ms', 1, false],
  ];
  for (const [unit, mult, exact] of units) {
    if (exact && rest % mult !== 0) continue;
    const v = Math.floor(rest / mult);
    if (v > 0) {
      out += `${v}${unit}`;
      rest -= v * mult;
    }
  }
  return out;
}

const DECIMAL_FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a number token; throws Error for text Go's parsers reject (incl. out of range). */
export function parseNumber(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  // Integers first, with Go's base prefixes: 0x hex, leading 0 octal.
  let int: bigint | null = null;
  if (/^0[xX][0-9a-fA-F]+$/.test(text)) int = BigInt(text);
  else if (/^0[0-7]+$/.test(text)) int = BigInt('0o' + text.slice(1));
  else if (/^\d+$/.test(text) && !/^0\d/.test(text)) int = BigInt(text);
  if (int !== null && int <= MAX_INT64) return Number(int);
  // Worded like Go's strconv errors, which Prometheus passes through.
  if (!DECIMAL_FLOAT_RE.test(text)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: invalid syntax`);
  const f = Number(text);
  if (!Number.isFinite(f)) throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(text)}: value out of range`);
  return f;
}

/** Prints a float the way Prometheus 2.42 does (Go's %v, i.e. strconv 'g' with the shortest
 * digits: exponent form, with at least two exponent digits, below 1e-4 and from 1e6 on). */
export function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mantissa, expText] = v.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const abs = Math.abs(exp);
    return `${mantissa}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
  }
  return String(v);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\',
};

/** Unquotes a '…', "…" or `…` literal with Go escapes; throws Error on a bad escape.
 * \x and octal escapes yield the code point of that byte (JS strings hold no raw bytes). */
export function unquoteString(token: string): string {
  const quote = token[0]!;
  if (token.length < 2 || token[token.length - 1] !== quote) throw new Error('unterminated quoted string');
  const body = token.slice(1, -1);
  if (quote === '`') {
    if (body.includes('`')) throw new Error('invalid syntax');
    return body;
  }
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === quote || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('escape sequence not terminated');
    if (e in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[e];
    else if (e === quote) out += e;
    else if (e >= '0' && e <= '7') {
      const digits = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(digits)) throw new Error(`illegal character in escape sequence`);
      const v = parseInt(digits, 8);
      if (v > 255) throw new Error('escape sequence is an invalid Unicode code point');
      out += String.fromCharCode(v);
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const digits = body.slice(i + 1, i + 1 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(digits)) throw new Error('illegal character in escape sequence');
      const v = parseInt(digits, 16);
      if (e !== 'x' && (v > 0x10ffff || (v >= 0xd800 && v < 0xe000))) {
        throw new Error('escape sequence is an invalid Unicode code point');
      }
      out += String.fromCodePoint(v);
      i += n;
    } else {
      throw new Error(`unknown escape sequence ${JSON.stringify(e)}`);
    }
  }
  return out;
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v', '"': '\\"', '\\': '\\\\',
};

/** Quotes a string like Go's strconv.Quote (as Prometheus prints strings); unquoteString reads
 * it back. */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    const esc = GO_ESCAPES[ch];
    if (esc !== undefined) out += esc;
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}
