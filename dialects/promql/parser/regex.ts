// Label regex matchers: Prometheus anchors RE2 patterns as `^(?:re)$`. The parser (to reject bad
// patterns and to see whether a matcher accepts the empty string) and the evaluator share this.
// JS RegExp covers RE2 once RE2-only spellings are rewritten: Node 20 has no inline flag groups,
// so `(?i)` / `(?i:…)` become per-letter case classes, `(?s)` makes `.` match newlines,
// `(?P<n>` becomes `(?<n>`, `\z` and `\A` become `$` and `^`.
import type { LabelMatcher } from '../ast.ts';

const cache = new Map<string, RegExp>();

/** Compiles a label matcher regex the way Prometheus does; throws Error when invalid. */
export function compileLabelRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  try {
    re = new RegExp(`^(?:${translateRe2(pattern)})$`);
  } catch (e) {
    throw new Error(`error parsing regexp: ${(e as Error).message}`);
  }
  if (cache.size > 10_000) cache.clear();
  cache.set(pattern, re);
  return re;
}

/** Whether a matcher accepts the given label value ('' for an absent label). */
export function matcherMatches(m: LabelMatcher, value: string): boolean {
  switch (m.type) {
    case '=': return value === m.value;
    case '!=': return value !== m.value;
    case '=~': return compileLabelRegex(m.value).test(value);
    case '!~': return !compileLabelRegex(m.value).test(value);
  }
}

interface Flags { i: boolean; s: boolean }

const isLetter = (c: string) => c.toLowerCase() !== c.toUpperCase();

/** Rewrites RE2 syntax that JS lacks into equivalent JS syntax. */
export function translateRe2(src: string): string {
  let out = '';
  const stack: Flags[] = [];
  let flags: Flags = { i: false, s: false };
  let i = 0;
  const applyFlags = (spec: string, target: Flags) => {
    let on = true;
    for (const f of spec) {
      if (f === '-') on = false;
      else if (f === 'i') target.i = on;
      else if (f === 's') target.s = on;
      else if (f !== 'm' && f !== 'U') throw new Error(`invalid or unsupported Perl syntax: (?${spec}`);
    }
  };
  while (i < src.length) {
    const c = src[i]!;
    if (c === '\\') {
      const e = src[i + 1] ?? '';
      if (e === 'z') out += '$';
      else if (e === 'A') out += '^';
      else if (flags.i && isLetter(e) && !/[a-zA-Z]/.test(e)) out += caseClass(e);
      else out += c + e;
      i += 2;
      continue;
    }
    if (c === '[') {
      const end = classEnd(src, i);
      const cls = posixClasses(src.slice(i, end));
      out += flags.i ? foldClass(cls) : cls;
      i = end;
      continue;
    }
    if (c === '(') {
      const flagOnly = /^\(\?([a-zA-Z-]+)\)/.exec(src.slice(i));
      if (flagOnly !== null) {
        applyFlags(flagOnly[1]!, flags);
        i += flagOnly[0].length;
        continue;
      }
      stack.push(flags);
      flags = { ...flags };
      const flagGroup = /^\(\?([a-zA-Z-]+):/.exec(src.slice(i));
      if (flagGroup !== null) {
        applyFlags(flagGroup[1]!, flags);
        out += '(?:';
        i += flagGroup[0].length;
      } else if (src.startsWith('(?P<', i)) {
        out += '(?<';
        i += 4;
      } else {
        out += c;
        i++;
      }
      continue;
    }
    if (c === ')') {
      flags = stack.pop() ?? flags;
      out += c;
      i++;
      continue;
    }
    if (c === '.' && flags.s) out += '[\\s\\S]';
    else if (flags.i && isLetter(c)) out += caseClass(c);
    else out += c;
    i++;
  }
  return out;
}

const POSIX: Record<string, string> = {
  alpha: 'a-zA-Z', digit: '0-9', alnum: 'a-zA-Z0-9', upper: 'A-Z', lower: 'a-z', space: '\\t\\n\\v\\f\\r ',
  word: '\\w', xdigit: '0-9A-Fa-f', blank: '\\t ', cntrl: '\\x00-\\x1f\\x7f', print: ' -~', graph: '!-~',
  punct: '!-\\/:-@\\[-`{-~', ascii: '\\x00-\\x7f',
};

/** RE2's `[[:alpha:]]`-style classes inside a bracket expression, spelled as JS ranges. */
function posixClasses(cls: string): string {
  return cls.replace(/\[:(\^?)([a-z]+):\]/g, (all, neg: string, name: string) => {
    const body = POSIX[name];
    if (body === undefined) throw new Error(`invalid character class range: ${all}`);
    if (neg !== '') throw new Error(`negated POSIX classes are not supported: ${all}`);
    return body;
  });
}

function caseClass(c: string): string {
  const lo = c.toLowerCase();
  const up = c.toUpperCase();
  return lo === up ? c : `[${lo}${up}]`;
}

/** Index just past the character class starting at `start` (a `]` right after `[` or `[^` is literal). */
function classEnd(src: string, start: number): number {
  let i = start + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  while (i < src.length && src[i] !== ']') {
    if (src[i] === '\\') i++;
    else if (src.startsWith('[:', i)) {
      const close = src.indexOf(':]', i + 2);
      if (close >= 0) i = close + 1;
    }
    i++;
  }
  return i + 1;
}

/** Adds the other case of every letter and letter range in a class body. */
function foldClass(cls: string): string {
  const neg = cls.startsWith('[^');
  const body = cls.slice(neg ? 2 : 1, -1);
  let extra = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') { i++; continue; }
    if (body[i + 1] === '-' && i + 2 < body.length) {
      const hi = body[i + 2]!;
      if (/[a-z]/.test(c) && /[a-z]/.test(hi)) extra += `${c.toUpperCase()}-${hi.toUpperCase()}`;
      else if (/[A-Z]/.test(c) && /[A-Z]/.test(hi)) extra += `${c.toLowerCase()}-${hi.toLowerCase()}`;
      i += 2;
      continue;
    }
    if (isLetter(c)) extra += c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase();
  }
  return `[${neg ? '^' : ''}${body}${extra}]`;
}
