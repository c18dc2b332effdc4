/**
 * Scoped resource names are keyed by (scope..., name): rows are reduced to one dense code per
 * distinct tuple of column codes, so keys are built and looked up per tuple, not per row.
 */
import type { StringCodes } from '../../lib/arrow-read.ts';

/** Pairs of codes → dense codes numbered by first occurrence; a flat table while it stays this small, else a Map. */
const FLAT_PAIRS = 1 << 22;

/**
 * Rows → dense tuple codes over several code columns (code -1 = null), numbered in order of
 * each tuple's first row. Returns the per-row tuple code and the first row of each tuple.
 */
export function tupleCodes(parts: StringCodes[], n: number): { tuple: Int32Array; firstRow: number[] } {
  let tuple = new Int32Array(n);
  let firstRow: number[] = [];
  const first = parts[0]!;
  let card = first.values.length + 1;
  for (let i = 0; i < n; i++) tuple[i] = first.codes[i]! + 1;
  for (let p = 1; p <= parts.length; p++) {
    // Renumber (tuple so far, next code) pairs densely; the last pass (p = parts.length) only
    // renumbers the tuples themselves by first occurrence.
    const codes = p < parts.length ? parts[p]!.codes : undefined;
    const radix = p < parts.length ? parts[p]!.values.length + 1 : 1;
    const next = new Int32Array(n);
    const rows: number[] = [];
    if (card * radix <= FLAT_PAIRS) {
      const seen = new Int32Array(card * radix).fill(-1);
      for (let i = 0; i < n; i++) {
        const pair = tuple[i]! * radix + (codes ? codes[i]! + 1 : 0);
        let c = seen[pair]!;
        if (c < 0) { c = seen[pair] = rows.length; rows.push(i); }
        next[i] = c;
      }
    } else {
      const seen = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const pair = tuple[i]! * radix + (codes ? codes[i]! + 1 : 0);
        let c = seen.get(pair);
        if (c === undefined) { c = rows.length; seen.set(pair, c); rows.push(i); }
        next[i] = c;
      }
    }
    tuple = next;
    firstRow = rows;
    card = rows.length;
  }
  return { tuple, firstRow };
}
