/**
 * Dubbo 2 (the "dubbo" protocol): a 16-byte header — magic 0xdabb, flags (request, two-way,
 * event, serialization id), status, 64-bit request id, body length — then a Hessian2 body
 * whose first strings are the dubbo version, service path, service version and method name.
 * Heartbeat events are not calls. Paired by request id.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import type { ResponseStatus } from '../l7-record.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { u16, u32 } from './bytes.ts';
import { parseTraceparent } from './trace-context.ts';

const HEADER = 16;
const MAGIC = 0xdabb;
const FLAG_REQUEST = 0x80, FLAG_TWO_WAY = 0x40, FLAG_EVENT = 0x20;
const SERIALIZATION_HESSIAN2 = 2;
const MAX_BODY = 8 * 1024 * 1024;

const STATUS_NAMES: Record<number, string> = {
  20: 'OK', 30: 'CLIENT_TIMEOUT', 31: 'SERVER_TIMEOUT', 40: 'BAD_REQUEST', 50: 'BAD_RESPONSE', 60: 'SERVICE_NOT_FOUND',
  70: 'SERVICE_ERROR', 80: 'SERVER_ERROR', 90: 'CLIENT_ERROR', 100: 'SERVER_THREADPOOL_EXHAUSTED_ERROR',
};

/** DeepFlow: 20 ok; 30/40/90 the client's fault; 31/50/60/70/80/100 the server's. */
function statusClass(s: number): ResponseStatus {
  if (s === 20) return 'ok';
  if (s === 30 || s === 40 || s === 90) return 'client_error';
  return STATUS_NAMES[s] ? 'server_error' : 'unknown';
}

/**
 * A Hessian2 string at `o` (compact 0x00-0x1f, medium 0x30-0x33, 'S' final chunk, 'R'
 * non-final chunks). Lengths count UTF-16 units, so non-ASCII is walked as UTF-8.
 */
export function readHessianString(b: Uint8Array, o: number): [string, number] | undefined {
  let out = '';
  for (;;) {
    if (o >= b.length) return undefined;
    const t = b[o]!;
    let len: number;
    let last = true;
    if (t <= 0x1f) { len = t; o += 1; }
    else if (t >= 0x30 && t <= 0x33) { if (o + 1 >= b.length) return undefined; len = ((t - 0x30) << 8) | b[o + 1]!; o += 2; }
    else if (t === 0x53 || t === 0x52) { if (o + 2 >= b.length) return undefined; len = u16(b, o + 1); o += 3; last = t === 0x53; }
    else if (t === 0x4e) return ['', o + 1]; // null
    else return undefined;
    const start = o;
    for (let units = 0; units < len; units++) {
      if (o >= b.length) return undefined;
      const c = b[o]!;
      if (c < 0x80) o += 1;
      else if (c < 0xe0) o += 2;
      else if (c < 0xf0) o += 3;
      else { o += 4; units++; } // a surrogate pair: two UTF-16 units
    }
    if (o > b.length) return undefined;
    out += Buffer.from(b.buffer, b.byteOffset + start, o - start).toString('utf8');
    if (last) return [out, o];
  }
}

const TRACEPARENT = Uint8Array.from([0x0b, ...Buffer.from('traceparent')]);

/** The traceparent attachment, found by its key rather than by decoding every argument. */
function findTraceparent(b: Uint8Array, from: number): string | undefined {
  const i = Buffer.from(b.buffer, b.byteOffset, b.length).indexOf(TRACEPARENT, from);
  if (i < 0) return undefined;
  return readHessianString(b, i + TRACEPARENT.length)?.[0];
}

class DubboParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    while (s.skip === 0 && s.buf.length >= HEADER) {
      const b = s.buf;
      if (u16(b, 0) !== MAGIC) { s.reset(); break; }
      const bodyLen = u32(b, 12);
      if (bodyLen > MAX_BODY) { s.reset(); break; }
      // The service and method names sit at the front of the body: 512 bytes are plenty.
      const need = HEADER + Math.min(bodyLen, 512);
      if (b.length < need && b.length < HEADER + bodyLen) break;
      const m = this.message(s, b.subarray(0, Math.min(b.length, HEADER + bodyLen)), bodyLen);
      s.consume(HEADER + bodyLen);
      if (m) out.push(m);
    }
    s.endPass();
  }

  private message(s: StreamBuffer, b: Uint8Array, bodyLen: number): L7Message | undefined {
    const flags = b[2]!;
    if (flags & FLAG_EVENT) return undefined; // heartbeat
    // Request ids are 64-bit; ids past 2^53 lose their low bits, fine as a pairing key per connection.
    const id = u32(b, 4) * 2 ** 32 + u32(b, 8);
    const m: L7Message = {
      type: flags & FLAG_REQUEST ? 'request' : 'response', protocol: 'Dubbo', timestampNs: s.startNs,
      length: HEADER + bodyLen, tcpSeq: s.seq, pairKey: id, requestId: id,
    };
    if (m.type === 'response') {
      const status = b[3]!;
      m.responseCode = status;
      m.responseStatus = statusClass(status);
      if (status !== 20) m.responseException = readHessianString(b, HEADER)?.[0] || STATUS_NAMES[status] || `status ${status}`;
      return m;
    }
    if (!(flags & FLAG_TWO_WAY)) m.oneWay = true;
    if ((flags & 0x1f) !== SERIALIZATION_HESSIAN2) return m;
    const version = readHessianString(b, HEADER);
    const service = version && readHessianString(b, version[1]);
    const serviceVersion = service && readHessianString(b, service[1]);
    const method = serviceVersion && readHessianString(b, serviceVersion[1]);
    if (version) m.version = version[0];
    if (service) m.requestResource = service[0];
    if (method) {
      m.requestType = method[0];
      m.endpoint = `${service![0]}/${method[0]}`;
      const tp = findTraceparent(b, method[1]);
      const t = tp === undefined ? undefined : parseTraceparent(tp);
      if (t) { m.traceId = t.traceId; m.spanId = t.spanId; }
    }
    return m;
  }
}

export const dubbo: L7Protocol = {
  name: 'Dubbo',
  transport: 'tcp',
  ports: [20880],
  pairing: 'by-key',
  detect(b, fromClient) {
    if (b.length < HEADER || u16(b, 0) !== MAGIC) return 0;
    const flags = b[2]!;
    return fromClient === ((flags & FLAG_REQUEST) !== 0) ? 95 : 0;
  },
  createParser: () => new DubboParser(),
};
