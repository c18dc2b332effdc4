/**
 * One `flow_log.l7_flow_log` row as the agent produces it: one request and its response
 * (or its timeout). Field names and meanings follow DeepFlow's l7_flow_log so its users feel
 * at home: `_0` is the client side, `_1` the server side; times are µs since the Unix epoch.
 */
import type { ObservationPoint } from './observation.ts';

export type L7ProtocolName = 'HTTP' | 'HTTP2' | 'gRPC' | 'MySQL' | 'PostgreSQL' | 'Redis' | 'Kafka' | 'DNS' | 'Dubbo';

/** DeepFlow's response_status classes; 'unknown' when no status could be read. */
export type ResponseStatus = 'ok' | 'client_error' | 'server_error' | 'timeout' | 'unknown';

export interface L7FlowLog {
  /** end_time in whole seconds since the epoch (DeepFlow's DateTime `time` column). */
  time: number;
  /** Request start, µs. */
  start_time: number;
  /** Response start (or the timeout moment), µs. */
  end_time: number;
  ip_0: string;
  ip_1: string;
  client_port: number;
  server_port: number;
  /** IP protocol: 6 TCP, 17 UDP. */
  protocol: 6 | 17;
  l7_protocol: L7ProtocolName;
  version: string;
  /** HTTP method; Redis command; SQL statement kind; DNS qtype; Kafka API name; Dubbo method. */
  request_type: string;
  /** HTTP Host / :authority; DNS query name. */
  request_domain: string;
  /** Path, SQL text, Redis key and args, Kafka topic, Dubbo service. */
  request_resource: string;
  /** What RED metrics group by: HTTP path, gRPC /service/method, SQL statement kind, ... */
  endpoint: string;
  /** HTTP/2 stream id, Kafka correlation id, DNS id, Dubbo request id, MySQL statement id. */
  request_id: number | null;
  response_status: ResponseStatus;
  response_code: number | null;
  response_exception: string;
  response_result: string;
  /** Rows the server reported for a SQL statement (MySQL OK packet, PostgreSQL command tag). */
  sql_affected_rows: number | null;
  /** end_time - start_time, µs; 0 when there was no response. */
  response_duration: number;
  request_length: number;
  response_length: number;
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  x_request_id_0: string;
  x_request_id_1: string;
  syscall_trace_id_request: number;
  syscall_trace_id_response: number;
  syscall_thread_0: number;
  syscall_thread_1: number;
  req_tcp_seq: number;
  resp_tcp_seq: number;
  /** 'c' seen on the client side of the connection, 's' on the server side. */
  observation_point: ObservationPoint;
  signal_source: 'eBPF' | 'Packet';
  process_id_0: number;
  process_id_1: number;
  process_kname_0: string;
  process_kname_1: string;
}
