/**
 * Turns a columnar scan of `prometheus.samples` (series_id, time, value) into series. Rows of
 * one series arrive in runs, so the scan only notes the runs; at the end every series' samples
 * are copied run by run into two slabs sized exactly (one allocation for all series, no
 * growing arrays), and each series gets views of its part.
 */
import { STALE_NAN_HI, STALE_NAN_LO, type Series } from '../../dialects/promql/storage.ts';
import { isValidAt } from '../../storage-adapters/columns.ts';

const TWO_32 = 4294967296;

/**
 * A time column (µs) as something copyable to ms without BigInts: a BigInt64Array is read
 * through its two 32-bit words per value, since reading its elements allocates one BigInt per
 * sample, which dominated large scans.
 */
function timeWords(values: ArrayLike<unknown>): Int32Array | null {
  return values instanceof BigInt64Array ? new Int32Array(values.buffer, values.byteOffset, values.length * 2) : null;
}

/** Copies timestamps [from, to) into `out` at `at` as ms; exact below 2^53 µs, like Number(bigint). */
function copyMillis(b: Batch, from: number, to: number, out: Float64Array, at: number): void {
  const words = b.words;
  if (words !== null) {
    for (let i = from; i < to; i++) out[at++] = (words[2 * i + 1]! * TWO_32 + (words[2 * i]! >>> 0)) / 1000;
  } else {
    for (let i = from; i < to; i++) out[at++] = Number(b.times[i] as bigint) / 1000;
  }
}

/** One scanned batch: raw time column (µs), value column and its validity. */
interface Batch { times: ArrayLike<unknown>; words: Int32Array | null; values: ArrayLike<unknown>; f64: Float64Array | null; valid: Uint8Array | null }

/** Runs of one series: flat triples (batch, from, to) and the sample count. */
interface Runs { labels: Record<string, string>; at: number[]; count: number }

export class SeriesCollector {
  private readonly batches: Batch[] = [];
  private readonly series = new Map<number, Runs>();

  /** Adds one scanned batch; returns its number for addRun. */
  addBatch(times: ArrayLike<unknown>, values: ArrayLike<unknown>, valid: Uint8Array | null): number {
    return this.batches.push({ times, words: timeWords(times), values, f64: values instanceof Float64Array ? values : null, valid }) - 1;
  }

  has(id: number): boolean {
    return this.series.has(id);
  }

  /** Rows [from, to) of a batch belong to series `id` (labels needed the first time only). */
  addRun(id: number, labels: Record<string, string> | undefined, batch: number, from: number, to: number): void {
    let r = this.series.get(id);
    if (!r) this.series.set(id, (r = { labels: labels!, at: [], count: 0 }));
    r.at.push(batch, from, to);
    r.count += to - from;
  }

  /** The series in `ids` order (IDs without samples left out). */
  finish(ids: number[]): Series[] {
    let total = 0;
    for (const r of this.series.values()) total += r.count;
    const ts = new Float64Array(total);
    const vs = new Float64Array(total);
    const out: Series[] = [];
    let off = 0;
    for (const id of ids) {
      const r = this.series.get(id);
      if (!r) continue;
      const start = off;
      let sorted = true;
      for (let k = 0; k < r.at.length; k += 3) {
        const b = this.batches[r.at[k]!]!, from = r.at[k + 1]!, to = r.at[k + 2]!;
        copyMillis(b, from, to, ts, off);
        // Runs are short (tens of rows): an element loop beats a subarray view and set() per run.
        const src = b.f64 ?? b.values;
        for (let i = from, k = off; i < to; i++, k++) vs[k] = src[i] as number;
        if (b.valid !== null) for (let i = from; i < to; i++) if (!isValidAt(b.valid, i)) markStale(vs, off + i - from);
        off += to - from;
      }
      for (let i = start + 1; i < off; i++) if (ts[i - 1]! >= ts[i]!) { sorted = false; break; }
      const t = ts.subarray(start, off), v = vs.subarray(start, off);
      out.push(sorted ? { labels: { ...r.labels }, timestampsMs: t, values: v } : sortedSeries(r.labels, t, v));
    }
    return out;
  }
}

/** NULL values are staleness markers: the StaleNaN bit pattern, written as words. */
function markStale(vs: Float64Array, k: number): void {
  const words = new Uint32Array(vs.buffer, vs.byteOffset + k * 8, 2);
  words[0] = STALE_NAN_LO;
  words[1] = STALE_NAN_HI;
}

/** Samples written out of order: stable sort by time, keeping the last of equal timestamps. */
function sortedSeries(labels: Record<string, string>, ts: Float64Array, vs: Float64Array): Series {
  const order = Array.from({ length: ts.length }, (_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const keep = order.filter((i, k) => k === order.length - 1 || ts[order[k + 1]!] !== ts[i]);
  const timestampsMs = new Float64Array(keep.length);
  const values = new Float64Array(keep.length);
  const src = new Uint32Array(vs.buffer, vs.byteOffset, vs.length * 2);
  const dst = new Uint32Array(values.buffer);
  keep.forEach((i, k) => {
    timestampsMs[k] = ts[i]!;
    dst[2 * k] = src[2 * i]!; // copied as words so StaleNaN keeps its bits
    dst[2 * k + 1] = src[2 * i + 1]!;
  });
  return { labels: { ...labels }, timestampsMs, values };
}
