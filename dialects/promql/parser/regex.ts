// Label regex matchers: Prometheus anchors RE2 patterns as `^(?:re)$`. JS RegExp covers the
// RE2 syntax used in practice once RE2-only spellings are translated; both the parser (to reject
// bad patterns and to decide whether a matcher matches the empty string) and the evaluator use it.
import type { LabelMatcher } from '../ast.ts';

const cache = new Map<string, RegExp>();

/** Compiles a label matcher regex the way Prometheus does; throws Error when invalid. */
export function compileLabelRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  let body = pattern;
  let flags = '';
  // RE2 leading flag groups such as (?i) or (?is) become JS flags.
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead !== null) {
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$').replace(/\\A/g, '^');
  try {
    re = new RegExp(`^(?:${body})$`, flags);
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
