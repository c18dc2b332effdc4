/**
 * From capture events to l7_flow_log rows: tracks connections, detects each connection's
 * protocol on its first payload, feeds its parser, pairs requests with responses and expires
 * unanswered requests. Source-agnostic: eBPF, AF_PACKET and pcap replay all feed it.
 */
import type { CaptureEvent, ConnectionEvent, PayloadEvent } from './capture/source.ts';
import type { L7FlowLog } from './l7-record.ts';
import type { L7Message, L7Protocol, ProtocolParser } from './protocols/protocol.ts';
import { PROTOCOLS } from './protocols/registry.ts';
import { Pairer, type ConnectionInfo } from './pairing.ts';

export interface L7PipelineOptions {
  protocols?: readonly L7Protocol[];
  /** A request unanswered for this long becomes a 'timeout' row. Default 30 s. */
  timeoutMs?: number;
  signalSource?: 'eBPF' | 'Packet';
  /** Payloads tried for detection before a connection is ignored. Default 4. */
  detectAttempts?: number;
  /** Minimum detection confidence (0..100). Default 50. */
  minConfidence?: number;
  /**
   * A TCP connection silent this long is forgotten (its pending requests become timeouts):
   * a close event lost to a full ring buffer must not keep it forever. Default 5 min.
   */
  tcpIdleMs?: number;
}

interface Connection {
  info: ConnectionInfo;
  /** Undefined until known: set by an open event, else by detection. */
  ownerIsClient: boolean | undefined;
  protocol: L7Protocol | undefined;
  parser: ProtocolParser | undefined;
  pairer: Pairer | undefined;
  attempts: number;
  ignored: boolean;
  lastNs: bigint;
  /** tuple of the socket owner's view, to orient ip_0/ip_1. */
  tuple: PayloadEvent['tuple'];
  /** Whole payloads no protocol recognised yet, one direction: a message read in pieces. */
  held: PayloadEvent | undefined;
}

/** Bytes kept for detection across reads; message starts fit, bulk data does not need to. */
const MAX_HELD = 4096;

export class L7Pipeline {
  private readonly conns = new Map<string, Connection>();
  private readonly protocols: readonly L7Protocol[];
  private readonly timeoutNs: bigint;
  private readonly signalSource: 'eBPF' | 'Packet';
  private readonly maxAttempts: number;
  private readonly minConfidence: number;
  private readonly tcpIdleNs: bigint;
  private readonly messages: L7Message[] = [];
  private nowNs = 0n;
  private lastExpireNs = 0n;
  /** Expiry scans every connection, so it runs at most this often (capture time). */
  private readonly expireEveryNs: bigint;
  readonly counters = { payloads: 0, messages: 0, rows: 0, undetected: 0, parseErrors: 0 };
  /** The most recent parse error, for diagnostics. */
  lastError = '';

  constructor(options: L7PipelineOptions = {}) {
    this.protocols = options.protocols ?? PROTOCOLS;
    this.timeoutNs = BigInt(options.timeoutMs ?? 30_000) * 1_000_000n;
    this.signalSource = options.signalSource ?? 'eBPF';
    this.maxAttempts = options.detectAttempts ?? 4;
    this.minConfidence = options.minConfidence ?? 50;
    this.tcpIdleNs = BigInt(options.tcpIdleMs ?? 300_000) * 1_000_000n;
    this.expireEveryNs = this.timeoutNs / 10n;
  }

  /** Consumes a batch; returns the rows it completed (pairs, timeouts, closed connections). */
  process(events: readonly CaptureEvent[]): L7FlowLog[] {
    const rows: L7FlowLog[] = [];
    const emit = (r: L7FlowLog): void => { rows.push(r); };
    for (const e of events) {
      if (e.timestampNs > this.nowNs) this.nowNs = e.timestampNs;
      if (e.kind === 'payload') this.payload(e, emit);
      else this.connection(e, emit);
    }
    if (this.nowNs - this.lastExpireNs >= this.expireEveryNs) {
      this.lastExpireNs = this.nowNs;
      this.expire(this.nowNs, emit);
    }
    this.counters.rows += rows.length;
    return rows;
  }

  /** Connections tracked now (health metrics). */
  get connections(): number {
    return this.conns.size;
  }

  /** End of input: every pending request becomes a timeout row. */
  flush(): L7FlowLog[] {
    const rows: L7FlowLog[] = [];
    for (const c of this.conns.values()) c.pairer?.closeAll(c.info, (r) => rows.push(r));
    this.conns.clear();
    this.counters.rows += rows.length;
    return rows;
  }

  private expire(nowNs: bigint, emit: (r: L7FlowLog) => void): void {
    for (const [id, c] of this.conns) {
      c.pairer?.expire(nowNs, c.info, emit);
      // UDP has no close: forget idle connections with nothing pending.
      if (c.tuple.ipProtocol === 17 && (c.pairer?.pending ?? 0) === 0 && nowNs - c.lastNs > this.timeoutNs) this.conns.delete(id);
      else if (c.tuple.ipProtocol === 6 && nowNs - c.lastNs > this.tcpIdleNs) { c.pairer?.closeAll(c.info, emit); this.conns.delete(id); }
    }
  }

  private connection(e: ConnectionEvent, emit: (r: L7FlowLog) => void): void {
    if (e.kind === 'open') {
      const old = this.conns.get(e.connectionId);
      if (old) { old.pairer?.closeAll(old.info, emit); this.conns.delete(e.connectionId); }
      const c = this.newConnection(e.connectionId, e.tuple, e.timestampNs);
      c.ownerIsClient = e.initiator;
      if (c.ownerIsClient !== undefined) this.orient(c, c.ownerIsClient);
      c.info.clientPid = c.info.serverPid = 0;
      if (e.pid) this.setPid(c, e.pid, 0, undefined);
      return;
    }
    const c = this.conns.get(e.connectionId);
    if (!c) return;
    c.pairer?.closeAll(c.info, emit);
    this.conns.delete(e.connectionId);
  }

