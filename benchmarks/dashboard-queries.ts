/**
 * Five dashboard queries, each as a MetaFlow SQL text (names, as a user writes it) and as the
 * hand-written native query on the stored layout of one store (IDs joined to
 * flow_tag.resource_dict, enum codes turned into labels), for DuckDB, PostgreSQL and
 * ClickHouse. Timestamps come out of the native queries as µs since the epoch, so answers
 * compare exactly (see `canonicalRows`).
 */
import { ENUMS } from '../schema/enums.ts';

export interface NativeDialect {
  l7: string;
  dict: string;
  minuteUs: string;
  timeUs: string;
  p99: string;
}

/** The 0.99 rank of a sorted array `s`, 0-based. */
const H = '(length(s) - 1) * 0.99';

export const DIALECTS: Record<'duckdb' | 'postgres' | 'clickhouse', NativeDialect> = {
  duckdb: {
    l7: 'flow_log.l7_flow_log', dict: 'flow_tag.resource_dict',
    minuteUs: "epoch_us(date_trunc('minute', time))", timeUs: 'epoch_us(time)',
    p99: 'quantile_cont(response_duration, 0.99)',
  },
  postgres: {
    l7: 'flow_log.l7_flow_log', dict: 'flow_tag.resource_dict',
    minuteUs: "(extract(epoch FROM date_trunc('minute', time)) * 1000000)::bigint", timeUs: '(extract(epoch FROM time) * 1000000)::bigint',
    p99: 'percentile_cont(0.99) WITHIN GROUP (ORDER BY response_duration)',
  },
  clickhouse: {
    l7: 'metaflow_flow_log.l7_flow_log', dict: 'metaflow_flow_tag.resource_dict',
    // MetaFlow's ClickHouse layout keeps time as Int64 µs. The p99 interpolates between the
    // sorted values as percentile_cont does (R-7): the ClickHouse in CI predates quantileExactInclusive.
    minuteUs: 'intDiv(time, 60000000) * 60000000', timeUs: 'time',
    p99: `arrayMap(s -> s[toUInt64(floor(${H})) + 1] + (${H} - floor(${H})) * (s[toUInt64(ceil(${H})) + 1] - s[toUInt64(floor(${H})) + 1]), [arraySort(groupArray(toFloat64(response_duration)))])[1]`,
  },
};

export interface DashboardQuery { name: string; metaflow: string; native(d: NativeDialect): string }

const lit = (s: string): string => `'${s.replace(/'/g, "''")}'`;

export function dashboardQueries(service: string, pod: string): DashboardQuery[] {
  const names = (d: NativeDialect, type: string) => `(SELECT id, name FROM ${d.dict} WHERE type = '${type}')`;
  const idsOf = (d: NativeDialect, type: string, name: string) => `(SELECT id FROM ${d.dict} WHERE type = '${type}' AND name = ${lit(name)})`;
  // The searched CASE form: ClickHouse 18's `CASE x WHEN` gives NULL for a Nullable x.
  const l7Label = `CASE ${[...ENUMS.l7_protocol!.values].map(([c, n]) => `WHEN code = ${c} THEN '${n}'`).join(' ')} END`;
  return [
    {
      name: 'requests per service',
      metaflow: 'SELECT pod_service_1, count(*) AS requests FROM flow_log.l7_flow_log GROUP BY pod_service_1 ORDER BY pod_service_1',
      native: (d) => `SELECT s.name, r.requests FROM (SELECT pod_service_id_1 AS id, count(*) AS requests FROM ${d.l7} GROUP BY pod_service_id_1) r JOIN ${names(d, 'pod_service')} s ON s.id = r.id ORDER BY s.name`,
    },
    {
      name: 'p99 latency per endpoint per minute (one service)',
      metaflow: `SELECT date_trunc('minute', time) AS minute, endpoint, percentile_cont(0.99) WITHIN GROUP (ORDER BY response_duration) AS p99 FROM flow_log.l7_flow_log WHERE pod_service_1 = ${lit(service)} GROUP BY 1, 2 ORDER BY 1, 2`,
      native: (d) => `SELECT ${d.minuteUs} AS minute_us, endpoint, ${d.p99} AS p99 FROM ${d.l7} WHERE pod_service_id_1 IN ${idsOf(d, 'pod_service', service)} GROUP BY minute_us, endpoint ORDER BY minute_us, endpoint`,
    },
    {
      name: 'error ratio per protocol',
      metaflow: "SELECT l7_protocol, avg(CASE WHEN response_status = 'ok' THEN 0.0 ELSE 1.0 END) AS error_ratio FROM flow_log.l7_flow_log GROUP BY l7_protocol ORDER BY l7_protocol",
      native: (d) => `SELECT ${l7Label} AS protocol, error_ratio FROM (SELECT l7_protocol AS code, avg(CASE WHEN response_status = 0 THEN 0.0 ELSE 1.0 END) AS error_ratio FROM ${d.l7} GROUP BY l7_protocol) x ORDER BY protocol`,
    },
    {
      name: 'top 10 services by requests',
      metaflow: 'SELECT pod_service_1, count(*) AS requests FROM flow_log.l7_flow_log GROUP BY pod_service_1 ORDER BY requests DESC, pod_service_1 LIMIT 10',
      native: (d) => `SELECT s.name, r.requests FROM (SELECT pod_service_id_1 AS id, count(*) AS requests FROM ${d.l7} GROUP BY pod_service_id_1) r JOIN ${names(d, 'pod_service')} s ON s.id = r.id ORDER BY r.requests DESC, s.name LIMIT 10`,
    },
    {
      name: 'latest 100 calls of one pod',
      metaflow: `SELECT time, endpoint, response_duration, response_code FROM flow_log.l7_flow_log WHERE pod_1 = ${lit(pod)} ORDER BY time DESC LIMIT 100`,
      native: (d) => `SELECT ${d.timeUs} AS time_us, endpoint, response_duration, response_code FROM ${d.l7} WHERE pod_id_1 IN ${idsOf(d, 'pod', pod)} ORDER BY time_us DESC LIMIT 100`,
    },
  ];
}

const TIMESTAMP = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(?:Z|\+00(?::?00)?)?$/;

/** One value in a form both sides agree on: timestamps as µs, numbers exact when whole, else 9 digits. */
function canonical(v: unknown): string | number | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.getTime() * 1000;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const m = TIMESTAMP.exec(v);
    if (m) return Date.parse(`${m[1]}T${m[2]}Z`) * 1000 + Number((m[3] ?? '').padEnd(6, '0'));
    if (/^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v)) return canonical(Number(v));
    return v;
  }
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toPrecision(9));
  return String(v);
}

/** Where two answers first differ (row count or a row, in answer order), or undefined when equal. */
export function firstDifference(a: unknown[][], b: unknown[][]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const [x, y] = [JSON.stringify(a[i]?.map(canonical)), JSON.stringify(b[i]?.map(canonical))];
    if (x !== y) return `row ${i} of ${a.length} / ${b.length}: ${x} vs ${y}`;
  }
  return undefined;
}
