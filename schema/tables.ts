/**
 * The tables, with DeepFlow's names. Builders keep the shared parts (resource tags, RED
 * metrics) in one place so every table that carries them carries the same definitions.
 */
import type { ColumnDef, ColumnType, MetricAggregation, TableDef, TagEncoding } from './types.ts';
import { FLOW_RESOURCES, RESOURCES } from './resources.ts';

const time = (): ColumnDef => ({ name: 'time', type: 'timestamp', role: 'time', description: 'Row time (µs precision, UTC)' });

function tag(name: string, type: ColumnType, description: string, encoding: TagEncoding = { kind: 'plain' }, side?: 0 | 1): ColumnDef {
  return { name, type, role: 'tag', description, encoding, side };
}
function enumTag(name: string, description: string, enumName = name, side?: 0 | 1): ColumnDef {
  return tag(name, 'uint8', description, { kind: 'enum', enumName }, side);
}
function metric(name: string, type: ColumnType, aggregation: MetricAggregation, unit: string, description: string): ColumnDef {
  return { name, type, role: 'metric', aggregation, unit, description };
}

/** Resource tags stored as IDs: `<res>_id` or `<res>_id_0`/`<res>_id_1`. */
function resourceTags(sided: boolean): ColumnDef[] {
  const out: ColumnDef[] = [];
  for (const side of sided ? ([0, 1] as const) : [undefined]) {
    for (const r of FLOW_RESOURCES) {
      const suffix = side === undefined ? '' : `_${side}`;
      const who = side === 0 ? ' (client side)' : side === 1 ? ' (server side)' : '';
      out.push(tag(`${r}_id${suffix}`, 'uint32', RESOURCES[r].description + who, { kind: 'resource', resource: r }, side));
    }
  }
  return out;
}

function sidedPlain(name: string, type: ColumnType, description: string): ColumnDef[] {
  return [tag(`${name}_0`, type, `${description} (client side)`, { kind: 'plain' }, 0), tag(`${name}_1`, type, `${description} (server side)`, { kind: 'plain' }, 1)];
}

function table(database: string, name: string, description: string, sided: boolean, columns: ColumnDef[], sortKey: string[], interval?: '1s' | '1m'): TableDef {
  return { database, name, fullName: `${database}.${name}`, description, sided, columns: [time(), ...columns], sortKey, interval };
}

const l7FlowLog = table('flow_log', 'l7_flow_log', 'One row per application request/response (L7 call log)', true, [
  ...resourceTags(true),
  ...sidedPlain('ip', 'string', 'IP address'),
  tag('client_port', 'uint16', 'Client port'),
  tag('server_port', 'uint16', 'Server port'),
  enumTag('protocol', 'IP protocol'),
  enumTag('l7_protocol', 'Application protocol'),
  tag('version', 'string', 'Protocol version'),
  enumTag('type', 'Log type: request, response or session'),
  enumTag('observation_point', 'Where the call was observed (DeepFlow tap_side)'),
  enumTag('signal_source', 'Signal source: eBPF, Packet, OTel'),
  tag('request_type', 'string', 'HTTP method, SQL statement kind, Redis command, DNS query type, ...'),
  tag('request_domain', 'string', 'HTTP host, DNS name, ...'),
  tag('request_resource', 'string', 'HTTP path, SQL text, Redis key, Kafka topic, ...'),
  tag('endpoint', 'string', 'Normalised endpoint (path, gRPC /service/method, ...)'),
  tag('request_id', 'uint64', 'Protocol request id (stream id, correlation id, DNS id)'),
  enumTag('response_status', 'ok, client_error, server_error, timeout, unknown'),
  tag('response_code', 'int32', 'Protocol response code (HTTP status, SQL error code, ...)'),
  tag('response_exception', 'string', 'Error message or exception'),
  tag('response_result', 'string', 'Response result summary'),
  tag('app_service', 'string', 'Application-reported service name'),
  tag('app_instance', 'string', 'Application-reported instance'),
  tag('trace_id', 'string', 'Distributed trace id (W3C traceparent)'),
  tag('span_id', 'string', 'Span id'),
  tag('parent_span_id', 'string', 'Parent span id'),
  ...sidedPlain('x_request_id', 'string', 'X-Request-ID header'),
  tag('syscall_trace_id_request', 'uint64', 'eBPF syscall trace id of the request'),
  tag('syscall_trace_id_response', 'uint64', 'eBPF syscall trace id of the response'),
  ...sidedPlain('syscall_thread', 'uint32', 'Thread id of the syscall'),
  ...sidedPlain('process_id', 'uint32', 'Process id'),
  ...sidedPlain('process_kname', 'string', 'Process name in the kernel (comm)'),
  tag('req_tcp_seq', 'uint32', 'TCP sequence of the request'),
  tag('resp_tcp_seq', 'uint32', 'TCP sequence of the response'),
  tag('start_time', 'timestamp', 'Request start (µs)'),
  tag('end_time', 'timestamp', 'Response end (µs)'),
  metric('response_duration', 'uint64', 'delay', 'µs', 'Time from request to response'),
  metric('request_length', 'uint64', 'counter', 'bytes', 'Request size'),
  metric('response_length', 'uint64', 'counter', 'bytes', 'Response size'),
  metric('sql_affected_rows', 'uint64', 'counter', 'rows', 'Rows affected by a SQL statement'),
], ['l7_protocol', 'pod_id_1', 'endpoint']);

