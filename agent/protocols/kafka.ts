/**
 * Kafka: size-prefixed requests and responses paired by correlation id. The request header
 * gives api_key/api_version/correlation_id/client_id (header v2 with tagged fields in flexible
 * versions); Produce, Fetch and Metadata bodies are read for the topic and their responses for
 * the first error code, across versions including flexible ones. Other APIs are named only.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { i16, i32, u32 } from './bytes.ts';
import { KafkaReader } from './kafka-reader.ts';

const PRODUCE = 0, FETCH = 1, METADATA = 3, API_VERSIONS = 18;
/** Upper bound on a sane message; real brokers default to ~100 MB max request size. */
const MAX_MESSAGE = 128 * 1024 * 1024;

/** API name and the first flexible version (Infinity: none), per api_key. */
const APIS: Record<number, [name: string, flexibleFrom: number]> = {
  0: ['Produce', 9], 1: ['Fetch', 12], 2: ['ListOffsets', 6], 3: ['Metadata', 9], 8: ['OffsetCommit', 8],
  9: ['OffsetFetch', 6], 10: ['FindCoordinator', 3], 11: ['JoinGroup', 6], 12: ['Heartbeat', 4], 13: ['LeaveGroup', 4],
  14: ['SyncGroup', 4], 15: ['DescribeGroups', 5], 16: ['ListGroups', 3], 17: ['SaslHandshake', Infinity],
  18: ['ApiVersions', 3], 19: ['CreateTopics', 5], 20: ['DeleteTopics', 4], 22: ['InitProducerId', 2],
  36: ['SaslAuthenticate', 2], 32: ['DescribeConfigs', 4], 60: ['DescribeCluster', 0],
};

const ERROR_NAMES: Record<number, string> = {
  [-1]: 'UNKNOWN_SERVER_ERROR', 1: 'OFFSET_OUT_OF_RANGE', 2: 'CORRUPT_MESSAGE', 3: 'UNKNOWN_TOPIC_OR_PARTITION',
  5: 'LEADER_NOT_AVAILABLE', 6: 'NOT_LEADER_OR_FOLLOWER', 7: 'REQUEST_TIMED_OUT', 10: 'MESSAGE_TOO_LARGE',
  15: 'COORDINATOR_NOT_AVAILABLE', 16: 'NOT_COORDINATOR', 17: 'INVALID_TOPIC_EXCEPTION', 25: 'UNKNOWN_MEMBER_ID',
  27: 'REBALANCE_IN_PROGRESS', 29: 'TOPIC_AUTHORIZATION_FAILED', 30: 'GROUP_AUTHORIZATION_FAILED',
  35: 'UNSUPPORTED_VERSION', 36: 'TOPIC_ALREADY_EXISTS', 58: 'SASL_AUTHENTICATION_FAILED', 87: 'INVALID_RECORD',
  100: 'UNKNOWN_TOPIC_ID',
};

export const isFlexible = (apiKey: number, version: number): boolean => version >= (APIS[apiKey]?.[1] ?? Infinity);

interface Outstanding { apiKey: number; version: number }

class KafkaParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();
  /** correlation id → the request's API, needed to read a response (which does not repeat it). */
  private readonly outstanding = new Map<number, Outstanding>();

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    while (s.skip === 0 && s.buf.length >= 12) {
      const size = u32(s.buf, 0);
      if (size > MAX_MESSAGE || size < 4) { s.reset(); break; }
      // Only the head of a big message is needed (topic, first error code); the rest is skipped.
      const have = Math.min(s.buf.length, 4 + size);
      if (have < 4 + size && have < 4096) break;
      const m = meta.fromClient ? this.request(s, size, have) : this.response(s, size, have);
      s.consume(4 + size);
      if (m) out.push(m);
    }
    s.endPass();
  }

  private request(s: StreamBuffer, size: number, have: number): L7Message | undefined {
    const b = s.buf;
    const apiKey = i16(b, 4), version = i16(b, 6), correlationId = i32(b, 8);
    const api = APIS[apiKey];
    const flexible = isFlexible(apiKey, version);
    const m: L7Message = {
      type: 'request', protocol: 'Kafka', timestampNs: s.startNs, length: 4 + size, tcpSeq: s.seq,
      pairKey: correlationId, requestId: correlationId, version: String(version), requestType: api?.[0] ?? `api_${apiKey}`,
    };
    const r = new KafkaReader(b, 12, have, flexible);
    try {
      r.classicString(); // client_id
      r.taggedFields();
      if (apiKey === PRODUCE) {
        if (version >= 3) r.skipString(); // transactional_id
        const acks = r.int16();
        r.int32(); // timeout
        if (acks === 0) m.oneWay = true;
        m.requestResource = firstName(r) ?? '';
      } else if (apiKey === FETCH) {
        if (version <= 14) r.int32(); // replica_id
        r.skip(8); // max_wait_ms, min_bytes
        if (version >= 3) r.int32(); // max_bytes
        if (version >= 4) r.int8(); // isolation_level
        if (version >= 7) r.skip(8); // session_id, session_epoch
        m.requestResource = version >= 13 ? firstTopicId(r) : firstName(r) ?? '';
      } else if (apiKey === METADATA) {
        const n = r.arrayLength();
        if (n > 0) {
          if (version >= 10) r.skip(16); // topic_id
          m.requestResource = r.string() ?? '';
        }
      }
    } catch (e) {
      if (!(e instanceof RangeError)) throw e; // a truncated head: keep what was read
    }
    if (m.requestResource) m.endpoint = m.requestResource;
    if (!m.oneWay) this.outstanding.set(correlationId, { apiKey, version });
    return m;
  }

  private response(s: StreamBuffer, size: number, have: number): L7Message | undefined {
    const b = s.buf;
    const correlationId = i32(b, 4);
    const req = this.outstanding.get(correlationId);
    const m: L7Message = { type: 'response', protocol: 'Kafka', timestampNs: s.startNs, length: 4 + size, tcpSeq: s.seq, pairKey: correlationId };
    if (!req) return m; // pairing will count it as an orphan
    this.outstanding.delete(correlationId);
    // ApiVersions always answers with response header v0 so old clients can read it.
    const flexible = isFlexible(req.apiKey, req.version);
    const r = new KafkaReader(b, 8, have, flexible);
    let code: number | undefined;
    try {
      if (req.apiKey !== API_VERSIONS) r.taggedFields();
      code = errorCode(r, req.apiKey, req.version);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    if (code !== undefined) {
      m.responseCode = code;
      // DeepFlow: any non-zero Kafka error code is a server error.
      m.responseStatus = code === 0 ? 'ok' : 'server_error';
      if (code !== 0) m.responseException = ERROR_NAMES[code] ?? `error ${code}`;
    } else m.responseStatus = 'ok';
    return m;
  }
}

