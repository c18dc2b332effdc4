/**
 * An l7_flow_log record with its resources → the ingest row the sender batches. Resource tags
 * go as names with their side (`pod_0`, `pod_1`); `time` is the response time in µs.
 * The row is one object literal with every key, so all rows share one hidden class: built by
 * spreading and adding keys, V8 fell back to dictionary objects and this step cost more than
 * parsing the request.
 */
import type { TaggedL7 } from '../aggregate/application.ts';
import type { IngestRow } from './arrow-batch.ts';

const tag = (v: string | undefined): string | undefined => (v === '' ? undefined : v);

export function l7IngestRow({ row: r, client: c, server: s }: TaggedL7): IngestRow {
  return {
    time: r.end_time, start_time: r.start_time, end_time: r.end_time,
    ip_0: r.ip_0, ip_1: r.ip_1, client_port: r.client_port, server_port: r.server_port,
    protocol: r.protocol === 6 ? 'TCP' : 'UDP', l7_protocol: r.l7_protocol, version: r.version,
    request_type: r.request_type, request_domain: r.request_domain, request_resource: r.request_resource, endpoint: r.endpoint,
    request_id: r.request_id, response_status: r.response_status, response_code: r.response_code,
    response_exception: r.response_exception, response_result: r.response_result, response_duration: r.response_duration,
    sql_affected_rows: r.sql_affected_rows,
    request_length: r.request_length, response_length: r.response_length,
    trace_id: r.trace_id, span_id: r.span_id, parent_span_id: r.parent_span_id, x_request_id_0: r.x_request_id_0, x_request_id_1: r.x_request_id_1,
    syscall_trace_id_request: r.syscall_trace_id_request, syscall_trace_id_response: r.syscall_trace_id_response,
    syscall_thread_0: r.syscall_thread_0, syscall_thread_1: r.syscall_thread_1, req_tcp_seq: r.req_tcp_seq, resp_tcp_seq: r.resp_tcp_seq,
    observation_point: r.observation_point, signal_source: r.signal_source,
    process_id_0: r.process_id_0, process_id_1: r.process_id_1, process_kname_0: r.process_kname_0, process_kname_1: r.process_kname_1,
    region_0: tag(c.region), az_0: tag(c.az), host_0: tag(c.host), gprocess_0: tag(c.gprocess), pod_cluster_0: tag(c.pod_cluster),
    pod_node_0: tag(c.pod_node), pod_ns_0: tag(c.pod_ns), pod_group_0: tag(c.pod_group), pod_0: tag(c.pod), pod_service_0: tag(c.pod_service),
    region_1: tag(s.region), az_1: tag(s.az), host_1: tag(s.host), gprocess_1: tag(s.gprocess), pod_cluster_1: tag(s.pod_cluster),
    pod_node_1: tag(s.pod_node), pod_ns_1: tag(s.pod_ns), pod_group_1: tag(s.pod_group), pod_1: tag(s.pod), pod_service_1: tag(s.pod_service),
  };
}