const l4FlowLog = table('flow_log', 'l4_flow_log', 'One row per connection per reporting period (L4 flow log)', true, [
  ...resourceTags(true),
  ...sidedPlain('ip', 'string', 'IP address'),
  tag('client_port', 'uint16', 'Client port'),
  tag('server_port', 'uint16', 'Server port'),
  enumTag('protocol', 'IP protocol'),
  enumTag('observation_point', 'Where the flow was observed (DeepFlow tap_side)'),
  enumTag('signal_source', 'Signal source: eBPF, Packet, OTel'),
  enumTag('close_type', 'How the flow ended'),
  tag('flow_id', 'uint64', 'Flow id'),
  tag('start_time', 'timestamp', 'Flow start (µs)'),
  tag('end_time', 'timestamp', 'Flow end (µs)'),
  metric('byte_tx', 'uint64', 'counter', 'bytes', 'Bytes client → server'),
  metric('byte_rx', 'uint64', 'counter', 'bytes', 'Bytes server → client'),
  metric('packet_tx', 'uint64', 'counter', 'packets', 'Packets client → server'),
  metric('packet_rx', 'uint64', 'counter', 'packets', 'Packets server → client'),
  metric('rtt', 'uint32', 'delay', 'µs', 'TCP round-trip time'),
  metric('retrans_tx', 'uint32', 'counter', 'packets', 'Retransmissions client → server'),
  metric('retrans_rx', 'uint32', 'counter', 'packets', 'Retransmissions server → client'),
  metric('syn_count', 'uint32', 'counter', 'packets', 'SYN packets'),
  metric('duration', 'uint64', 'max', 'µs', 'Flow duration'),
], ['protocol', 'pod_id_1', 'server_port']);

const RED = (): ColumnDef[] => [
  metric('request', 'uint64', 'counter', 'count', 'Requests'),
  metric('response', 'uint64', 'counter', 'count', 'Responses'),
  metric('rrt_sum', 'float64', 'counter', 'µs', 'Sum of response times'),
  metric('rrt_count', 'uint64', 'counter', 'count', 'Responses with a measured response time'),
  metric('rrt_max', 'uint64', 'max', 'µs', 'Largest response time'),
  metric('client_error', 'uint64', 'counter', 'count', 'Client errors (4xx, ...)'),
  metric('server_error', 'uint64', 'counter', 'count', 'Server errors (5xx, ...)'),
  metric('timeout', 'uint64', 'counter', 'count', 'Requests without a response in time'),
];

