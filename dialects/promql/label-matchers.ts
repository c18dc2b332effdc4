// Compiles label matchers into predicates for stores that filter in process (the in-memory
// store). Regexes are RE2, anchored (`^(?:re)$`) and translated by the parser's regex module;
// a missing label counts as the empty string.
import type { LabelMatcher } from './storage.ts';
import { compileLabelRegex } from './parser/index.ts';

export type LabelPredicate = (labels: Record<string, string>) => boolean;

/** The anchored JS regex for a Prometheus (RE2) matcher value (shared with the parser). */
export const anchoredRegex = compileLabelRegex;

/** Predicate true when labels satisfy one matcher. */
export function compileMatcher(m: LabelMatcher): LabelPredicate {
  const name = m.name;
  switch (m.type) {
    case '=': return (l) => (l[name] ?? '') === m.value;
    case '!=': return (l) => (l[name] ?? '') !== m.value;
    case '=~': { const re = anchoredRegex(m.value); return (l) => re.test(l[name] ?? ''); }
    case '!~': { const re = anchoredRegex(m.value); return (l) => !re.test(l[name] ?? ''); }
  }
}

/** Predicate true when labels satisfy every matcher. */
export function compileMatchers(ms: LabelMatcher[]): LabelPredicate {
  const preds = ms.map(compileMatcher);
  return (l) => {
    for (const p of preds) if (!p(l)) return false;
    return true;
  };
}
