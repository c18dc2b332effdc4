import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPcapEvents } from './capture/pcap.ts';
import type { CaptureEvent, PayloadEvent } from './capture/source.ts';
import { L7Pipeline } from './l7-pipeline.ts';
import type { L7FlowLog } from './l7-record.ts';
import { fixturePath } from './protocols/fixtures/replay.ts';

const run = (events: CaptureEvent[], options = {}): L7FlowLog[] => {
  const p = new L7Pipeline({ timeoutMs: 500, ...options });
  return [...p.process(events), ...p.flush()];
};
const summary = (rows: L7FlowLog[]): string[] => rows.map((r) => `${r.ip_0}:${r.client_port}>${r.server_port} ${r.l7_protocol} ${r.request_type} ${r.endpoint} ${r.response_status} ${r.response_code}`);

/** The same traffic as an eBPF probe on the *server* process would see it: no connect event, directions from the server's socket. */
function asServerSocket(events: CaptureEvent[], pid: number): CaptureEvent[] {
  return events.filter((e): e is PayloadEvent => e.kind === 'payload').map((e) => ({
    ...e, pid, tid: pid + 1, comm: 'redis-server',
    direction: e.direction === 'egress' ? 'ingress' : 'egress',
    tuple: { srcIp: e.tuple.dstIp, srcPort: e.tuple.dstPort, dstIp: e.tuple.srcIp, dstPort: e.tuple.srcPort, ipProtocol: e.tuple.ipProtocol },
  }));
}

test('pipeline: without connect events the client side is inferred from the protocol (server-side socket)', async () => {
  const events = await readPcapEvents(fixturePath('redis'));
  const packet = run(events, { signalSource: 'Packet' });
  const ebpf = run(asServerSocket(events, 4242), { signalSource: 'eBPF' });
  assert.deepEqual(summary(ebpf), summary(packet));
  assert.ok(ebpf.every((r) => r.observation_point === 's-p' && r.signal_source === 'eBPF'));
  assert.ok(ebpf.every((r) => r.process_id_1 === 4242 && r.process_kname_1 === 'redis-server' && r.syscall_thread_1 === 4243 && r.process_id_0 === 0));
  assert.ok(packet.every((r) => r.observation_point === 'c' && r.signal_source === 'Packet'));
});

test('pipeline: MySQL, whose server speaks first, is detected from the greeting on either socket', async () => {
  const events = await readPcapEvents(fixturePath('mysql'));
  assert.deepEqual(summary(run(asServerSocket(events, 7))), summary(run(events)));
});

test('pipeline: payloads truncated by the capture (eBPF copies 1 KiB) keep messages in step', async () => {
  const events = await readPcapEvents(fixturePath('http1'));
  const truncated = events.map((e) => (e.kind === 'payload' && e.data.length > 512 ? { ...e, data: e.data.subarray(0, 512) } : e));
  assert.ok(truncated.some((e) => e.kind === 'payload' && e.byteCount > e.data.length));
  const full = run(events);
  const cut = run(truncated);
  assert.deepEqual(summary(cut), summary(full));
  // Lengths come from framing, so they survive truncation, except inside a chunked body,
  // whose chunk-size lines were among the dropped bytes: that message ends where reading stopped.
  const chunkedPost = 4;
  const lengths = (rows: L7FlowLog[]): number[][] => rows.filter((_, i) => i !== chunkedPost).map((r) => [r.request_length, r.response_length]);
  assert.deepEqual(lengths(cut), lengths(full));
  assert.ok(cut[chunkedPost]!.request_length >= 512 && cut[chunkedPost]!.request_length < full[chunkedPost]!.request_length);
});

test('pipeline: an unanswered request times out once capture time passes the timeout', async () => {
  const events = (await readPcapEvents(fixturePath('http1'))).filter((e) => e.kind !== 'close');
  const p = new L7Pipeline({ timeoutMs: 200 });
  const live = p.process(events); // no flush: the timeout comes from later traffic's clock
  const slow = live.find((r) => r.endpoint === '/slow');
  assert.ok(slow, 'the /slow request expired during processing');
  assert.equal(slow.response_status, 'timeout');
  assert.equal(live.length, 12);
  assert.equal(p.flush().length, 0);
});

test('pipeline: bytes no parser recognises leave the connection alone', () => {
  const tuple = { srcIp: '10.0.0.1', srcPort: 40000, dstIp: '10.0.0.2', dstPort: 7777, ipProtocol: 6 as const };
  const junk: CaptureEvent[] = Array.from({ length: 6 }, (_, i) => ({
    kind: 'payload', timestampNs: BigInt(i) * 1000n, pid: 1, tid: 1, fd: 3, connectionId: 'x', tuple,
    direction: i % 2 ? 'ingress' : 'egress', byteCount: 8, data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, i]),
  }));
  const p = new L7Pipeline();
  assert.deepEqual(p.process(junk), []);
  assert.equal(p.counters.undetected, 1);
});

test('pipeline: a corrupt HTTP/2 header block stops that connection only, with a counted error', async () => {
  const events = await readPcapEvents(fixturePath('http2'));
  // Corrupt the first HEADERS frame of the gRPC connection: an HPACK index far past both tables.
  // The gRPC client's connection is the last one opened (paths are Huffman-coded, not greppable).
  const grpcConn = events.filter((e) => e.kind === 'open').at(-1)!.connectionId;
  const broken = events.map((e) => {
    if (e.kind !== 'payload' || e.connectionId !== grpcConn || e.direction !== 'egress') return e;
    const d = Uint8Array.from(e.data);
    for (let i = 0; i + 9 < d.length; i++) {
      if (d[i + 3] === 1 && d[i + 5] === 0 && d[i + 8] === 1) { d[i + 9] = 0xff; d[i + 10] = 0xff; d[i + 11] = 0x7f; return { ...e, data: d }; }
    }
    return e;
  });
  const p = new L7Pipeline();
  const rows = [...p.process(broken), ...p.flush()];
  assert.equal(p.counters.parseErrors, 1);
  assert.match(p.lastError, /index/);
  assert.deepEqual(rows.map((r) => r.endpoint), ['/hello', '/missing']);
});

test('pipeline: a query read in pieces (dnsmasq reads the TCP length prefix byte by byte) is still detected', async () => {
  const server = asServerSocket(await readPcapEvents(fixturePath('dns')), 9);
  const isTcpQuery = (e: CaptureEvent): e is PayloadEvent => e.kind === 'payload' && e.tuple.ipProtocol === 6 && e.direction === 'ingress';
  const pieces = server.flatMap((e): CaptureEvent[] => {
    if (!isTcpQuery(e)) return [e];
    const at = (from: number, to: number, dt: bigint): PayloadEvent => ({ ...e, data: e.data.slice(from, to), byteCount: to - from, timestampNs: e.timestampNs + dt });
    return [at(0, 1, 0n), at(1, 2, 1000n), at(2, e.data.length, 2000n)];
  });
  assert.ok(pieces.length > server.length, 'the fixture has DNS over TCP');
  const whole = run(server);
  const split = run(pieces);
  assert.ok(whole.some((r) => r.protocol === 6 && r.l7_protocol === 'DNS'));
  assert.deepEqual(summary(split), summary(whole));
  // The request starts at its first piece and counts every byte.
  assert.deepEqual(split.map((r) => [r.start_time, r.request_length]), whole.map((r) => [r.start_time, r.request_length]));
});
