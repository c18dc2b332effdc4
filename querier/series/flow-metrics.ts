/**
 * MetaFlow's own tables as PromQL metrics, under DeepFlow's names:
 *   flow_metrics.application.1m, column request → flow_metrics__application__request__1m
 *   flow_log.l7_flow_log, column response_duration → flow_log__l7_flow_log__response_duration
 * Each row is a sample; its tags, decoded to names (resource names, enum names), are labels.
 * The time range is trimmed in the store; label matchers are applied here after decoding.
 */
import { enumLabel, queryFields, TABLES, type FieldDef, type TableDef } from '../../schema/index.ts';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import { isValidAt, scanColumns } from '../../storage-adapters/columns.ts';
import { compileMatcher, compileMatchers } from '../../dialects/promql/label-matchers.ts';
import type { LabelMatcher, SelectHints, Series } from '../../dialects/promql/storage.ts';
import { storeTimeRange } from './time-range.ts';

export interface FlowMetric { name: string; table: TableDef; column: string }

function metricName(t: TableDef, column: string): string {
  return t.interval
    ? `${t.database}__${t.name.slice(0, -t.interval.length - 1)}__${column}__${t.interval}`
    : `${t.database}__${t.name}__${column}`;
}

export const FLOW_METRICS: Map<string, FlowMetric> = new Map(
  TABLES.filter((t) => t.database !== 'prometheus').flatMap((t) => t.columns.filter((c) => c.role === 'metric')
    .map((c) => [metricName(t, c.name), { name: metricName(t, c.name), table: t, column: c.name }] as const)));

/** Tags that become labels: names (not IDs) of every non-time tag. */
function labelFields(t: TableDef): FieldDef[] {
  return [...queryFields(t).values()].filter((f) => f.column.role === 'tag' && f.view !== 'id' && f.column.type !== 'timestamp');
}

const LABEL_NAMES = new Map(TABLES.map((t) => [t, new Set(labelFields(t).map((f) => f.name))]));
const labelNames = (t: TableDef): Set<string> => LABEL_NAMES.get(t)!;

export class FlowMetricSeries {
  constructor(private readonly adapter: StorageAdapter) {}

  /**
   * Flow metrics a set of matchers can select: by name, and only where every other matcher
   * names one of the table's labels or accepts the empty string a missing label reads as.
   */
  metricsFor(matchers: LabelMatcher[]): FlowMetric[] {
    const byName = compileMatchers(matchers.filter((m) => m.name === '__name__'));
    const others = matchers.filter((m) => m.name !== '__name__');
    const absentOk = others.map((m) => compileMatcher(m)({}));
    return [...FLOW_METRICS.values()].filter((m) => byName({ __name__: m.name })
      && others.every((o, i) => absentOk[i] || labelNames(m.table).has(o.name)));
  }

  async select(hints: SelectHints, matchers: LabelMatcher[]): Promise<Series[]> {
    const metrics = this.metricsFor(matchers);
    if (metrics.length === 0) return [];
    // One dictionary read per selection, however many metrics the name matcher covers.
    const names = await this.resourceNames();
    const out: Series[] = [];
    for (const m of metrics) out.push(...(await this.selectMetric(m, hints, matchers, names)));
    return out;
  }

  private async selectMetric(m: FlowMetric, hints: SelectHints, matchers: LabelMatcher[], names: Map<string, Map<number, string>>): Promise<Series[]> {
    const fields = labelFields(m.table);
    const fragment = {
      table: m.table, columns: ['time', m.column, ...fields.map((f) => f.column.name)], filters: [],
      timeRange: storeTimeRange(hints.start, hints.end),
    };
    const pred = compileMatchers(matchers);
    const series = new Map<string, { labels: Record<string, string>; ts: number[]; vs: number[] }>();
    for await (const b of scanColumns(this.adapter, fragment)) {
      const [time, value, ...tags] = b.columns;
      for (let i = 0; i < b.length; i++) {
        if (!isValidAt(value!.valid, i)) continue;
        const labels: Record<string, string> = { __name__: m.name };
        fields.forEach((f, k) => {
          const col = tags[k]!;
          if (!isValidAt(col.valid, i)) return;
          const raw = col.values[i];
          const enc = f.column.encoding;
          const text = enc?.kind === 'resource' ? names.get(enc.resource)?.get(Number(raw)) : enc?.kind === 'enum' ? enumLabel(enc.enumName, Number(raw)) : String(raw);
          if (text !== undefined && text !== '') labels[f.name] = text;
        });
        if (!pred(labels)) continue;
        const key = JSON.stringify(labels);
        let s = series.get(key);
        if (!s) series.set(key, (s = { labels, ts: [], vs: [] }));
        s.ts.push(Number(time!.values[i] as bigint) / 1000);
        s.vs.push(Number(value!.values[i]));
      }
    }
    return [...series.values()].map((s) => {
      const order = s.ts.map((_, i) => i).sort((a, b) => s.ts[a]! - s.ts[b]!);
      return { labels: s.labels, timestampsMs: Float64Array.from(order, (i) => s.ts[i]!), values: Float64Array.from(order, (i) => s.vs[i]!) };
    });
  }

  private async resourceNames(): Promise<Map<string, Map<number, string>>> {
    const out = new Map<string, Map<number, string>>();
    for (const e of await this.adapter.dictionaries.entries()) {
      let m = out.get(e.type);
      if (!m) out.set(e.type, (m = new Map()));
      m.set(e.id, e.name);
    }
    return out;
  }
}
