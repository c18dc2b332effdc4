/**
 * PromQL's SeriesStore over any storage adapter: matchers → series IDs through the dictionary
 * (SeriesIndex), then one fragment per selection — `series_id IN (...)` and the hinted time
 * range, both run by the store — and samples grouped per series here. NULL values are
 * staleness markers (see ingester/prometheus/remote-write.ts).
 */
import { findTable } from '../../schema/index.ts';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import { STALE_NAN_HI, STALE_NAN_LO, type LabelMatcher, type SelectHints, type Series, type SeriesStore } from '../../dialects/promql/storage.ts';
import { SeriesIndex } from './series-index.ts';
import type { SeriesCatalog } from '../../dialects/promql/http/routes.ts';

const SAMPLES = findTable('prometheus.samples')!;

export class AdapterSeriesStore implements SeriesStore, SeriesCatalog {
  readonly index: SeriesIndex;

  constructor(private readonly adapter: StorageAdapter) {
    this.index = new SeriesIndex(adapter.dictionaries);
  }

  /**
   * Label sets matching any selector. From the dictionary alone: a series is listed whatever
   * the time range asked, as long as it was ever written.
   */
  async seriesLabels(selectors: LabelMatcher[][]): Promise<Array<Record<string, string>>> {
    await this.index.refresh();
    const ids = new Set<number>();
    for (const m of selectors) for (const id of this.index.match(m)) ids.add(id);
    return [...ids].sort((a, b) => a - b).map((id) => ({ ...this.index.labelsOf(id)! }));
  }

  async select(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    await this.index.refresh();
    const ids = this.index.match(matchers);
    if (ids.length === 0) return [];
    const times = new Map<number, number[]>();
    const values = new Map<number, Array<number | null>>();
    for (const id of ids) { times.set(id, []); values.set(id, []); }
    const fragment = {
      table: SAMPLES, columns: ['series_id', 'time', 'value'],
      filters: [{ column: 'series_id', op: 'in' as const, values: ids }],
      // The engine asks for [start, end] in ms inclusive; the store range is [start, end) in µs.
      timeRange: { startUs: BigInt(Math.floor(hints.start)) * 1000n, endUs: (BigInt(Math.floor(hints.end)) + 1n) * 1000n },
    };
    for await (const batch of this.adapter.execute(fragment)) {
      for (const [sid, t, v] of batch.rows) {
        const id = Number(sid);
        times.get(id)!.push(Number(t as bigint) / 1000);
        values.get(id)!.push(v as number | null);
      }
    }
    const out: Series[] = [];
    for (const id of ids) {
      const ts = times.get(id)!;
      if (ts.length === 0) continue;
      out.push(toSeries(this.index.labelsOf(id)!, ts, values.get(id)!));
    }
    return out;
  }
}

/** Sorts by time, keeps the last of equal timestamps, and writes NULL as the StaleNaN bits. */
function toSeries(labels: Record<string, string>, ts: number[], vs: Array<number | null>): Series {
  const order = ts.map((_, i) => i).sort((a, b) => ts[a]! - ts[b]! || a - b);
  const keep = order.filter((i, k) => k === order.length - 1 || ts[order[k + 1]!] !== ts[i]);
  const timestampsMs = new Float64Array(keep.length);
  const values = new Float64Array(keep.length);
  const words = new Uint32Array(values.buffer);
  keep.forEach((i, k) => {
    timestampsMs[k] = ts[i]!;
    const v = vs[i];
    if (v === null || v === undefined) { words[2 * k] = STALE_NAN_LO; words[2 * k + 1] = STALE_NAN_HI; } else values[k] = v;
  });
  return { labels: { ...labels }, timestampsMs, values };
}
