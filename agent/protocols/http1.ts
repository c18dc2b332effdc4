/**
 * HTTP/1.x: request and status lines, the headers the row needs, and message framing
 * (Content-Length, chunked, HEAD/1xx/204/304 without body, read-until-close) so keep-alive
 * and pipelined messages are split correctly. Bodies are skipped, never buffered.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { ascii, equalsLower, indexOfCrlf, indexOfHeaderEnd, text } from './bytes.ts';
import { parseTraceparent } from './trace-context.ts';
import { httpStatusClass } from './http-status.ts';

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'];
/** Headers larger than this are not HTTP we can use: resynchronise instead of buffering. */
const MAX_HEAD = 64 * 1024;

type BodyState = 'head' | 'chunk-size' | 'chunk-trailer';

interface Head {
  contentLength: number;
  chunked: boolean;
  host?: string;
  traceparent?: string;
  xRequestId?: string;
}

class Direction {
  readonly s = new StreamBuffer();
  state: BodyState = 'head';
  /** The message whose body is being read; emitted when the body ends. */
  pending: L7Message | undefined;
}

class Http1Parser implements ProtocolParser {
  private readonly req = new Direction();
  private readonly resp = new Direction();
  /** Methods of requests not yet answered, so a HEAD response is known to have no body. */
  private readonly methods: string[] = [];
  /** After 101 Switching Protocols (WebSocket, h2c upgrade) the bytes are no longer HTTP/1. */
  private upgraded = false;

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    if (this.upgraded) return;
    const d = meta.fromClient ? this.req : this.resp;
    d.s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    this.drain(d, meta.fromClient, out);
    // Bytes the capture dropped inside chunked framing: report the message as far as it was read.
    if (d.s.endPass() && d.pending) this.finish(d, out);
  }

  private drain(d: Direction, isRequest: boolean, out: L7Message[]): void {
    const s = d.s;
    while (s.skip === 0 && s.buf.length > 0) {
      if (d.state === 'head') {
        if (!this.readHead(d, isRequest, out)) return;
      } else if (d.state === 'chunk-size') {
        const b = s.buf;
        const eol = indexOfCrlf(b, 0);
        if (eol < 0) { if (b.length > 1024) s.reset(); return; }
        let size = 0;
        for (let i = 0; i < eol; i++) {
          const c = b[i]!;
          const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (v < 0) break;
          size = size * 16 + v;
        }
        d.pending!.length += eol + 2;
        s.consume(eol + 2);
        if (size === 0) d.state = 'chunk-trailer';
        else { d.pending!.length += size + 2; s.consume(size + 2); }
      } else {
        // Trailer lines end with an empty line; most chunked bodies have none.
        const b = s.buf;
        const eol = indexOfCrlf(b, 0);
        if (eol < 0) return;
        d.pending!.length += eol + 2;
        s.consume(eol + 2);
        if (eol === 0) this.finish(d, out);
      }
    }
  }

  /** Parses one start line and header block; false when more bytes are needed. */
  private readHead(d: Direction, isRequest: boolean, out: L7Message[]): boolean {
    const s = d.s;
    const b = s.buf;
    const end = indexOfHeaderEnd(b, 0);
    if (end < 0) { if (b.length > MAX_HEAD) s.reset(); return false; }
    const lineEnd = indexOfCrlf(b, 0, end + 2);
    const msg: L7Message = { type: isRequest ? 'request' : 'response', protocol: 'HTTP', timestampNs: s.startNs, length: end + 4, tcpSeq: s.seq };
    let method = '';
    if (isRequest) {
      const sp1 = b.indexOf(32, 0);
      const sp2 = sp1 < 0 ? -1 : b.indexOf(32, sp1 + 1);
      if (sp1 < 0 || sp2 < 0 || sp2 > lineEnd) { s.reset(); return false; }
      method = ascii(b, 0, sp1);
      msg.requestType = method;
      const target = text(b, sp1 + 1, sp2, 2048);
      const q = target.indexOf('?');
      msg.requestResource = target;
      msg.endpoint = q < 0 ? target : target.slice(0, q);
      msg.version = ascii(b, sp2 + 6, lineEnd);
      this.methods.push(method);
    } else {
      // "HTTP/1.1 200 OK"
      if (lineEnd < 12 || b[0] !== 72) { s.reset(); return false; }
      msg.version = ascii(b, 5, 8);
      const code = (b[9]! - 48) * 100 + (b[10]! - 48) * 10 + (b[11]! - 48);
      msg.responseCode = code;
      msg.responseStatus = httpStatusClass(code);
      if (msg.responseStatus !== 'ok') msg.responseException = ascii(b, 13, lineEnd);
    }
    const head = readHeaders(b, lineEnd + 2, end + 2);
    if (head.host !== undefined) msg.requestDomain = head.host;
    if (head.xRequestId !== undefined) msg.xRequestId = head.xRequestId;
    if (head.traceparent !== undefined) {
      const t = parseTraceparent(head.traceparent);
      if (t) { msg.traceId = t.traceId; msg.spanId = t.spanId; }
    }
    s.consume(end + 4);

    let bodyless = false;
    let reqMethod = '';
    if (!isRequest) {
      const code = msg.responseCode!;
      if (code === 101) { this.upgraded = true; this.methods.shift(); out.push(msg); return false; }
      if (code >= 100 && code < 200) return true; // interim (100 Continue): the real answer follows
      reqMethod = this.methods.shift() ?? '';
      bodyless = code === 204 || code === 304 || reqMethod === 'HEAD';
    }
    d.pending = msg;
    if (bodyless) { this.finish(d, out); return true; }
    if (head.chunked) { d.state = 'chunk-size'; return true; }
    if (head.contentLength >= 0) {
      msg.length += head.contentLength;
      s.consume(head.contentLength);
      this.finish(d, out);
      return true;
    }
    // A request without Content-Length or chunking has no body (RFC 9112 §6.3).
    if (!isRequest && reqMethod !== 'CONNECT') {
      // No framing: the body runs to the end of the connection. Report what we know now.
      s.skip = Number.POSITIVE_INFINITY;
      s.buf = new Uint8Array(0);
    }
    this.finish(d, out);
    return true;
  }

  private finish(d: Direction, out: L7Message[]): void {
    out.push(d.pending!);
    d.pending = undefined;
    d.state = 'head';
  }
}

