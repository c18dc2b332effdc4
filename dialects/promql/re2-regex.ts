// Translates RE2 (Go regexp) syntax into an equivalent JS RegExp. Prometheus label regexes
// and label_replace use RE2; V8 (Node 20) lacks RE2's inline flag groups `(?i:…)`/`(?i)`
// anywhere but nowhere else differs much, so flags are applied by rewriting: `i` turns letters
// into `[xX]` classes, `s` turns `.` into `[\s\S]`. Also handled: `(?P<name>`, `\z`, `\A`,
// `\Q…\E`, POSIX classes `[[:alpha:]]`, `\pL`. Perl-only syntax RE2 rejects (lookaround,
// backreferences) is rejected here too.

interface Flags { i: boolean; s: boolean }

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z', alpha: 'A-Za-z', ascii: '\\x00-\\x7F', blank: '\\t ', cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9', graph: '!-~', lower: 'a-z', print: ' -~', punct: '!-\\/:-@\\[-`{-~', space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z', word: '0-9A-Za-z_', xdigit: '0-9A-Fa-f',
};

const isLetter = (c: string): boolean => /^[a-zA-Z]$/.test(c);
const swapCase = (c: string): string => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
const escapeLiteral = (c: string): string => (/[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c);

export class Re2SyntaxError extends Error {
  constructor(message: string) { super(`error parsing regexp: ${message}`); this.name = 'Re2SyntaxError'; }
}

/** Translates an RE2 pattern; returns the JS source and the flags it needs. */
export function re2ToJs(src: string): { source: string; flags: string } {
  let out = '';
  let unicode = false;
  const stack: Flags[] = [{ i: false, s: false }];
  const top = (): Flags => stack[stack.length - 1];
  const letter = (c: string): string => (top().i && isLetter(c) ? `[${c}${swapCase(c)}]` : c);
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      const nx = src[i + 1];
      if (nx === undefined) throw new Re2SyntaxError('trailing backslash at end of expression');
      if (nx === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = src.slice(i + 2, end < 0 ? src.length : end);
        for (const ch of lit) out += isLetter(ch) ? letter(ch) : escapeLiteral(ch);
        i = end < 0 ? src.length : end + 2;
        continue;
      }
      if (nx === 'z') { out += '(?![\\s\\S])'; i += 2; continue; }
      if (nx === 'A') { out += '(?<![\\s\\S])'; i += 2; continue; }
      if (/[1-9]/.test(nx)) throw new Re2SyntaxError(`invalid escape sequence: \`\\${nx}\``);
      if (nx === 'p' || nx === 'P') {
        unicode = true;
        if (src[i + 2] === '{') {
          const end = src.indexOf('}', i);
          out += src.slice(i, end + 1);
          i = end + 1;
        } else {
          out += `\\${nx}{${src[i + 2]}}`;
          i += 3;
        }
        continue;
      }
      out += c + nx;
      i += 2;
      continue;
    }
    if (c === '[') {
      const [cls, next] = translateClass(src, i, top().i);
      out += cls;
      i = next;
      continue;
    }
    if (c === '(') {
      if (src.startsWith('(?P<', i)) { stack.push({ ...top() }); out += '(?<'; i += 4; continue; }
      if (/^\(\?(=|!|<=|<!)/.test(src.slice(i))) throw new Re2SyntaxError('invalid or unsupported Perl syntax: `(?' + src[i + 2] + '`');
      const fm = /^\(\?([a-zA-Z-]*)(:|\))/.exec(src.slice(i));
      if (fm && (fm[1] !== '' || fm[2] === ':')) {
        const f = { ...top() };
        let neg = false;
        for (const ch of fm[1]) {
          if (ch === '-') { neg = true; continue; }
          if (ch === 'i') f.i = !neg;
          else if (ch === 's') f.s = !neg;
          else if (ch !== 'm' && ch !== 'U') throw new Re2SyntaxError(`invalid or unsupported Perl syntax: \`(?${fm[1]}\``);
        }
        if (fm[2] === ')') { stack[stack.length - 1] = f; i += fm[0].length; continue; }
        stack.push(f);
        out += '(?:';
        i += fm[0].length;
        continue;
      }
      stack.push({ ...top() });
      out += '(';
      i++;
      continue;
    }
    if (c === ')') {
      if (stack.length === 1) throw new Re2SyntaxError('unexpected )');
      stack.pop();
      out += ')';
      i++;
      continue;
    }
    if (c === '.' && top().s) { out += '[\\s\\S]'; i++; continue; }
    out += isLetter(c) ? letter(c) : c;
    i++;
  }
  if (stack.length !== 1) throw new Re2SyntaxError('missing closing )');
  return { source: out, flags: unicode ? 'u' : '' };
}

/** Translates one bracket expression starting at src[start] === '['. */
function translateClass(src: string, start: number, fold: boolean): [string, number] {
  let i = start + 1;
  let out = '[';
  if (src[i] === '^') { out += '^'; i++; }
  let first = true;
  while (i < src.length) {
    const c = src[i];
    if (c === ']' && !first) return [out + ']', i + 1];
    first = false;
    if (c === '[' && src[i + 1] === ':') {
      const end = src.indexOf(':]', i + 2);
      const name = src.slice(i + 2, end);
      const neg = name.startsWith('^');
      const body = POSIX[neg ? name.slice(1) : name];
      if (end < 0 || body === undefined) throw new Re2SyntaxError(`invalid character class range: \`${src.slice(i, end + 2)}\``);
      if (neg) throw new Re2SyntaxError('negated POSIX classes are not supported');
      out += body;
      i = end + 2;
      continue;
    }
    if (c === '\\') {
      out += src.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === '[') { out += '\\['; i++; continue; }
    if (fold && isLetter(c)) {
      if (src[i + 1] === '-' && src[i + 2] !== undefined && isLetter(src[i + 2]) && src[i + 2] !== ']') {
        const to = src[i + 2];
        out += `${c}-${to}${swapCase(c)}-${swapCase(to)}`;
        i += 3;
        continue;
      }
      out += c + swapCase(c);
      i++;
      continue;
    }
    out += c;
    i++;
  }
  throw new Re2SyntaxError(`missing closing ]: \`${src.slice(start)}\``);
}

const cache = new Map<string, RegExp>();

/** The anchored JS RegExp for an RE2 pattern (`^(?:re)$`, as Prometheus anchors). */
export function compileAnchoredRe2(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  const { source, flags } = re2ToJs(pattern);
  try {
    re = new RegExp(`^(?:${source})$`, flags);
  } catch (e) {
    throw new Re2SyntaxError((e as Error).message);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, re);
  return re;
}
