/**
 * Decodes a batch of `struct mtf_event` records (native/bpf/socket_trace.h) into capture
 * events. A batch is the records back to back, each a 96-byte header plus `cap_len` bytes.
 * Tuples are from the socket owner's side: src = local, dst = remote, whatever the direction
 * (the same convention the packet sources use with the initiator as owner).
 */
import type { CaptureEvent, Direction, FourTuple, PayloadEvent } from './source.ts';

/** Byte offsets in struct mtf_event. */
export const REC = {
  TS_NS: 0, CONN_ID: 8, PID: 16, TID: 20, FD: 24, BYTE_COUNT: 28, CAP_LEN: 32, SPORT: 36, DPORT: 38,
  SADDR: 40, DADDR: 56, FAMILY: 72, PROTOCOL: 73, KIND: 74, DIRECTION: 75, FLAGS: 76, CALL: 77,
  COMM: 80, DATA: 96,
} as const;
export const HEADER_BYTES = REC.DATA;

export const KIND = { PAYLOAD: 0, OPEN: 1, CLOSE: 2 } as const;
export const FLAG = { TLS: 1, INITIATOR: 2, TUPLE_UNKNOWN: 4 } as const;
const AF_INET = 2;
const AF_INET6 = 10;
const DIRECTIONS: Direction[] = ['egress', 'ingress'];