const appTags = (): ColumnDef[] => [
  enumTag('l7_protocol', 'Application protocol'),
  tag('server_port', 'uint16', 'Server port'),
  tag('app_service', 'string', 'Application-reported service name'),
  tag('app_instance', 'string', 'Application-reported instance'),
  tag('endpoint', 'string', 'Endpoint'),
  enumTag('observation_point', 'Where the call was observed (DeepFlow tap_side)'),
  enumTag('signal_source', 'Signal source: eBPF, Packet, OTel'),
];

const NETWORK = (): ColumnDef[] => [
  metric('byte_tx', 'uint64', 'counter', 'bytes', 'Bytes sent'),
  metric('byte_rx', 'uint64', 'counter', 'bytes', 'Bytes received'),
  metric('packet_tx', 'uint64', 'counter', 'packets', 'Packets sent'),
  metric('packet_rx', 'uint64', 'counter', 'packets', 'Packets received'),
  metric('new_flow', 'uint64', 'counter', 'count', 'Flows started'),
  metric('closed_flow', 'uint64', 'counter', 'count', 'Flows closed'),
  metric('rtt_sum', 'float64', 'counter', 'µs', 'Sum of TCP RTTs'),
  metric('rtt_count', 'uint64', 'counter', 'count', 'TCP RTT samples'),
  metric('rtt_max', 'uint32', 'max', 'µs', 'Largest TCP RTT'),
  metric('retrans_tx', 'uint64', 'counter', 'packets', 'Retransmissions sent'),
  metric('retrans_rx', 'uint64', 'counter', 'packets', 'Retransmissions received'),
];

const netTags = (): ColumnDef[] => [
  enumTag('protocol', 'IP protocol'),
  tag('server_port', 'uint16', 'Server port'),
  enumTag('observation_point', 'Where the traffic was observed (DeepFlow tap_side)'),
  enumTag('signal_source', 'Signal source: eBPF, Packet, OTel'),
];

function metricsTables(): TableDef[] {
  const out: TableDef[] = [];
  for (const interval of ['1s', '1m'] as const) {
    out.push(
      table('flow_metrics', `application.${interval}`, `RED metrics per service/endpoint, per ${interval}`, false,
        [...resourceTags(false), ...appTags(), ...RED()], ['l7_protocol', 'pod_service_id', 'endpoint'], interval),
      table('flow_metrics', `application_map.${interval}`, `RED metrics per client → server edge, per ${interval}`, true,
        [...resourceTags(true), ...appTags(), ...RED()], ['l7_protocol', 'pod_service_id_1', 'pod_service_id_0'], interval),
      table('flow_metrics', `network.${interval}`, `Network metrics per resource, per ${interval}`, false,
        [...resourceTags(false), ...netTags(), ...NETWORK()], ['protocol', 'pod_id'], interval),
      table('flow_metrics', `network_map.${interval}`, `Network metrics per client → server edge, per ${interval}`, true,
        [...resourceTags(true), ...netTags(), ...NETWORK()], ['protocol', 'pod_id_1', 'pod_id_0'], interval),
    );
  }
  return out;
}

const prometheusSamples = table('prometheus', 'samples', 'Prometheus samples (remote write); labels hang off the series dictionary entry', false, [
  tag('metric_id', 'uint32', 'Metric name', { kind: 'resource', resource: 'prometheus_metric' }),
  tag('series_id', 'uint32', 'Label set (labels resolved through the series dictionary)', { kind: 'resource', resource: 'prometheus_series' }),
  metric('value', 'float64', 'gauge', '', 'Sample value; NULL is a staleness marker'),
], ['metric_id', 'series_id']);

/** Every data table, in the order docs list them. */
export const TABLES: TableDef[] = [l7FlowLog, l4FlowLog, ...metricsTables(), prometheusSamples];