  private payload(e: PayloadEvent, emit: (r: L7FlowLog) => void): void {
    this.counters.payloads++;
    let c = this.conns.get(e.connectionId);
    if (!c) { c = this.newConnection(e.connectionId, e.tuple, e.timestampNs); }
    c.lastNs = e.timestampNs;
    if (c.ignored || e.data.length === 0) return;
    if (!c.protocol) {
      e = joinHeld(c, e);
      if (!this.detect(c, e)) {
        // Servers may read a message in pieces (dnsmasq reads DNS over TCP's length prefix a
        // byte at a time): keep what was not recognised to try again with the next piece.
        c.held = !c.ignored && e.data.length === e.byteCount && e.byteCount < MAX_HELD ? e : undefined;
        return;
      }
      c.held = undefined;
    }
    const fromClient = c.ownerIsClient === (e.direction === 'egress');
    if (e.pid) this.setPid(c, e.pid, e.tid, e.comm);
    if (e.tid) { if (c.ownerIsClient) c.info.clientTid = e.tid; else c.info.serverTid = e.tid; }
    const msgs = this.messages;
    msgs.length = 0;
    try {
      c.parser!.feed(e.data, { fromClient, timestampNs: e.timestampNs, tcpSeq: e.tcpSeq, byteCount: e.byteCount }, msgs);
    } catch (err) {
      // Bytes the parser cannot follow (a corrupt HPACK block, say): stop parsing this
      // connection rather than emit rows built on a desynchronised stream.
      c.ignored = true;
      this.counters.parseErrors++;
      this.lastError = err instanceof Error ? err.message : String(err);
      return;
    }
    this.counters.messages += msgs.length;
    for (const m of msgs) c.pairer!.add(m, c.info, emit);
  }

  /** Tries each protocol on the payload, in both roles when the owner's role is unknown. */
  private detect(c: Connection, e: PayloadEvent): boolean {
    const egress = e.direction === 'egress';
    const roles = c.ownerIsClient === undefined ? [egress, !egress] : [c.ownerIsClient === egress];
    let best: L7Protocol | undefined;
    let bestScore = 0;
    let bestFromClient = true;
    for (const fromClient of roles) {
      const serverPort = (c.ownerIsClient ?? fromClient === egress) ? e.tuple.dstPort : e.tuple.srcPort;
      for (const p of this.protocols) {
        if (p.transport !== 'both' && (p.transport === 'tcp') !== (e.tuple.ipProtocol === 6)) continue;
        let score = p.detect(e.data, fromClient, serverPort);
        if (score > 0 && p.ports.includes(serverPort)) score = Math.min(100, score + 10);
        if (score > bestScore) { best = p; bestScore = score; bestFromClient = fromClient; }
      }
    }
    if (!best || bestScore < this.minConfidence) {
      if (++c.attempts >= this.maxAttempts) { c.ignored = true; this.counters.undetected++; }
      return false;
    }
    if (c.ownerIsClient === undefined) {
      c.ownerIsClient = bestFromClient === egress;
      this.orient(c, c.ownerIsClient);
    }
    c.protocol = best;
    c.parser = best.createParser(e.tuple.ipProtocol === 6 ? 'tcp' : 'udp');
    c.pairer = new Pairer(best.pairing, this.timeoutNs);
    return true;
  }

  private newConnection(id: string, tuple: PayloadEvent['tuple'], ts: bigint): Connection {
    const c: Connection = {
      info: {
        clientIp: tuple.srcIp, serverIp: tuple.dstIp, clientPort: tuple.srcPort, serverPort: tuple.dstPort,
        ipProtocol: tuple.ipProtocol, observedAtClient: true, signalSource: this.signalSource,
        clientPid: 0, serverPid: 0, clientComm: '', serverComm: '', clientTid: 0, serverTid: 0,
      },
      ownerIsClient: undefined, protocol: undefined, parser: undefined, pairer: undefined,
      attempts: 0, ignored: false, lastNs: ts, tuple, held: undefined,
    };
    this.conns.set(id, c);
    return c;
  }

  /** ip_0/client_port are the client's whichever side the capture sat on. */
  private orient(c: Connection, ownerIsClient: boolean): void {
    const t = c.tuple;
    const i = c.info;
    i.observedAtClient = ownerIsClient;
    if (ownerIsClient) { i.clientIp = t.srcIp; i.clientPort = t.srcPort; i.serverIp = t.dstIp; i.serverPort = t.dstPort; }
    else { i.clientIp = t.dstIp; i.clientPort = t.dstPort; i.serverIp = t.srcIp; i.serverPort = t.srcPort; }
  }

  private setPid(c: Connection, pid: number, _tid: number, comm: string | undefined): void {
    if (c.ownerIsClient === false) { c.info.serverPid = pid; if (comm) c.info.serverComm = comm; }
    else { c.info.clientPid = pid; if (comm) c.info.clientComm = comm; }
  }
}

/** `e` after the held payload when both are whole and go the same way, else `e` alone. */
function joinHeld(c: Connection, e: PayloadEvent): PayloadEvent {
  const h = c.held;
  c.held = undefined;
  if (!h || h.direction !== e.direction || e.data.length !== e.byteCount) return e;
  const data = new Uint8Array(h.data.length + e.data.length);
  data.set(h.data);
  data.set(e.data, h.data.length);
  return { ...e, data, byteCount: h.byteCount + e.byteCount, timestampNs: h.timestampNs, tcpSeq: h.tcpSeq };
}
