/**
 * Redis RESP2/RESP3: requests are arrays of bulk strings (or inline commands); responses are
 * any RESP value, skipped structurally so pipelined replies stay in step. RESP3 push messages
 * ('>') are not replies and attributes ('|') precede one; neither counts as a response.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { ascii, indexOfCrlf, text } from './bytes.ts';

const MAX_RESOURCE = 256;

/** Reads "<digits>\r\n" at `at`; returns [value, index after CRLF] or undefined. */
function readLineNumber(b: Uint8Array, at: number): [number, number] | undefined {
  const eol = indexOfCrlf(b, at);
  if (eol < 0) return undefined;
  let n = 0, neg = false, i = at;
  if (b[i] === 45) { neg = true; i++; }
  for (; i < eol; i++) n = n * 10 + (b[i]! - 48);
  return [neg ? -n : n, eol + 2];
}

interface Parsed { end: number; error?: string; push: boolean; attribute: boolean }

/** Skips one complete RESP value at 0; undefined when it is not all there yet. */
function skipValue(b: Uint8Array): Parsed | undefined {
  let i = 0;
  let remaining = 1;
  let error: string | undefined;
  const first = b[0];
  while (remaining > 0) {
    if (i >= b.length) return undefined;
    const t = b[i]!;
    const eol = indexOfCrlf(b, i + 1);
    if (eol < 0) return undefined;
    remaining--;
    switch (t) {
      case 0x2d: // '-' simple error
        if (i === 0) error = ascii(b, 1, Math.min(eol, 1 + MAX_RESOURCE));
        i = eol + 2; break;
      case 0x24: case 0x3d: case 0x21: { // '$' bulk, '=' verbatim, '!' bulk error
        const n = readLineNumber(b, i + 1)!;
        if (n[0] < 0) { i = n[1]; break; }
        if (n[1] + n[0] + 2 > b.length) return undefined;
        if (t === 0x21 && i === 0) error = text(b, n[1], n[1] + n[0], MAX_RESOURCE);
        i = n[1] + n[0] + 2; break;
      }
      case 0x2a: case 0x7e: case 0x3e: { // '*' array, '~' set, '>' push
        const n = readLineNumber(b, i + 1)!;
        if (n[0] > 0) remaining += n[0];
        i = n[1]; break;
      }
      case 0x25: case 0x7c: { // '%' map, '|' attribute: key and value per entry
        const n = readLineNumber(b, i + 1)!;
        remaining += 2 * n[0];
        if (t === 0x7c && i === 0) remaining++; // the attribute decorates the value after it
        i = n[1]; break;
      }
      default: // '+', ':', '_', ',', '#', '(' : one line
        i = eol + 2;
    }
  }
  return { end: i, error, push: first === 0x3e, attribute: first === 0x7c };
}

class RedisParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    while (s.skip === 0 && s.buf.length > 0) {
      const ok = meta.fromClient ? this.request(s, out) : this.response(s, out);
      if (!ok) break;
    }
    s.endPass();
  }

  private request(s: StreamBuffer, out: L7Message[]): boolean {
    const b = s.buf;
    const msg: L7Message = { type: 'request', protocol: 'Redis', timestampNs: s.startNs, length: 0, tcpSeq: s.seq };
    if (b[0] !== 0x2a) {
      // Inline command: "PING\r\n"
      const eol = indexOfCrlf(b, 0);
      if (eol < 0) return false;
      // Redis ignores empty inline lines (redis-cli --pipe sends one before its ECHO).
      if (eol === 0) { s.consume(2); return true; }
      const line = ascii(b, 0, Math.min(eol, MAX_RESOURCE));
      const sp = line.indexOf(' ');
      msg.requestType = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      msg.requestResource = sp < 0 ? '' : line.slice(sp + 1);
      msg.length = eol + 2;
    } else {
      const head = readLineNumber(b, 1);
      if (!head) return false;
      let i = head[1];
      let resource = '';
      for (let k = 0; k < head[0]; k++) {
        if (b[i] !== 0x24) { s.reset(); return false; }
        const n = readLineNumber(b, i + 1);
        if (!n || n[1] + n[0] + 2 > b.length) return false;
        if (k === 0) msg.requestType = ascii(b, n[1], n[1] + Math.min(n[0], 32)).toUpperCase();
        else if (resource.length < MAX_RESOURCE) resource += (k > 1 ? ' ' : '') + text(b, n[1], n[1] + n[0], MAX_RESOURCE - resource.length);
        i = n[1] + n[0] + 2;
      }
      msg.requestResource = resource;
      msg.length = i;
    }
    msg.endpoint = msg.requestType;
    s.consume(msg.length);
    out.push(msg);
    return true;
  }

  private response(s: StreamBuffer, out: L7Message[]): boolean {
    const start = s.startNs;
    const seq = s.seq;
    const p = skipValue(s.buf);
    if (!p) return false;
    s.consume(p.end);
    if (p.push || p.attribute) return true;
    out.push({
      type: 'response', protocol: 'Redis', timestampNs: start, length: p.end, tcpSeq: seq,
      responseStatus: p.error !== undefined ? 'server_error' : 'ok',
      ...(p.error !== undefined ? { responseException: p.error } : {}),
    });
    return true;
  }
}

const INLINE = new Set(['PING', 'GET', 'SET', 'INFO', 'QUIT', 'AUTH', 'HELLO', 'SELECT', 'KEYS', 'DEL']);

export const redis: L7Protocol = {
  name: 'Redis',
  transport: 'tcp',
  ports: [6379],
  pairing: 'in-order',
  detect(b, fromClient) {
    if (!fromClient || b.length < 4) return 0;
    if (b[0] === 0x2a) {
      const eol = indexOfCrlf(b, 1, Math.min(b.length, 16));
      return eol > 1 && b[eol + 2] === 0x24 ? 90 : 0;
    }
    // Inline command: a short known word, then a space or the line end.
    let end = 0;
    while (end < 8 && end < b.length && b[end] !== 32 && b[end] !== 13) end++;
    if (end === 0 || (b[end] !== 32 && b[end] !== 13)) return 0;
    return INLINE.has(ascii(b, 0, end).toUpperCase()) ? 55 : 0;
  },
  createParser: () => new RedisParser(),
};
