/**
 * Turns decoded packets into capture events: per-flow TCP reassembly (sequence ordering,
 * retransmitted and overlapping bytes dropped, out-of-order segments held until the gap
 * fills), SYN → open and FIN/RST → close events, and UDP datagrams as they come. Payload
 * direction is relative to the connection's initiator, who plays the socket owner:
 * 'egress' is client → server.
 */
import type { CaptureEvent, FourTuple } from './source.ts';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from './packet.ts';

/** Out-of-order bytes held per direction before the gap is given up on. */
const MAX_PENDING_BYTES = 1 << 20;

interface Segment { seq: number; data: Uint8Array; ts: bigint }

interface HalfStream {
  nextSeq: number | undefined;
  pending: Segment[];
  pendingBytes: number;
  fin: boolean;
}

interface Flow {
  id: string;
  /** Client perspective: src is the initiator. */
  tuple: FourTuple;
  toServer: HalfStream;
  toClient: HalfStream;
  closed: boolean;
  /** The client's initial sequence number: a SYN with another one is a new connection. */
  clientIsn: number | undefined;
}

export interface ReassemblyStats { retransmittedBytes: number; gapBytes: number }

export class FlowTable {
  private readonly flows = new Map<string, Flow>();
  readonly stats: ReassemblyStats = { retransmittedBytes: 0, gapBytes: 0 };

  handle(p: DecodedPacket, ts: bigint, out: CaptureEvent[]): void {
    if (p.ipProtocol === 17) { this.udp(p, ts, out); return; }
    const key = flowKey(p);
    let flow = this.flows.get(key);
    const syn = (p.flags & TCP_SYN) !== 0;
    const ack = (p.flags & TCP_ACK) !== 0;
    if (syn && !ack) {
      // A fresh SYN on a known 4-tuple is a new connection reusing the ports.
      if (flow && (flow.closed || flow.clientIsn !== p.seq)) {
        this.close(flow, ts, out);
        flow = undefined;
      }
      if (!flow) {
        flow = newFlow(p, true);
        this.flows.set(key, flow);
        out.push({ kind: 'open', timestampNs: ts, pid: 0, fd: -1, connectionId: flow.id, tuple: flow.tuple, initiator: true });
      }
      flow.toServer.nextSeq = (p.seq + 1) >>> 0;
      flow.clientIsn = p.seq;
      return;
    }
    if (!flow) {
      if (syn) flow = newFlow(p, false); // SYN-ACK: the sender is the server
      else if (p.payload.length > 0) flow = newFlow(p, guessSenderIsClient(p));
      else return;
      this.flows.set(key, flow);
      out.push({ kind: 'open', timestampNs: ts, pid: 0, fd: -1, connectionId: flow.id, tuple: flow.tuple, initiator: true });
    }
    const fromClient = p.srcIp === flow.tuple.srcIp && p.srcPort === flow.tuple.srcPort;
    const half = fromClient ? flow.toServer : flow.toClient;
    if (syn) { half.nextSeq = (p.seq + 1) >>> 0; return; }
    if (p.payload.length > 0) this.data(flow, half, fromClient, p.seq, p.payload, ts, out);
    if (p.flags & TCP_RST) { this.close(flow, ts, out); this.flows.delete(key); return; }
    if (p.flags & TCP_FIN) {
      half.fin = true;
      if (flow.toServer.fin && flow.toClient.fin) { this.close(flow, ts, out); this.flows.delete(key); }
    }
  }

  /** Emits held out-of-order bytes of every flow (end of a capture file). */
  flush(out: CaptureEvent[]): void {
    for (const flow of this.flows.values()) {
      this.drainGap(flow, flow.toServer, true, out);
      this.drainGap(flow, flow.toClient, false, out);
    }
  }

  private data(flow: Flow, half: HalfStream, fromClient: boolean, seq: number, payload: Uint8Array, ts: bigint, out: CaptureEvent[]): void {
    if (half.nextSeq === undefined) half.nextSeq = seq;
    const rel = (seq - half.nextSeq) | 0;
    if (rel > 0) {
      // A gap: hold the segment until the missing bytes arrive (or give up when too much piles up).
      half.pending.push({ seq, data: payload, ts });
      half.pendingBytes += payload.length;
      if (half.pendingBytes > MAX_PENDING_BYTES) this.drainGap(flow, half, fromClient, out);
      return;
    }
    let d = payload;
    if (rel < 0) {
      if (-rel >= d.length) { this.stats.retransmittedBytes += d.length; return; }
      this.stats.retransmittedBytes += -rel;
      d = d.subarray(-rel);
    }
    this.emit(flow, half, fromClient, d, ts, out);
    this.drainReady(flow, half, fromClient, out);
  }

