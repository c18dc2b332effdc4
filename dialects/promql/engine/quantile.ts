// Quantile estimation as Prometheus's promql/quantile.go does it: φ-quantile of raw values
// (quantile, quantile_over_time) and of cumulative `le` buckets (histogram_quantile).

/** φ-quantile of values by linear interpolation between closest ranks. Sorts `values`. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  // NaN sorts first, as in Prometheus's vectorByValueHeap.
  values.sort((a, b) => (a !== a ? (b !== b ? 0 : -1) : b !== b ? 1 : a - b));
  const n = values.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return values[lower] * (1 - weight) + values[upper] * weight;
}

export interface Bucket { upperBound: number; count: number }

/**
 * φ-quantile from cumulative histogram buckets. Requires a +Inf bucket; buckets with equal
 * bounds are merged and counts forced monotonic (scrapes are not atomic).
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (q !== q) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  buckets.sort((a, b) => a.upperBound - b.upperBound);
  if (buckets.length === 0 || buckets[buckets.length - 1].upperBound !== Infinity) return NaN;
  const bs: Bucket[] = [];
  for (const b of buckets) {
    const last = bs[bs.length - 1];
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else bs.push({ upperBound: b.upperBound, count: b.count });
  }
  let max = -Infinity;
  for (const b of bs) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (bs.length < 2) return NaN;
  const observations = bs[bs.length - 1].count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = 0;
  while (b < bs.length - 1 && !(bs[b].count >= rank)) b++;
  if (b === bs.length - 1) return bs[bs.length - 2].upperBound;
  if (b === 0 && bs[0].upperBound <= 0) return bs[0].upperBound;
  let start = 0;
  const end = bs[b].upperBound;
  let count = bs[b].count;
  if (b > 0) {
    start = bs[b - 1].upperBound;
    count -= bs[b - 1].count;
    rank -= bs[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}
