/**
 * The label index of Prometheus series, built from the SmartEncoding dictionary: series ID →
 * labels (custom tags `label.<name>` on the `prometheus_series` entry). Matchers are answered
 * here, so a selector reaches the store as an ID-set predicate.
 */
import type { DictionaryStore } from '../../storage-adapters/adapter.ts';
import { compileMatchers } from '../../dialects/promql/label-matchers.ts';
import type { LabelMatcher } from '../../dialects/promql/storage.ts';
import { LABEL_PREFIX } from '../../ingester/prometheus/series-key.ts';

export class SeriesIndex {
  private labels = new Map<number, Record<string, string>>();
  /** Metric name → its ID, and how many series it has. */
  private metrics = new Map<string, { id: number; series: number }>();
  private loadedMax = -1;

  constructor(private readonly dictionaries: DictionaryStore) {}

  /** Reloads when series were added since the last look (the dictionary only grows). */
  async refresh(): Promise<void> {
    const max = await this.dictionaries.maxId('prometheus_series');
    if (max === this.loadedMax) return;
    const next = new Map<number, Record<string, string>>();
    for (const t of await this.dictionaries.customTags('prometheus_series')) {
      if (!t.key.startsWith(LABEL_PREFIX)) continue;
      let l = next.get(t.id);
      if (!l) next.set(t.id, (l = {}));
      l[t.key.slice(LABEL_PREFIX.length)] = t.value;
    }
    const metrics = new Map<string, { id: number; series: number }>();
    for (const e of await this.dictionaries.entries('prometheus_metric')) metrics.set(e.key, { id: e.id, series: 0 });
    for (const l of next.values()) {
      const m = l.__name__ === undefined ? undefined : metrics.get(l.__name__);
      if (m) m.series++;
    }
    this.labels = next;
    this.metrics = metrics;
    this.loadedMax = max;
  }

  /** IDs (ascending) of the series matching every matcher. */
  match(matchers: LabelMatcher[]): number[] {
    const pred = compileMatchers(matchers);
    const out: number[] = [];
    for (const [id, l] of this.labels) if (pred(l)) out.push(id);
    return out.sort((a, b) => a - b);
  }

  /**
   * Metric IDs covering exactly these series, when the series are all the series of their
   * metrics (a selector with only a name); undefined otherwise.
   */
  wholeMetrics(ids: number[]): number[] | undefined {
    const count = new Map<string, number>();
    for (const id of ids) {
      const name = this.labels.get(id)?.__name__;
      if (name === undefined) return undefined;
      count.set(name, (count.get(name) ?? 0) + 1);
    }
    const out: number[] = [];
    for (const [name, n] of count) {
      const m = this.metrics.get(name);
      if (!m || m.series !== n) return undefined;
      out.push(m.id);
    }
    return out;
  }

  labelsOf(id: number): Record<string, string> | undefined {
    return this.labels.get(id);
  }

  all(): IterableIterator<[number, Record<string, string>]> {
    return this.labels.entries();
  }
}
