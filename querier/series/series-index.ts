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
    this.labels = next;
    this.loadedMax = max;
  }

  /** IDs (ascending) of the series matching every matcher. */
  match(matchers: LabelMatcher[]): number[] {
    const pred = compileMatchers(matchers);
    const out: number[] = [];
    for (const [id, l] of this.labels) if (pred(l)) out.push(id);
    return out.sort((a, b) => a - b);
  }

  labelsOf(id: number): Record<string, string> | undefined {
    return this.labels.get(id);
  }

  all(): IterableIterator<[number, Record<string, string>]> {
    return this.labels.entries();
  }
}
