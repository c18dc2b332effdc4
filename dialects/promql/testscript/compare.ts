// Compares an evaluation result with a script's expectations the way Prometheus's test.go
// does: series as a set (or in order for eval_ordered), values equal when both are NaN or
// when they differ by less than 1e-6 relative.
import type { ExpectedSample } from './script.ts';
import { labelsKey } from '../labels.ts';

const EPSILON = 0.000001;
const MIN_NORMAL = 2.2250738585072014e-308;

/** Prometheus test.go almostEqual. */
export function almostEqual(a: number, b: number): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return true;
  const diff = Math.abs(a - b);
  if (a === 0 || b === 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
  return diff / (Math.abs(a) + Math.abs(b)) < EPSILON;
}

/** A result reduced to what scripts can express. */
export type ComparableResult =
  | { type: 'scalar'; value: number }
  | { type: 'vector'; samples: { labels: Record<string, string>; value: number }[] }
  | { type: 'other'; description: string };

export function formatLabels(l: Record<string, string>): string {
  const name = l.__name__ ?? '';
  const rest = Object.keys(l).filter((k) => k !== '__name__').sort().map((k) => `${k}=${JSON.stringify(l[k])}`);
  return `${name}{${rest.join(', ')}}`;
}

/** Returns null when the result matches, otherwise a message saying why not. */
export function compareResult(expected: ExpectedSample[], ordered: boolean, got: ComparableResult): string | null {
  if (got.type === 'other') return `unexpected result type: ${got.description}`;
  if (got.type === 'scalar') {
    if (expected.length !== 1 || expected[0].labels !== null) return `expected vector of ${expected.length} samples, got scalar ${got.value}`;
    return almostEqual(expected[0].value, got.value) ? null : `expected scalar ${expected[0].value}, got ${got.value}`;
  }
  if (expected.some((e) => e.labels === null)) return `expected scalar, got vector of ${got.samples.length} samples`;
  const exp = new Map<string, { pos: number; value: number }>();
  expected.forEach((e, pos) => exp.set(labelsKey(e.labels!), { pos, value: e.value }));
  const seen = new Set<string>();
  for (let pos = 0; pos < got.samples.length; pos++) {
    const s = got.samples[pos];
    const key = labelsKey(s.labels);
    const e = exp.get(key);
    if (!e) return `unexpected series ${formatLabels(s.labels)} ${s.value}`;
    if (ordered && e.pos !== pos) return `series ${formatLabels(s.labels)} at position ${pos}, expected ${e.pos}`;
    if (!almostEqual(e.value, s.value)) return `series ${formatLabels(s.labels)}: expected ${e.value}, got ${s.value}`;
    seen.add(key);
  }
  for (const e of expected) {
    if (!seen.has(labelsKey(e.labels!))) return `missing series ${formatLabels(e.labels!)} ${e.value}`;
  }
  return null;
}
