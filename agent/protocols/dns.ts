/**
 * DNS over UDP (one message per datagram) and TCP (two-byte length prefix, RFC 1035 §4.2.2):
 * question name and type from queries; RCODE and answer records from responses. Paired by
 * the message ID.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import type { ResponseStatus } from '../l7-record.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { u16 } from './bytes.ts';

const HEADER = 12;
const QTYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV',
  35: 'NAPTR', 41: 'OPT', 43: 'DS', 46: 'RRSIG', 48: 'DNSKEY', 64: 'SVCB', 65: 'HTTPS', 255: 'ANY',
};
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

/** DeepFlow: RCODE 0 ok; 1 (FORMERR) and 3 (NXDOMAIN) the client's fault; the rest the server's. */
function rcodeStatus(rcode: number): ResponseStatus {
  if (rcode === 0) return 'ok';
  return rcode === 1 || rcode === 3 ? 'client_error' : 'server_error';
}

/** Reads a (possibly compressed) name at `at`; returns [name, offset after it] or undefined. */
function readName(b: Uint8Array, at: number): [string, number] | undefined {
  let name = '';
  let i = at;
  let after = -1;
  for (let hops = 0; hops < 64; hops++) {
    if (i >= b.length) return undefined;
    const len = b[i]!;
    if (len === 0) { return [name === '' ? '.' : name, after < 0 ? i + 1 : after]; }
    if ((len & 0xc0) === 0xc0) {
      if (i + 1 >= b.length) return undefined;
      if (after < 0) after = i + 2;
      i = ((len & 0x3f) << 8) | b[i + 1]!;
      continue;
    }
    if (i + 1 + len > b.length) return undefined;
    if (name !== '') name += '.';
    for (let k = i + 1; k <= i + len; k++) name += String.fromCharCode(b[k]!);
    i += 1 + len;
  }
  return undefined;
}

function rdataText(b: Uint8Array, type: number, at: number, len: number): string | undefined {
  if (type === 1 && len === 4) return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
  if (type === 28 && len === 16) {
    const g: string[] = [];
    for (let k = 0; k < 8; k++) g.push(u16(b, at + 2 * k).toString(16));
    return g.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  }
  if (type === 5 || type === 2 || type === 12) return readName(b, at)?.[0];
  return undefined;
}

/** Parses one DNS message occupying all of `b`. */
export function parseDnsMessage(b: Uint8Array, ts: bigint, length: number, tcpSeq: number | undefined): L7Message | undefined {
  if (b.length < HEADER) return undefined;
  const id = u16(b, 0);
  const flags = u16(b, 2);
  const qd = u16(b, 4);
  const an = u16(b, 6);
  const isResponse = (flags & 0x8000) !== 0;
  const msg: L7Message = { type: isResponse ? 'response' : 'request', protocol: 'DNS', timestampNs: ts, length, tcpSeq, pairKey: id, requestId: id };
  let o = HEADER;
  if (qd > 0) {
    const q = readName(b, o);
    if (!q || q[1] + 4 > b.length) return undefined;
    const qtype = u16(b, q[1]);
    msg.requestType = QTYPES[qtype] ?? String(qtype);
    msg.requestResource = msg.requestDomain = q[0];
    o = q[1] + 4;
    for (let k = 1; k < qd; k++) { const n = readName(b, o); if (!n) return undefined; o = n[1] + 4; }
  }
  if (isResponse) {
    const rcode = flags & 0x0f;
    msg.responseCode = rcode;
    msg.responseStatus = rcodeStatus(rcode);
    if (rcode !== 0) msg.responseException = RCODES[rcode] ?? `RCODE${rcode}`;
    const answers: string[] = [];
    for (let k = 0; k < an && o < b.length; k++) {
      const n = readName(b, o);
      if (!n || n[1] + 10 > b.length) break;
      const type = u16(b, n[1]);
      const rdlen = u16(b, n[1] + 8);
      const rd = n[1] + 10;
      if (rd + rdlen > b.length) break;
      const v = rdataText(b, type, rd, rdlen);
      if (v !== undefined) answers.push(`${QTYPES[type] ?? type}=${v}`);
      o = rd + rdlen;
    }
    msg.responseResult = answers.join(';');
  }
  return msg;
}

class DnsParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();
  constructor(private readonly tcp: boolean) {}

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    if (!this.tcp) {
      const m = parseDnsMessage(data, meta.timestampNs, meta.byteCount, undefined);
      if (m) out.push(m);
      return;
    }
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    while (s.skip === 0 && s.buf.length >= 2) {
      const len = u16(s.buf, 0);
      if (s.buf.length < 2 + len) break;
      const m = parseDnsMessage(s.buf.subarray(2, 2 + len), s.startNs, 2 + len, s.seq);
      s.consume(2 + len);
      if (m) out.push(m);
    }
    s.endPass();
  }
}

/** A query: header sane (QR=0, standard opcode, one question, no answers) and a readable name. */
function looksLikeQuery(b: Uint8Array): boolean {
  if (b.length < HEADER + 5) return false;
  const flags = u16(b, 2);
  if (flags & 0x8000 || ((flags >> 11) & 0xf) > 2) return false;
  if (u16(b, 4) !== 1 || u16(b, 6) !== 0) return false;
  const q = readName(b, HEADER);
  return q !== undefined && q[1] + 4 <= b.length;
}

export const dns: L7Protocol = {
  name: 'DNS',
  transport: 'both',
  ports: [53, 5353],
  pairing: 'by-key',
  detect(b, fromClient, serverPort) {
    if (!fromClient) return 0;
    // TCP carries a length prefix equal to the rest of the first segment.
    if (b.length >= 2 && u16(b, 0) === b.length - 2 && looksLikeQuery(b.subarray(2))) return 75;
    if (looksLikeQuery(b)) return serverPort === 53 ? 80 : 60;
    return 0;
  },
  createParser: (transport) => new DnsParser(transport === 'tcp'),
};
