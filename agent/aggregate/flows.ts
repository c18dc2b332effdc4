/**
 * Connections → `flow_log.l4_flow_log` (one row when a connection closes, and a forced report
 * every `reportEverySec` while it stays open) and `flow_metrics.network[_map].1s|1m` (bytes,
 * flows started and closed). Built from the capture events every source produces: open/close
 * and payload byte counts. Packets are counted only for packet sources (a syscall is not a
 * packet); RTT and retransmissions need packet timing this layer does not see, so they stay
 * NULL rather than be made up.
 */
import type { CaptureEvent, ConnectionEvent, PayloadEvent } from '../capture/source.ts';
import type { IngestRow } from '../ship/arrow-batch.ts';
import { putTags, tagsKey, type ResourceTags } from '../tagging/resource-tags.ts';
import { Rollup, type MetricSpec } from './rollup.ts';
import type { MetricRows } from './application.ts';
import { observationPoint } from '../observation.ts';

/** Resolves one side of a connection to its resources. */
export type SideTagger = (ip: string, pid: number) => ResourceTags;

interface Flow {
  id: number;
  clientIp: string; serverIp: string; clientPort: number; serverPort: number;
  protocol: 6 | 17;
  ownerIsClient: boolean;
  pid: number;
  startNs: bigint; lastNs: bigint; reportedNs: bigint;
  byteTx: number; byteRx: number; packetTx: number; packetRx: number;
  client?: ResourceTags; server?: ResourceTags;
  /** Rollup keys, computed once per flow (every payload event adds to four rollups). */
  serverKey?: string; edgeKey?: string;
}

const NETWORK: MetricSpec[] = ['byte_tx', 'byte_rx', 'packet_tx', 'packet_rx', 'new_flow', 'closed_flow'].map((name) => ({ name, kind: 'sum' as const }));

export interface FlowOptions {
  signalSource: 'eBPF' | 'Packet';
  tagger: SideTagger;
  /** Forced report period for long connections. Default 60 s. */
  reportEverySec?: number;
  /** UDP "connections" idle this long are closed. Default 60 s. */
  udpIdleSec?: number;
  /** TCP connections idle this long are closed as 'timeout' (their close event was lost). Default 300 s. */
  tcpIdleSec?: number;
}

export class FlowAggregator {
  private readonly flows = new Map<string, Flow>();
  private readonly rollups: { service: Rollup[]; edge: Rollup[] };
  private readonly l4: IngestRow[] = [];
  private nextId = 1;
  private readonly reportNs: bigint;
  private readonly udpIdleNs: bigint;
  private readonly tcpIdleNs: bigint;

  constructor(private readonly options: FlowOptions) {
    this.rollups = {
      service: [new Rollup('flow_metrics.network.1s', 1, NETWORK, 2), new Rollup('flow_metrics.network.1m', 60, NETWORK, 5)],
      edge: [new Rollup('flow_metrics.network_map.1s', 1, NETWORK, 2), new Rollup('flow_metrics.network_map.1m', 60, NETWORK, 5)],
    };
    this.reportNs = BigInt(options.reportEverySec ?? 60) * 1_000_000_000n;
    this.udpIdleNs = BigInt(options.udpIdleSec ?? 60) * 1_000_000_000n;
    this.tcpIdleNs = BigInt(options.tcpIdleSec ?? 300) * 1_000_000_000n;
  }

  add(events: readonly CaptureEvent[]): void {
    for (const e of events) {
      if (e.kind === 'payload') this.payload(e);
      else if (e.kind === 'open') this.open(e);
      else this.closeConnection(e, 'unknown');
    }
  }

  /** Forced reports and UDP expiry as of `nowNs`; closed windows and l4 rows. */
  close(nowNs: bigint): MetricRows[] {
    for (const [key, f] of this.flows) {
      if (nowNs - f.lastNs >= (f.protocol === 17 ? this.udpIdleNs : this.tcpIdleNs)) { this.finish(key, f, nowNs, 'timeout'); continue; }
      if (nowNs - f.reportedNs >= this.reportNs) this.report(f, nowNs, 'forced-report');
    }
    return this.drain(Number(nowNs / 1_000_000_000n));
  }

  /** End of input: every connection reports as it stands. */
  closeAll(nowNs: bigint): MetricRows[] {
    for (const f of this.flows.values()) this.report(f, nowNs, 'forced-report');
    this.flows.clear();
    return this.drain(Infinity);
  }

  get openFlows(): number {
    return this.flows.size;
  }

  private drain(nowSec: number): MetricRows[] {
    const out: MetricRows[] = [];
    if (this.l4.length > 0) out.push({ table: 'flow_log.l4_flow_log', rows: this.l4.splice(0) });
    for (const r of [...this.rollups.service, ...this.rollups.edge]) {
      const rows = r.close(nowSec);
      if (rows.length > 0) out.push({ table: r.table, rows });
    }
    return out;
  }

  private open(e: ConnectionEvent): void {
    const old = this.flows.get(e.connectionId);
    if (old) this.finish(e.connectionId, old, e.timestampNs, 'unknown');
    const f = this.create(e.connectionId, e, e.initiator ?? e.tuple.dstPort < e.tuple.srcPort);
    this.count(f, e.timestampNs, { new_flow: 1 });
  }