/** IPv4 dotted quad; IPv6 in RFC 5952 form, IPv4-mapped addresses shown as plain IPv4. */
export function formatAddress(b: Uint8Array, family: number): string {
  if (family === AF_INET) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (family !== AF_INET6) return '';
  const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
  if (mapped) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i]! << 8) | b[i + 1]!);
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  return best < 0 ? hex(g) : `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/**
 * Connection ids: `sk-<hex>` names the kernel socket (stable while it lives). TLS plaintext
 * gets its own stream, `sk-<hex>/tls`, so parsers never see ciphertext and plaintext
 * interleaved; when the socket could not be found, the SSL object stands in (per process).
 */
function connectionId(connId: bigint, flags: number, pid: number): string {
  const hex = connId.toString(16);
  if (!(flags & FLAG.TLS)) return `sk-${hex}`;
  return flags & FLAG.TUPLE_UNKNOWN ? `ssl-${pid}-${hex}/tls` : `sk-${hex}/tls`;
}

/** Per-socket facts that only change when the socket does (or an unconnected UDP peer). */
interface SocketEntry {
  high: number; ports: number; peer: number; protoFamily: number; flagsKey: number;
  tuple: FourTuple; connectionId: string;
}

const CACHE_LIMIT = 65536;

/**
 * Decodes batches into events. Tuples, connection ids and process names are cached per socket
 * and per process and re-checked against the record's raw fields, because building strings for
 * every record would cost more than the kernel spent capturing it.
 */
export class TracerDecoder {
  private readonly sockets = new Map<number, SocketEntry>();
  /** pid -> comm, with the raw 16 bytes (as 4 words) it was decoded from. */
  private readonly comms = new Map<number, { a: number; b: number; d: number; e: number; comm: string }>();

  /** `clockOffsetNs` turns the kernel's monotonic timestamps into Unix time. */
  constructor(private readonly clockOffsetNs: bigint) {}

  /**
   * Payloads are views into the batch, not copies: one allocation per batch instead of one per
   * event. Parsers copy what they keep past a payload (StreamBuffer.endPass), so the batch is
   * freed with its last event.
   */
  decode(batch: ArrayBuffer, out: CaptureEvent[] = []): CaptureEvent[] {
    const bytes = new Uint8Array(batch);
    const view = new DataView(batch);
    let at = 0;
    while (at + HEADER_BYTES <= bytes.length) {
      const capLen = view.getUint32(at + REC.CAP_LEN, true);
      if (at + HEADER_BYTES + capLen > bytes.length) break; // a torn record cannot happen; stop rather than misread
      const kind = bytes[at + REC.KIND]!;
      const flags = bytes[at + REC.FLAGS]!;
      const pid = view.getUint32(at + REC.PID, true);
      const timestampNs = view.getBigUint64(at + REC.TS_NS, true) + this.clockOffsetNs;
      const fd = view.getInt32(at + REC.FD, true);
      const sock = this.socket(bytes, view, at, flags, pid);
      if (kind === KIND.PAYLOAD) {
        const e: PayloadEvent = {
          kind: 'payload', timestampNs, pid, tid: view.getUint32(at + REC.TID, true), fd,
          connectionId: sock.connectionId, tuple: sock.tuple,
          direction: DIRECTIONS[bytes[at + REC.DIRECTION]! & 1]!,
          byteCount: view.getUint32(at + REC.BYTE_COUNT, true),
          data: bytes.subarray(at + HEADER_BYTES, at + HEADER_BYTES + capLen),
          comm: this.comm(bytes, view, at, pid),
        };
        if (flags & FLAG.TLS) e.tls = true;
        out.push(e);
      } else if (kind === KIND.OPEN || kind === KIND.CLOSE) {
        out.push({
          kind: kind === KIND.OPEN ? 'open' : 'close', timestampNs, pid, fd, connectionId: sock.connectionId, tuple: sock.tuple,
          ...(kind === KIND.OPEN ? { initiator: (flags & FLAG.INITIATOR) !== 0 } : {}),
        });
      }
      at += HEADER_BYTES + capLen;
    }
    return out;
  }

  private socket(bytes: Uint8Array, view: DataView, at: number, flags: number, pid: number): SocketEntry {
    const low = view.getUint32(at + REC.CONN_ID, true);
    const high = view.getUint32(at + REC.CONN_ID + 4, true);
    const ports = view.getUint32(at + REC.SPORT, true);
    const peer = view.getUint32(at + REC.DADDR, true) ^ view.getUint32(at + REC.DADDR + 12, true);
    const protoFamily = view.getUint16(at + REC.FAMILY, true);
    const flagsKey = flags & (FLAG.TLS | FLAG.TUPLE_UNKNOWN);
    const key = flagsKey & FLAG.TUPLE_UNKNOWN ? -1 - ((low ^ pid) >>> 0) : low; // SSL* ids are per process
    const known = this.sockets.get(key);
    if (known && known.high === high && known.ports === ports && known.peer === peer &&
        known.protoFamily === protoFamily && known.flagsKey === flagsKey) return known;
    const family = bytes[at + REC.FAMILY]!;
    const entry: SocketEntry = {
      high, ports, peer, protoFamily, flagsKey,
      tuple: {
        srcIp: formatAddress(bytes.subarray(at + REC.SADDR, at + REC.SADDR + 16), family),
        srcPort: view.getUint16(at + REC.SPORT, true),
        dstIp: formatAddress(bytes.subarray(at + REC.DADDR, at + REC.DADDR + 16), family),
        dstPort: view.getUint16(at + REC.DPORT, true),
        ipProtocol: bytes[at + REC.PROTOCOL] === 17 ? 17 : 6,
      },
      connectionId: connectionId(view.getBigUint64(at + REC.CONN_ID, true), flags, pid),
    };
    if (this.sockets.size >= CACHE_LIMIT) this.sockets.clear();
    this.sockets.set(key, entry);
    return entry;
  }

  private comm(bytes: Uint8Array, view: DataView, at: number, pid: number): string {
    const c = at + REC.COMM;
    const a = view.getUint32(c, true), b = view.getUint32(c + 4, true), d = view.getUint32(c + 8, true), e = view.getUint32(c + 12, true);
    const known = this.comms.get(pid);
    if (known && known.a === a && known.b === b && known.d === d && known.e === e) return known.comm;
    let end = c;
    while (end < c + 16 && bytes[end] !== 0) end++;
    const comm = Buffer.from(bytes.buffer, bytes.byteOffset + c, end - c).toString('latin1');
    if (this.comms.size >= CACHE_LIMIT) this.comms.clear();
    this.comms.set(pid, { a, b, d, e, comm });
    return comm;
  }
}

/** Decodes one batch without caches kept across batches (tests, tools). */
export function decodeTracerBatch(batch: ArrayBuffer, clockOffsetNs: bigint, out: CaptureEvent[] = []): CaptureEvent[] {
  return new TracerDecoder(clockOffsetNs).decode(batch, out);
}
