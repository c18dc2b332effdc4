// In-memory series store for units and the test-script runner. Samples per series are kept
// sorted by time in growable typed arrays; staleness markers keep their StaleNaN bits.
import type { LabelMatcher, SampleSink, SelectHints, Series, SeriesStore } from './storage.ts';
import { compileMatchers } from './label-matchers.ts';
import { labelsKey } from './labels.ts';

interface StoredSeries {
  labels: Record<string, string>;
  ts: Float64Array;
  vs: Float64Array;
  n: number;
  sorted: boolean;
}


export class MemoryStorage implements SeriesStore, SampleSink {
  private series = new Map<string, StoredSeries>();
  // Loaders append many samples with the same labels object in a row; skip re-keying them
  // (callers must not mutate a labels object they have appended with).
  private lastLabels: Record<string, string> | null = null;
  private lastSeries: StoredSeries | undefined;

  append(labels: Record<string, string>, timestampMs: number, value: number): void {
    let s = labels === this.lastLabels ? this.lastSeries : undefined;
    if (!s) {
      const key = labelsKey(labels);
      s = this.series.get(key);
      if (!s) {
        s = { labels: { ...labels }, ts: new Float64Array(16), vs: new Float64Array(16), n: 0, sorted: true };
        this.series.set(key, s);
      }
      this.lastLabels = labels;
      this.lastSeries = s;
    }
    if (s.n === s.ts.length) {
      const ts = new Float64Array(s.n * 2); ts.set(s.ts); s.ts = ts;
      const vs = new Float64Array(s.n * 2); vs.set(s.vs); s.vs = vs;
    }
    if (s.n > 0 && s.ts[s.n - 1] >= timestampMs) s.sorted = false;
    s.ts[s.n] = timestampMs;
    s.vs[s.n] = value;
    s.n++;
  }

  commit(): void {
    for (const s of this.series.values()) if (!s.sorted) sortDedup(s);
  }

  clear(): void {
    this.series.clear();
    this.lastLabels = null;
    this.lastSeries = undefined;
  }

  select(hints: SelectHints, matchers: LabelMatcher[]): Series[] {
    this.commit();
    const match = compileMatchers(matchers);
    const out: Series[] = [];
    for (const s of this.series.values()) {
      if (!match(s.labels)) continue;
      // Trim to the hinted window; hints are advisory, so trimming is only an optimisation.
      const lo = lowerBound(s.ts, s.n, hints.start);
      const hi = lowerBound(s.ts, s.n, hints.end + 1);
      if (hi <= lo) continue;
      out.push({ labels: s.labels, timestampsMs: s.ts.subarray(lo, hi), values: s.vs.subarray(lo, hi) });
    }
    return out;
  }

  /** Number of series held (for tests). */
  get size(): number { return this.series.size; }
}

function lowerBound(a: Float64Array, n: number, x: number): number {
  let lo = 0, hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

// Out-of-order appends are rare (scripts write in order); sort once, last write per timestamp wins.
function sortDedup(s: StoredSeries): void {
  const idx = Array.from({ length: s.n }, (_, i) => i).sort((a, b) => s.ts[a] - s.ts[b] || a - b);
  const ts = new Float64Array(Math.max(16, s.n));
  const vs = new Float64Array(Math.max(16, s.n));
  let m = 0;
  for (const i of idx) {
    if (m > 0 && ts[m - 1] === s.ts[i]) m--;
    ts[m] = s.ts[i]; vs[m] = s.vs[i]; m++;
  }
  s.ts = ts; s.vs = vs; s.n = m; s.sorted = true;
}
