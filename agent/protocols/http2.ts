/**
 * HTTP/2 (RFC 9113) over cleartext or decrypted TLS: the client preface, frame headers,
 * HEADERS/CONTINUATION blocks through HPACK, and per-stream state. A stream's request is
 * emitted when the client ends its side (or the first response arrives), its response when
 * the server ends its side (trailers included, for grpc-status). Streams whose request
 * content-type is application/grpc are gRPC.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { startsWith, u16, u24, u32 } from './bytes.ts';
import { HpackDecoder, UNKNOWN_FIELD, type HeaderField } from './hpack.ts';
import { httpStatusClass } from './http-status.ts';
import { grpcStatusClass, GRPC_CODE_NAMES } from './grpc-status.ts';
import { parseTraceparent } from './trace-context.ts';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';
const FRAME_HEADER = 9;
const DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PUSH_PROMISE = 5, CONTINUATION = 9;
const END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4, PADDED = 0x8, PRIORITY = 0x20;
const SETTINGS_HEADER_TABLE_SIZE = 1;
/** Frames larger than this are not HTTP/2 we understand (max SETTINGS_MAX_FRAME_SIZE). */
const MAX_FRAME = (1 << 24) - 1;

interface Stream {
  request: L7Message;
  requestEmitted: boolean;
  requestEnded: boolean;
  response: L7Message | undefined;
  grpc: boolean;
}

class Side {
  readonly s = new StreamBuffer();
  readonly hpack = new HpackDecoder();
  /** Header block being continued: stream, fragments so far, whether it ends the stream. */
  block: { streamId: number; parts: Uint8Array[]; endStream: boolean; ts: bigint; seq: number | undefined } | undefined;
  prefaceChecked = false;
}

