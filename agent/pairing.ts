/**
 * Request ↔ response pairing for one connection, and building l7_flow_log rows from pairs.
 * In-order protocols (HTTP/1, Redis, MySQL, PostgreSQL) answer first-in first-out; the
 * others pair on a key the parser extracts (HTTP/2 stream id, Kafka correlation id, DNS and
 * Dubbo request ids). Requests left unanswered past the timeout become 'timeout' rows.
 */
import type { L7FlowLog, L7ProtocolName } from './l7-record.ts';
import type { L7Message } from './protocols/protocol.ts';
import { observationPoint } from './observation.ts';

/** What the row needs to know about the connection the pair travelled on. */
export interface ConnectionInfo {
  clientIp: string;
  serverIp: string;
  clientPort: number;
  serverPort: number;
  ipProtocol: 6 | 17;
  /** True when the capture sat on the client's socket (eBPF on the caller, pcap initiator). */
  observedAtClient: boolean;
  signalSource: 'eBPF' | 'Packet';
  clientPid: number;
  serverPid: number;
  clientComm: string;
  serverComm: string;
  clientTid: number;
  serverTid: number;
}

export type EmitRow = (row: L7FlowLog) => void;

export class Pairer {
  private readonly queue: L7Message[] = [];
  private readonly byKey = new Map<number, L7Message>();
  /** Responses with no request to pair with (capture started mid-conversation). */
  orphans = 0;

  constructor(private readonly mode: 'in-order' | 'by-key', private readonly timeoutNs: bigint) {}

  add(msg: L7Message, conn: ConnectionInfo, emit: EmitRow): void {
    if (msg.type === 'request') {
      if (msg.oneWay) { emit(buildRow(conn, msg, undefined, false)); return; }
      if (this.mode === 'by-key' && msg.pairKey !== undefined) {
        const old = this.byKey.get(msg.pairKey);
        if (old) emit(buildRow(conn, old, undefined, true)); // key reused: the old one never got an answer
        this.byKey.set(msg.pairKey, msg);
      } else this.queue.push(msg);
      return;
    }
    let req: L7Message | undefined;
    if (this.mode === 'by-key' && msg.pairKey !== undefined) {
      req = this.byKey.get(msg.pairKey);
      if (req) this.byKey.delete(msg.pairKey);
    } else req = this.queue.shift();
    if (!req) { this.orphans++; return; }
    emit(buildRow(conn, req, msg, false));
  }

  /** Emits requests older than the timeout at `nowNs` as 'timeout' rows. */
  expire(nowNs: bigint, conn: ConnectionInfo, emit: EmitRow): void {
    const limit = nowNs - this.timeoutNs;
    while (this.queue.length > 0 && this.queue[0]!.timestampNs <= limit) emit(buildRow(conn, this.queue.shift()!, undefined, true));
    for (const [k, req] of this.byKey) {
      if (req.timestampNs <= limit) { this.byKey.delete(k); emit(buildRow(conn, req, undefined, true)); }
    }
  }

  /** The connection ended: nothing pending can be answered any more. */
  closeAll(conn: ConnectionInfo, emit: EmitRow): void {
    for (const req of this.queue) emit(buildRow(conn, req, undefined, true));
    this.queue.length = 0;
    for (const req of this.byKey.values()) emit(buildRow(conn, req, undefined, true));
    this.byKey.clear();
  }

  get pending(): number { return this.queue.length + this.byKey.size; }
}

const NS_PER_US = 1000n;

/** One row from a request and its response (or its absence). */
export function buildRow(conn: ConnectionInfo, req: L7Message, resp: L7Message | undefined, timedOut: boolean): L7FlowLog {
  const start = Number(req.timestampNs / NS_PER_US);
  const end = resp ? Number(resp.timestampNs / NS_PER_US) : start;
  const protocol: L7ProtocolName = req.protocol === 'gRPC' || resp?.protocol === 'gRPC' ? 'gRPC' : req.protocol;
  return {
    time: Math.floor(end / 1e6),
    start_time: start,
    end_time: end,
    ip_0: conn.clientIp,
    ip_1: conn.serverIp,
    client_port: conn.clientPort,
    server_port: conn.serverPort,
    protocol: conn.ipProtocol,
    l7_protocol: protocol,
    version: req.version ?? resp?.version ?? '',
    request_type: req.requestType ?? '',
    request_domain: req.requestDomain ?? '',
    request_resource: req.requestResource ?? '',
    endpoint: req.endpoint ?? resp?.endpoint ?? '',
    request_id: req.requestId ?? resp?.requestId ?? null,
    response_status: resp ? resp.responseStatus ?? 'unknown' : timedOut ? 'timeout' : 'unknown',
    response_code: resp?.responseCode ?? null,
    response_exception: resp?.responseException ?? '',
    response_result: resp?.responseResult ?? '',
    sql_affected_rows: resp?.affectedRows ?? null,
    response_duration: resp ? Math.max(0, end - start) : 0,
    request_length: req.length,
    response_length: resp?.length ?? 0,
    trace_id: req.traceId ?? resp?.traceId ?? '',
    span_id: req.spanId ?? resp?.spanId ?? '',
    parent_span_id: req.parentSpanId ?? '',
    x_request_id_0: req.xRequestId ?? '',
    x_request_id_1: resp?.xRequestId ?? '',
    // Syscall trace ids come from the eBPF source's thread tracking; 0 means unknown.
    syscall_trace_id_request: 0,
    syscall_trace_id_response: 0,
    syscall_thread_0: conn.clientTid,
    syscall_thread_1: conn.serverTid,
    req_tcp_seq: req.tcpSeq ?? 0,
    resp_tcp_seq: resp?.tcpSeq ?? 0,
    observation_point: observationPoint(conn.observedAtClient, conn.signalSource),
    signal_source: conn.signalSource,
    process_id_0: conn.clientPid,
    process_id_1: conn.serverPid,
    process_kname_0: conn.clientComm,
    process_kname_1: conn.serverComm,
  };
}