/** First topic name of an array of {name, ...} entries. */
function firstName(r: KafkaReader): string | undefined {
  return r.arrayLength() > 0 ? r.string() ?? undefined : undefined;
}

function firstTopicId(r: KafkaReader): string {
  if (r.arrayLength() <= 0) return '';
  let hex = '';
  for (let i = 0; i < 16; i++) hex += r.b[r.o + i]!.toString(16).padStart(2, '0');
  r.skip(16);
  return hex;
}

/** The first error code a response carries (top-level, else first topic/partition). */
function errorCode(r: KafkaReader, apiKey: number, v: number): number | undefined {
  switch (apiKey) {
    case PRODUCE: {
      if (r.arrayLength() <= 0) return 0;
      r.skipString(); // topic name
      if (r.arrayLength() <= 0) return 0;
      r.int32(); // partition index
      return r.int16();
    }
    case FETCH: {
      if (v >= 1) r.int32(); // throttle_time_ms
      if (v >= 7) { const top = r.int16(); if (top !== 0) return top; r.int32(); }
      if (r.arrayLength() <= 0) return 0;
      if (v >= 13) r.skip(16); else r.skipString();
      if (r.arrayLength() <= 0) return 0;
      r.int32(); // partition index
      return r.int16();
    }
    case METADATA: {
      if (v >= 3) r.int32(); // throttle_time_ms
      const brokers = r.arrayLength();
      for (let i = 0; i < brokers; i++) {
        r.int32(); r.skipString(); r.int32(); // node_id, host, port
        if (v >= 1) r.skipString(); // rack
        r.taggedFields();
      }
      if (v >= 2) r.skipString(); // cluster_id
      if (v >= 1) r.int32(); // controller_id
      if (r.arrayLength() <= 0) return 0;
      return r.int16();
    }
    case API_VERSIONS: case 10: case 22: case 36: case 17: case 12: case 13: case 14: case 11:
      // These start with error_code, after throttle_time_ms in the versions that have it.
      if (hasLeadingThrottle(apiKey, v)) r.int32();
      return r.int16();
    default:
      return undefined;
  }
}

function hasLeadingThrottle(apiKey: number, v: number): boolean {
  switch (apiKey) {
    case API_VERSIONS: return false; // error_code comes first in every version
    case 10: case 12: case 13: case 14: return v >= 1;
    case 11: return v >= 2;
    case 17: return false;
    case 22: return true;
    case 36: return false;
    default: return false;
  }
}

export const kafka: L7Protocol = {
  name: 'Kafka',
  transport: 'tcp',
  ports: [9092],
  pairing: 'by-key',
  detect(b, fromClient) {
    if (!fromClient || b.length < 14) return 0;
    const size = u32(b, 0), apiKey = i16(b, 4), version = i16(b, 6);
    if (size < 10 || size > MAX_MESSAGE || !APIS[apiKey] || version < 0 || version > 20) return 0;
    // client_id: nullable string that must fit in the message and be printable.
    const idLen = i16(b, 12);
    if (idLen < -1 || 14 + Math.max(0, idLen) > 4 + size) return 0;
    for (let i = 14; i < Math.min(b.length, 14 + Math.max(0, idLen)); i++) if (b[i]! < 0x20 || b[i]! > 0x7e) return 0;
    return size + 4 === b.length ? 80 : 60;
  },
  createParser: () => new KafkaParser(),
};
