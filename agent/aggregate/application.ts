/**
 * RED metrics from l7_flow_log rows into `flow_metrics.application.1s|1m` (per service and
 * endpoint: the server side's resources) and `application_map.1s|1m` (per client → server
 * edge). Counting follows DeepFlow: every row is a request; a response is counted when one
 * came back; response time is summed only when measured (delay metrics ignore zeros).
 */
import type { L7FlowLog } from '../l7-record.ts';
import type { IngestRow } from '../ship/arrow-batch.ts';
import { putTags, tagsKey, type ResourceTags } from '../tagging/resource-tags.ts';
import { Rollup, type MetricSpec } from './rollup.ts';

/** An l7 row with the resources of both sides. */
export interface TaggedL7 {
  row: L7FlowLog;
  client: ResourceTags;
  server: ResourceTags;
}

const METRICS: MetricSpec[] = [
  { name: 'request', kind: 'sum' }, { name: 'response', kind: 'sum' },
  { name: 'rrt_sum', kind: 'sum' }, { name: 'rrt_count', kind: 'sum' }, { name: 'rrt_max', kind: 'max' },
  { name: 'client_error', kind: 'sum' }, { name: 'server_error', kind: 'sum' }, { name: 'timeout', kind: 'sum' },
];

/** The metric values one row contributes. */
export function redValues(r: L7FlowLog): Record<string, number> {
  const s = r.response_status;
  // 'unknown' with no duration is a request the protocol never answers (one-way, COM_QUIT).
  const responded = s !== 'timeout' && (s !== 'unknown' || r.response_duration > 0);
  const measured = responded && r.response_duration > 0;
  return {
    request: 1,
    response: responded ? 1 : 0,
    rrt_sum: measured ? r.response_duration : 0,
    rrt_count: measured ? 1 : 0,
    rrt_max: measured ? r.response_duration : 0,
    client_error: s === 'client_error' ? 1 : 0,
    server_error: s === 'server_error' ? 1 : 0,
    timeout: s === 'timeout' ? 1 : 0,
  };
}

function callTags(r: L7FlowLog): IngestRow {
  return { l7_protocol: r.l7_protocol, server_port: r.server_port, endpoint: r.endpoint, observation_point: r.observation_point, signal_source: r.signal_source };
}

function callKey(r: L7FlowLog): string {
  return `${r.l7_protocol}\x1f${r.server_port}\x1f${r.endpoint}\x1f${r.observation_point}\x1f${r.signal_source}`;
}

export interface MetricRows { table: string; rows: IngestRow[] }

export class ApplicationAggregator {
  private readonly service: Rollup[];
  private readonly edge: Rollup[];

  constructor(options: { graceSec?: { '1s': number; '1m': number } } = {}) {
    const g = options.graceSec ?? { '1s': 2, '1m': 5 };
    this.service = [new Rollup('flow_metrics.application.1s', 1, METRICS, g['1s']), new Rollup('flow_metrics.application.1m', 60, METRICS, g['1m'])];
    this.edge = [new Rollup('flow_metrics.application_map.1s', 1, METRICS, g['1s']), new Rollup('flow_metrics.application_map.1m', 60, METRICS, g['1m'])];
  }

  add(rows: readonly TaggedL7[]): void {
    for (const { row, client, server } of rows) {
      const values = redValues(row);
      const base = callKey(row);
      const serverKey = tagsKey(server) + base;
      const edgeKey = tagsKey(client) + serverKey;
      for (const r of this.service) r.add(row.time, serverKey, () => putTags(callTags(row), server, ''), values);
      for (const r of this.edge) r.add(row.time, edgeKey, () => putTags(putTags(callTags(row), client, '_0'), server, '_1'), values);
    }
  }

  /** Windows finished by `nowSec` (plus grace), per table. */
  close(nowSec: number): MetricRows[] {
    return [...this.service, ...this.edge].map((r) => ({ table: r.table, rows: r.close(nowSec) })).filter((m) => m.rows.length > 0);
  }

  closeAll(): MetricRows[] {
    return this.close(Infinity);
  }

  get lateRows(): number {
    return [...this.service, ...this.edge].reduce((n, r) => n + r.lateRows, 0);
  }
}