function readHeaders(b: Uint8Array, from: number, end: number): Head {
  const h: Head = { contentLength: -1, chunked: false };
  let i = from;
  while (i < end) {
    const eol = indexOfCrlf(b, i, end + 2);
    if (eol < 0 || eol === i) break;
    const colon = b.indexOf(58, i);
    if (colon > i && colon < eol) {
      let v0 = colon + 1;
      while (v0 < eol && (b[v0] === 32 || b[v0] === 9)) v0++;
      let v1 = eol;
      while (v1 > v0 && (b[v1 - 1] === 32 || b[v1 - 1] === 9)) v1--;
      switch (colon - i) {
        case 4: if (equalsLower(b, i, colon, 'host')) h.host = ascii(b, v0, v1); break;
        case 11: if (equalsLower(b, i, colon, 'traceparent')) h.traceparent = ascii(b, v0, v1); break;
        case 12: if (equalsLower(b, i, colon, 'x-request-id')) h.xRequestId = ascii(b, v0, v1); break;
        case 14:
          if (equalsLower(b, i, colon, 'content-length')) {
            let n = 0;
            for (let k = v0; k < v1; k++) n = n * 10 + (b[k]! - 48);
            h.contentLength = n;
          }
          break;
        case 17:
          if (equalsLower(b, i, colon, 'transfer-encoding')) h.chunked = equalsLower(b, v1 - 7, v1, 'chunked');
          break;
      }
    }
    i = eol + 2;
  }
  if (h.chunked) h.contentLength = -1; // RFC 9112 §6.3: chunked wins over Content-Length
  return h;
}

export const http1: L7Protocol = {
  name: 'HTTP',
  transport: 'tcp',
  ports: [80, 8080, 8000],
  pairing: 'in-order',
  detect(first, fromClient) {
    if (!fromClient) return 0;
    const sp = first.indexOf(32, 0);
    if (sp < 3 || sp > 7) return 0;
    const m = ascii(first, 0, sp);
    if (!METHODS.includes(m)) return 0;
    const eol = indexOfCrlf(first, sp, Math.min(first.length, 4096));
    if (eol < 0) return 40;
    return ascii(first, eol - 8, eol - 3) === 'HTTP/' ? 95 : 0;
  },
  createParser: () => new Http1Parser(),
};