class Http2Parser implements ProtocolParser {
  private readonly client = new Side();
  private readonly server = new Side();
  private readonly streams = new Map<number, Stream>();

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const side = meta.fromClient ? this.client : this.server;
    const s = side.s;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    if (meta.fromClient && !side.prefaceChecked) {
      if (s.buf.length < PREFACE.length && PREFACE.startsWith(String.fromCharCode(...s.buf))) return;
      side.prefaceChecked = true;
      if (startsWith(s.buf, PREFACE)) s.consume(PREFACE.length);
    }
    while (s.skip === 0 && s.buf.length >= FRAME_HEADER) {
      const b = s.buf;
      const len = u24(b, 0);
      if (len > MAX_FRAME) { s.reset(); break; }
      if (b[3] === DATA) {
        // A body is never read: pass over it by count, so one larger than a payload, or one
        // the capture truncated, does not take the frames behind it (gRPC trailers) along.
        this.data(meta.fromClient, b[4]!, u32(b, 5) & 0x7fffffff, len, out);
        s.consume(FRAME_HEADER + len);
        continue;
      }
      if (b.length < FRAME_HEADER + len) break;
      const ts = s.startNs;
      const seq = s.seq;
      this.frame(side, meta.fromClient, b[3]!, b[4]!, u32(b, 5) & 0x7fffffff, b.subarray(FRAME_HEADER, FRAME_HEADER + len), ts, seq, out);
      s.consume(FRAME_HEADER + len);
    }
    if (s.endPass()) {
      side.hpack.lost();
      side.block = undefined;
      if (!meta.fromClient) this.responsesCut(out);
    }
  }

  /**
   * The capture cut a server payload short (it copies the first bytes of each syscall only),
   * so the ends of streams whose responses had begun may be lost: a client that reads
   * HEADERS, a large DATA and the trailers in one syscall never shows its grpc-status. Those
   * responses are closed now with what was seen; a gRPC one without its trailers has no
   * status to give ('unknown'), rather than becoming a timeout when the connection closes.
   */
  private responsesCut(out: L7Message[]): void {
    for (const [id, st] of this.streams) {
      if (!st.response) continue;
      if (st.grpc) { st.response.responseCode = undefined; st.response.responseStatus = 'unknown'; }
      this.endSide(id, false, out);
    }
  }

  private frame(side: Side, fromClient: boolean, type: number, flags: number, id: number, p: Uint8Array, ts: bigint, seq: number | undefined, out: L7Message[]): void {
    const size = FRAME_HEADER + p.length;
    switch (type) {
      case HEADERS: {
        let o = 0, end = p.length;
        if (flags & PADDED) { end -= p[0]!; o = 1; }
        if (flags & PRIORITY) o += 5;
        side.block = { streamId: id, parts: [p.subarray(o, Math.max(o, end))], endStream: (flags & END_STREAM) !== 0, ts, seq };
        this.account(fromClient, id, size);
        if (flags & END_HEADERS) this.endBlock(side, fromClient, out);
        return;
      }
      case CONTINUATION:
        if (!side.block || side.block.streamId !== id) return;
        side.block.parts.push(p);
        this.account(fromClient, id, size);
        if (flags & END_HEADERS) this.endBlock(side, fromClient, out);
        return;
      case PUSH_PROMISE: {
        // The promised request's headers still go through this side's HPACK table.
        let o = 4, end = p.length;
        if (flags & PADDED) { end -= p[0]!; o = 5; }
        if (flags & END_HEADERS) this.decode(side, [p.subarray(o, end)]);
        return;
      }
      case RST_STREAM: {
        const st = this.streams.get(id);
        if (!st) return;
        if (!st.requestEmitted) { st.requestEmitted = true; out.push(st.request); }
        if (st.response) out.push(st.response);
        this.streams.delete(id);
        return;
      }
      case SETTINGS:
        if (!(flags & ACK)) {
          // The peer's header table size bounds what *this* side's encoder may use towards it.
          for (let o = 0; o + 6 <= p.length; o += 6) {
            if (u16(p, o) === SETTINGS_HEADER_TABLE_SIZE) (fromClient ? this.server : this.client).hpack.setProtocolMax(u32(p, o + 2));
          }
        }
        return;
      default:
        return; // DATA is passed over in feed(); PRIORITY, PING, GOAWAY, WINDOW_UPDATE carry nothing for the row
    }
  }

  private data(fromClient: boolean, flags: number, id: number, len: number, out: L7Message[]): void {
    this.account(fromClient, id, FRAME_HEADER + len);
    if (flags & END_STREAM) this.endSide(id, fromClient, out);
  }

  /** Adds a frame's bytes to the message its stream is building on this side. */
  private account(fromClient: boolean, id: number, size: number): void {
    const st = this.streams.get(id);
    if (!st) return;
    if (fromClient) st.request.length += size;
    else if (st.response) st.response.length += size;
  }

  private decode(side: Side, parts: Uint8Array[]): HeaderField[] {
    let block = parts[0]!;
    if (parts.length > 1) {
      block = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
      let o = 0;
      for (const x of parts) { block.set(x, o); o += x.length; }
    }
    return side.hpack.decode(block);
  }

  private endBlock(side: Side, fromClient: boolean, out: L7Message[]): void {
    const blk = side.block!;
    side.block = undefined;
    const fields = this.decode(side, blk.parts);
    const frameBytes = blk.parts.reduce((n, x) => n + x.length + FRAME_HEADER, 0);
    if (fromClient) {
      let st = this.streams.get(blk.streamId);
      if (!st) {
        st = { request: this.request(fields, blk.streamId, blk.ts, blk.seq, frameBytes), requestEmitted: false, requestEnded: false, response: undefined, grpc: false };
        st.grpc = st.request.protocol === 'gRPC';
        this.streams.set(blk.streamId, st);
      } // else: request trailers; their bytes were already counted
    } else {
      const st = this.streams.get(blk.streamId);
      if (!st) return;
      if (!st.response) {
        st.response = { type: 'response', protocol: st.grpc ? 'gRPC' : 'HTTP2', timestampNs: blk.ts, length: frameBytes, tcpSeq: blk.seq, pairKey: blk.streamId, version: '2' };
        if (!st.requestEmitted) { st.requestEmitted = true; out.push(st.request); }
      }
      applyResponseFields(st.response, fields);
      // Trailers that end a gRPC stream without a readable grpc-status (it referred to a
      // table entry lost with bytes the capture cut): the status is not known.
      if (st.grpc && blk.endStream && !fields.some(([n]) => n === 'grpc-status') && fields.some(([n]) => n === UNKNOWN_FIELD)) {
        st.response.responseCode = undefined;
        st.response.responseStatus = 'unknown';
        st.response.responseException = undefined;
      }
    }
    if (blk.endStream) this.endSide(blk.streamId, fromClient, out);
  }

  private request(fields: HeaderField[], id: number, ts: bigint, seq: number | undefined, length: number): L7Message {
    const m: L7Message = { type: 'request', protocol: 'HTTP2', timestampNs: ts, length, tcpSeq: seq, pairKey: id, requestId: id, version: '2' };
    for (const [name, value] of fields) {
      switch (name) {
        case ':method': m.requestType = value; break;
        case ':path': { m.requestResource = value; const q = value.indexOf('?'); m.endpoint = q < 0 ? value : value.slice(0, q); break; }
        case ':authority': m.requestDomain = value; break;
        case 'host': m.requestDomain ??= value; break;
        case 'content-type': if (value.startsWith('application/grpc')) m.protocol = 'gRPC'; break;
        case 'traceparent': { const t = parseTraceparent(value); if (t) { m.traceId = t.traceId; m.spanId = t.spanId; } break; }
        case 'x-request-id': m.xRequestId = value; break;
      }
    }
    return m;
  }

  private endSide(id: number, fromClient: boolean, out: L7Message[]): void {
    const st = this.streams.get(id);
    if (!st) return;
    if (fromClient) {
      st.requestEnded = true;
      if (!st.requestEmitted) { st.requestEmitted = true; out.push(st.request); }
      return;
    }
    if (!st.requestEmitted) { st.requestEmitted = true; out.push(st.request); }
    if (st.response) out.push(st.response);
    this.streams.delete(id);
  }
}

