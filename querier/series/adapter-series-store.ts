/**
 * PromQL's SeriesStore over any storage adapter: matchers → series IDs through the dictionary
 * (SeriesIndex), then one fragment per selection — `series_id IN (...)` and the hinted time
 * range, both run by the store — and samples grouped per series here. NULL values are
 * staleness markers (see ingester/prometheus/remote-write.ts).
 */
import { findTable } from '../../schema/index.ts';
import type { ColumnPredicate, StorageAdapter } from '../../storage-adapters/adapter.ts';
import { type LabelMatcher, type SelectHints, type Series, type SeriesStore } from '../../dialects/promql/storage.ts';
import { SeriesIndex } from './series-index.ts';
import { storeTimeRange } from './time-range.ts';
import { FlowMetricSeries } from './flow-metrics.ts';
import { scanColumns } from '../../storage-adapters/columns.ts';
import { SeriesCollector } from './series-builder.ts';
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
    const seriesId = { kind: 'column' as const, name: 'series_id', type: 'int' as const };
    const fragment = {
      table: SAMPLES, columns: ['series_id'],
      filters: [this.seriesFilter(ids)],
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

  /** The samples of `ids`: a name-only selector reads whole metrics, one metric_id instead of thousands of series IDs. */
  private seriesFilter(ids: number[]): ColumnPredicate {
    const wholeMetrics = this.index.wholeMetrics(ids);
    return wholeMetrics ? { column: 'metric_id', op: 'in', values: wholeMetrics } : { column: 'series_id', op: 'in', values: ids };
  }

  async select(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    const flow = this.flow.metricsFor(matchers).length ? await this.flow.select(hints, matchers) : [];
    return flow.length ? [...flow, ...(await this.selectSamples(hints, matchers))] : this.selectSamples(hints, matchers);
  }

  private async selectSamples(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    await this.index.refresh();
    const ids = this.index.match(matchers);
    if (ids.length === 0) return [];
    const fragment = {
      table: SAMPLES, columns: ['series_id', 'time', 'value'],
      filters: [this.seriesFilter(ids)],
      timeRange: storeTimeRange(hints.start, hints.end),
    };
    // No ORDER BY: sorting in the store costs several times the scan, and samples come back
    // in insertion order, which is time order per series unless they were written late.
    const collector = new SeriesCollector();
    for await (const batch of scanColumns(this.adapter, fragment)) {
      const [sid, time, value] = batch.columns as unknown as [Column, Column, Column];
      const n = batch.length;
      const b = collector.addBatch(time.values, value.values, value.valid);
      const sids = sid.values;
      // Rows of one series come in runs (a remote-write request holds many samples per series).
      for (let i = 0, j = 0; i < n; i = j) {
        const raw = sids[i];
        for (j = i + 1; j < n && sids[j] === raw;) j++;
        const id = Number(raw);
        const labels = collector.has(id) ? undefined : this.index.labelsOf(id);
        // Written after the index was loaded: not part of this answer.
        if (labels === undefined && !collector.has(id)) continue;
        collector.addRun(id, labels, b, i, j);
      }
    }
    return collector.finish(ids);
  }
}

type Column = { values: ArrayLike<unknown>; valid: Uint8Array | null };
