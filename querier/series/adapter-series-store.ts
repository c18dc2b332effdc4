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
import { storeTimeRange } from './time-range.ts';
import { FlowMetricSeries } from './flow-metrics.ts';
import { isValidAt, scanColumns } from '../../storage-adapters/columns.ts';
import type { SeriesCatalog } from '../../dialects/promql/http/routes.ts';

const SAMPLES = findTable('prometheus.samples')!;

export class AdapterSeriesStore implements SeriesStore, SeriesCatalog {
  readonly index: SeriesIndex;
  /** MetaFlow's own tables, readable as metrics beside remote-written series. */
  readonly flow: FlowMetricSeries;

  constructor(private readonly adapter: StorageAdapter) {
    this.index = new SeriesIndex(adapter.dictionaries);
    this.flow = new FlowMetricSeries(adapter);
  }

  /**
   * Label sets matching any selector: from the dictionary, and when a time range is given
   * (Prometheus's start/end) only the series with samples in it, as the store finds them.
   */
  async seriesLabels(selectors: LabelMatcher[][], range?: { startMs: number; endMs: number }): Promise<Array<Record<string, string>>> {
    await this.index.refresh();
    const matched = new Set<number>();
    for (const m of selectors) for (const id of this.index.match(m)) matched.add(id);
    let ids = [...matched].sort((a, b) => a - b);
    if (range && ids.length > 0) {
      const live = await this.seriesWithSamples(ids, range);
      ids = ids.filter((id) => live.has(id));
    }
    const flow = new Set(selectors.flatMap((m) => this.flow.metricsFor(m).map((x) => x.name)));
    // Flow metrics are listed by name only: their label sets live in the rows themselves.
    return [...ids.map((id) => ({ ...this.index.labelsOf(id)! })), ...[...flow].sort().map((name) => ({ __name__: name }))];
  }

  /** Which of `ids` have samples in the range: grouped by the store when it can, else scanned. */
  private async seriesWithSamples(ids: number[], range: { startMs: number; endMs: number }): Promise<Set<number>> {
    const wholeMetrics = this.index.wholeMetrics(ids);
    const seriesId = { kind: 'column' as const, name: 'series_id', type: 'int' as const };
    const fragment = {
      table: SAMPLES, columns: ['series_id'],
      filters: [wholeMetrics ? { column: 'metric_id', op: 'in' as const, values: wholeMetrics } : { column: 'series_id', op: 'in' as const, values: ids }],
      timeRange: storeTimeRange(range.startMs, range.endMs),
      ...(this.adapter.capabilities.aggregate ? { groupBy: [{ name: 'series_id', expr: seriesId }], aggregates: [] } : {}),
    };
    const live = new Set<number>();
    for await (const batch of scanColumns(this.adapter, fragment)) {
      const sid = batch.columns[0]!.values;
      for (let i = 0; i < batch.length; i++) live.add(Number(sid[i]));
    }
    return live;
  }

  async select(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    const flow = this.flow.metricsFor(matchers).length ? await this.flow.select(hints, matchers) : [];
    return flow.length ? [...flow, ...(await this.selectSamples(hints, matchers))] : this.selectSamples(hints, matchers);
  }

  private async selectSamples(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    await this.index.refresh();
    const ids = this.index.match(matchers);
    if (ids.length === 0) return [];
    const wholeMetrics = this.index.wholeMetrics(ids);
    const fragment = {
      table: SAMPLES, columns: ['series_id', 'time', 'value'],
      // A name-only selector reads whole metrics: one metric_id instead of thousands of series IDs.
      filters: [wholeMetrics ? { column: 'metric_id', op: 'in' as const, values: wholeMetrics } : { column: 'series_id', op: 'in' as const, values: ids }],
      timeRange: storeTimeRange(hints.start, hints.end),
    };
    // No ORDER BY: sorting in the store costs several times the scan, and samples come back
    // in insertion order, which is time order per series unless they were written late.
    const builders = new Map<number, SeriesBuilder>();
    let last: SeriesBuilder | undefined;
    for await (const batch of scanColumns(this.adapter, fragment)) {
      const [sid, time, value] = batch.columns as unknown as [Column, Column, Column];
      for (let i = 0; i < batch.length; i++) {
        const id = Number(sid.values[i]);
        if (last?.id !== id) {
          last = builders.get(id);
          if (!last) {
            const labels = this.index.labelsOf(id);
            // Written after the index was loaded: not part of this answer.
            if (!labels) continue;
            builders.set(id, (last = new SeriesBuilder(id, labels)));
          }
        }
        last.add(Number(time.values[i] as bigint) / 1000, isValidAt(value.valid, i) ? (value.values[i] as number) : null);
      }
    }
    return ids.filter((id) => builders.has(id)).map((id) => builders.get(id)!.finish());
  }
}

type Column = { values: ArrayLike<unknown>; valid: Uint8Array | null };

/**
 * Samples of one series. Kept in arrival order; sorted at the end only when some came out of
 * order. Equal timestamps keep the last sample written; NULL becomes the StaleNaN bit pattern.
 */
class SeriesBuilder {
  private ts = new Float64Array(256);
  private vs = new Float64Array(256);
  private n = 0;
  private sorted = true;
  constructor(readonly id: number, private readonly labels: Record<string, string>) {}

  add(t: number, v: number | null): void {
    if (this.n === this.ts.length) {
      const ts = new Float64Array(this.n * 2); ts.set(this.ts); this.ts = ts;
      const vs = new Float64Array(this.n * 2); vs.set(this.vs); this.vs = vs;
    }
    if (this.n > 0 && this.ts[this.n - 1]! >= t) this.sorted = false;
    this.ts[this.n] = t;
    if (v === null) {
      const words = new Uint32Array(this.vs.buffer, this.n * 8, 2);
      words[0] = STALE_NAN_LO;
      words[1] = STALE_NAN_HI;
    } else {
      this.vs[this.n] = v;
    }
    this.n++;
  }

  finish(): Series {
    if (this.sorted) return { labels: { ...this.labels }, timestampsMs: this.ts.slice(0, this.n), values: this.vs.slice(0, this.n) };
    // Stable sort by time, then keep the last of each run of equal timestamps.
    const order = Array.from({ length: this.n }, (_, i) => i).sort((a, b) => this.ts[a]! - this.ts[b]! || a - b);
    const keep = order.filter((i, k) => k === order.length - 1 || this.ts[order[k + 1]!] !== this.ts[i]);
    const timestampsMs = new Float64Array(keep.length);
    const values = new Float64Array(keep.length);
    const src = new Uint32Array(this.vs.buffer);
    const dst = new Uint32Array(values.buffer);
    keep.forEach((i, k) => {
      timestampsMs[k] = this.ts[i]!;
      dst[2 * k] = src[2 * i]!; // copied as words so StaleNaN keeps its bits
      dst[2 * k + 1] = src[2 * i + 1]!;
    });
    return { labels: { ...this.labels }, timestampsMs, values };
  }
}