/**
 * :status, then gRPC trailers (grpc-status/grpc-message) override it when present. The
 * message is read whatever the header order, and only for a failed call: grpc-js sends
 * `grpc-message: OK` with status 0, which is no exception.
 */
function applyResponseFields(m: L7Message, fields: HeaderField[]): void {
  let grpcMessage = '';
  let grpcStatus: number | undefined;
  for (const [name, value] of fields) {
    if (name === ':status') {
      const code = Number(value);
      if (m.responseCode === undefined) { m.responseCode = code; m.responseStatus = httpStatusClass(code); }
    } else if (name === 'grpc-status') grpcStatus = Number(value);
    else if (name === 'grpc-message') grpcMessage = value;
    else if (name === 'x-request-id') m.xRequestId = value;
  }
  if (grpcStatus === undefined) return;
  m.protocol = 'gRPC';
  m.responseCode = grpcStatus;
  m.responseStatus = grpcStatusClass(grpcStatus);
  if (grpcStatus !== 0) m.responseException = grpcMessage !== '' ? decodeURIComponentSafe(grpcMessage) : GRPC_CODE_NAMES[grpcStatus] ?? `grpc-status ${grpcStatus}`;
}

/** grpc-message is percent-encoded (gRPC over HTTP/2 spec). */
function decodeURIComponentSafe(v: string): string {
  try { return decodeURIComponent(v); } catch { return v; }
}

export const http2: L7Protocol = {
  name: 'HTTP2',
  transport: 'tcp',
  ports: [50051, 8443],
  pairing: 'by-key',
  detect(b, fromClient) {
    if (!fromClient) return 0;
    if (startsWith(b, PREFACE.slice(0, Math.min(PREFACE.length, b.length))) && b.length >= 14) return 100;
    // Mid-connection (eBPF attaches late): a HEADERS frame on an odd stream with END_HEADERS.
    if (b.length >= FRAME_HEADER && b[3] === HEADERS && (u32(b, 5) & 1) === 1 && u24(b, 0) + FRAME_HEADER <= b.length + 16384) return 30;
    return 0;
  },
  createParser: () => new Http2Parser(),
};
