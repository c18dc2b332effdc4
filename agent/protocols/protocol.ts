/**
 * The protocol-parser boundary. Each protocol is one small file exporting an `L7Protocol`:
 * a cheap `detect` run on a connection's first payload, and a per-connection parser fed the
 * byte stream of each direction that emits request and response messages. Pairing requests
 * with responses and building rows is `../pairing.ts`'s job, not the parser's.
 */
import type { L7ProtocolName, ResponseStatus } from '../l7-record.ts';

/** One parsed request or response; fields left undefined are unknown. */
export interface L7Message {
  type: 'request' | 'response';
  /** A response may refine the protocol (an HTTP/2 stream that turns out to be gRPC). */
  protocol: L7ProtocolName;
  /** Time of the message's first byte, ns since the epoch. */
  timestampNs: bigint;
  /** Bytes the message occupied on the wire (headers and body). */
  length: number;
  /** TCP sequence number of the first byte, when the source knows it. */
  tcpSeq?: number;
  /** Pairing key for protocols that do not answer in order (stream, correlation, DNS id). */
  pairKey?: number;
  version?: string;
  requestType?: string;
  requestDomain?: string;
  requestResource?: string;
  endpoint?: string;
  requestId?: number;
  responseStatus?: ResponseStatus;
  responseCode?: number;
  responseException?: string;
  responseResult?: string;
  /** Rows a SQL statement changed or returned, as the server reported them. */
  affectedRows?: number;
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  xRequestId?: string;
  /** Requests that never get an answer (COM_QUIT, Kafka acks=0): pairing emits them alone. */
  oneWay?: boolean;
}

/** Where a payload came from: `fromClient` is true for client → server bytes. */
export interface PayloadMeta {
  fromClient: boolean;
  timestampNs: bigint;
  tcpSeq?: number;
  /** Bytes the syscall moved; more than data.length when the capture was truncated. */
  byteCount: number;
}

export interface ProtocolParser {
  /** Consumes one payload and appends every message it completes to `out`. */
  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void;
}

export interface L7Protocol {
  readonly name: L7ProtocolName;
  readonly transport: 'tcp' | 'udp' | 'both';
  /** Ports the protocol usually serves; a hint that raises detection confidence. */
  readonly ports: readonly number[];
  /** 'in-order' answers requests first-in first-out; 'by-key' pairs on `pairKey`. */
  readonly pairing: 'in-order' | 'by-key';
  /**
   * Confidence 0..100 that `first`, the first payload seen on a connection (sent by the
   * client when `fromClient`, else by the server: MySQL greets first), belongs to this
   * protocol. `serverPort` is a hint only. 0 means certainly not.
   */
  detect(first: Uint8Array, fromClient: boolean, serverPort: number): number;
  /** A parser for one connection carried over `transport`. */
  createParser(transport: 'tcp' | 'udp'): ProtocolParser;
}