  private emit(flow: Flow, half: HalfStream, fromClient: boolean, d: Uint8Array, ts: bigint, out: CaptureEvent[]): void {
    out.push({
      kind: 'payload', timestampNs: ts, pid: 0, tid: 0, fd: -1, connectionId: flow.id, tuple: flow.tuple,
      direction: fromClient ? 'egress' : 'ingress', byteCount: d.length, data: d, tcpSeq: half.nextSeq,
    });
    half.nextSeq = (half.nextSeq! + d.length) >>> 0;
  }

  /** Emits held segments that now continue the stream. */
  private drainReady(flow: Flow, half: HalfStream, fromClient: boolean, out: CaptureEvent[]): void {
    let progressed = true;
    while (progressed && half.pending.length > 0) {
      progressed = false;
      for (let i = 0; i < half.pending.length; i++) {
        const s = half.pending[i]!;
        const rel = (s.seq - half.nextSeq!) | 0;
        if (rel > 0) continue;
        half.pending.splice(i, 1);
        half.pendingBytes -= s.data.length;
        if (-rel < s.data.length) this.emit(flow, half, fromClient, s.data.subarray(-rel), s.ts, out);
        else this.stats.retransmittedBytes += s.data.length;
        progressed = true;
        break;
      }
    }
  }

  /** Skips the hole before the earliest held segment and emits what follows. */
  private drainGap(flow: Flow, half: HalfStream, fromClient: boolean, out: CaptureEvent[]): void {
    while (half.pending.length > 0) {
      let first = half.pending[0]!;
      for (const s of half.pending) if (((s.seq - first.seq) | 0) < 0) first = s;
      this.stats.gapBytes += (first.seq - half.nextSeq!) >>> 0;
      half.nextSeq = first.seq;
      this.drainReady(flow, half, fromClient, out);
    }
  }

  private close(flow: Flow, ts: bigint, out: CaptureEvent[]): void {
    if (flow.closed) return;
    this.drainGap(flow, flow.toServer, true, out);
    this.drainGap(flow, flow.toClient, false, out);
    flow.closed = true;
    out.push({ kind: 'close', timestampNs: ts, pid: 0, fd: -1, connectionId: flow.id, tuple: flow.tuple });
  }

  private readonly udpClients = new Map<string, Flow>();

  private udp(p: DecodedPacket, ts: bigint, out: CaptureEvent[]): void {
    const key = flowKey(p);
    let flow = this.udpClients.get(key);
    if (!flow) {
      flow = newFlow(p, guessSenderIsClient(p));
      this.udpClients.set(key, flow);
    }
    const fromClient = p.srcIp === flow.tuple.srcIp && p.srcPort === flow.tuple.srcPort;
    out.push({
      kind: 'payload', timestampNs: ts, pid: 0, tid: 0, fd: -1, connectionId: flow.id, tuple: flow.tuple,
      direction: fromClient ? 'egress' : 'ingress', byteCount: p.payload.length, data: p.payload,
    });
  }
}

function flowKey(p: DecodedPacket): string {
  const a = `${p.srcIp}:${p.srcPort}`;
  const b = `${p.dstIp}:${p.dstPort}`;
  return a < b ? `${p.ipProtocol}/${a}/${b}` : `${p.ipProtocol}/${b}/${a}`;
}

/** Mid-stream (no SYN seen): the side on the well-known, lower port is the server. */
function guessSenderIsClient(p: DecodedPacket): boolean {
  return !(p.srcPort < p.dstPort && p.srcPort < 49152);
}

function newFlow(p: DecodedPacket, senderIsClient: boolean): Flow {
  const tuple: FourTuple = senderIsClient
    ? { srcIp: p.srcIp, srcPort: p.srcPort, dstIp: p.dstIp, dstPort: p.dstPort, ipProtocol: p.ipProtocol }
    : { srcIp: p.dstIp, srcPort: p.dstPort, dstIp: p.srcIp, dstPort: p.srcPort, ipProtocol: p.ipProtocol };
  const proto = p.ipProtocol === 6 ? 'tcp' : 'udp';
  return {
    id: `${proto}:${tuple.srcIp}:${tuple.srcPort}-${tuple.dstIp}:${tuple.dstPort}`,
    tuple,
    toServer: { nextSeq: undefined, pending: [], pendingBytes: 0, fin: false },
    toClient: { nextSeq: undefined, pending: [], pendingBytes: 0, fin: false },
    closed: false,
    clientIsn: undefined,
  };
}