  private payload(e: PayloadEvent): void {
    // TLS plaintext from uprobes is a second view of bytes the socket already counted encrypted.
    if (e.tls) return;
    let f = this.flows.get(e.connectionId);
    // Opened before capture started: the well-known port is the lower one, usually the server's.
    if (!f) {
      f = this.create(e.connectionId, e, e.tuple.dstPort < e.tuple.srcPort);
      // UDP has no open: its first datagram starts the flow. A TCP flow without an open
      // started before capture did, so it is not new.
      if (f.protocol === 17) this.count(f, e.timestampNs, { new_flow: 1 });
    }
    if (e.pid && !f.pid) f.pid = e.pid;
    f.lastNs = e.timestampNs;
    const toServer = f.ownerIsClient === (e.direction === 'egress');
    const packets = this.options.signalSource === 'Packet' ? 1 : 0;
    if (toServer) { f.byteTx += e.byteCount; f.packetTx += packets; } else { f.byteRx += e.byteCount; f.packetRx += packets; }
    // Single-sided rows are the server's view: tx is what the server sent.
    this.count(f, e.timestampNs, toServer ? { byte_rx: e.byteCount, packet_rx: packets } : { byte_tx: e.byteCount, packet_tx: packets },
      toServer ? { byte_tx: e.byteCount, packet_tx: packets } : { byte_rx: e.byteCount, packet_rx: packets });
  }

  private closeConnection(e: ConnectionEvent, closeType: string): void {
    const f = this.flows.get(e.connectionId);
    if (f) this.finish(e.connectionId, f, e.timestampNs, closeType);
  }

  private create(key: string, e: { tuple: PayloadEvent['tuple']; timestampNs: bigint; pid: number }, ownerIsClient: boolean): Flow {
    const t = e.tuple;
    const f: Flow = {
      id: this.nextId++, protocol: t.ipProtocol, ownerIsClient, pid: e.pid,
      clientIp: ownerIsClient ? t.srcIp : t.dstIp, clientPort: ownerIsClient ? t.srcPort : t.dstPort,
      serverIp: ownerIsClient ? t.dstIp : t.srcIp, serverPort: ownerIsClient ? t.dstPort : t.srcPort,
      startNs: e.timestampNs, lastNs: e.timestampNs, reportedNs: e.timestampNs,
      byteTx: 0, byteRx: 0, packetTx: 0, packetRx: 0,
    };
    this.flows.set(key, f);
    return f;
  }

  private finish(key: string, f: Flow, nowNs: bigint, closeType: string): void {
    this.report(f, nowNs, closeType);
    this.count(f, nowNs, { closed_flow: 1 });
    this.flows.delete(key);
  }

  private sides(f: Flow): { client: ResourceTags; server: ResourceTags } {
    f.client ??= this.options.tagger(f.clientIp, f.ownerIsClient ? f.pid : 0);
    f.server ??= this.options.tagger(f.serverIp, f.ownerIsClient ? 0 : f.pid);
    return { client: f.client, server: f.server };
  }

  private count(f: Flow, tsNs: bigint, service: Record<string, number>, edge: Record<string, number> = service): void {
    const { client, server } = this.sides(f);
    const sec = Number(tsNs / 1_000_000_000n);
    const serverKey = f.serverKey ??= tagsKey(server) + `${f.protocol}\x1f${f.serverPort}\x1f${f.ownerIsClient ? 'c' : 's'}`;
    const edgeKey = f.edgeKey ??= tagsKey(client) + serverKey;
    const common = (): IngestRow => ({ protocol: f.protocol === 6 ? 'TCP' : 'UDP', server_port: f.serverPort, observation_point: observationPoint(f.ownerIsClient, this.options.signalSource), signal_source: this.options.signalSource });
    for (const r of this.rollups.service) r.add(sec, serverKey, () => putTags(common(), server, ''), service);
    for (const r of this.rollups.edge) r.add(sec, edgeKey, () => putTags(putTags(common(), client, '_0'), server, '_1'), edge);
  }

  private report(f: Flow, nowNs: bigint, closeType: string): void {
    const { client, server } = this.sides(f);
    const endUs = Number(nowNs / 1000n);
    const row: IngestRow = {
      time: endUs, flow_id: f.id, ip_0: f.clientIp, ip_1: f.serverIp, client_port: f.clientPort, server_port: f.serverPort,
      protocol: f.protocol === 6 ? 'TCP' : 'UDP', observation_point: observationPoint(f.ownerIsClient, this.options.signalSource), signal_source: this.options.signalSource,
      close_type: closeType, start_time: Number(f.startNs / 1000n), end_time: endUs,
      byte_tx: f.byteTx, byte_rx: f.byteRx, duration: Number((nowNs - f.startNs) / 1000n),
      ...(this.options.signalSource === 'Packet' ? { packet_tx: f.packetTx, packet_rx: f.packetRx } : {}),
    };
    this.l4.push(putTags(putTags(row, client, '_0'), server, '_1'));
    f.byteTx = f.byteRx = f.packetTx = f.packetRx = 0;
    f.reportedNs = nowNs;
  }
}
