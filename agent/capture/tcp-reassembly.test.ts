import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCapture } from './pcap-file.ts';
import { decodeFrame, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from './packet.ts';
import { FlowTable } from './tcp-reassembly.ts';
import type { CaptureEvent } from './source.ts';
import { fixturePath } from '../protocols/fixtures/replay.ts';
import { L7Pipeline } from '../l7-pipeline.ts';

interface Timed { p: DecodedPacket; ts: bigint }

function packets(name: string): Timed[] {
  const out: Timed[] = [];
  for (const f of readCapture(new Uint8Array(readFileSync(fixturePath(name))))) {
    const p = decodeFrame(f.linkType, f.data);
    if (p) out.push({ p, ts: f.timestampNs });
  }
  return out;
}

function run(list: Timed[]): { events: CaptureEvent[]; table: FlowTable } {
  const table = new FlowTable();
  const events: CaptureEvent[] = [];
  for (const { p, ts } of list) table.handle(p, ts, events);
  table.flush(events);
  return { events, table };
}

/** Bytes per connection and direction, concatenated in emission order. */
function streams(events: CaptureEvent[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of events) if (e.kind === 'payload') {
    const k = `${e.connectionId} ${e.direction}`;
    m.set(k, (m.get(k) ?? '') + Buffer.from(e.data).toString('latin1'));
  }
  return m;
}

const withData = (p: DecodedPacket, seq: number, payload: Uint8Array): DecodedPacket => ({ ...p, seq: seq >>> 0, payload });

test('TCP reassembly: reordered, retransmitted and overlapping segments give the original byte streams', () => {
  const original = packets('http1');
  const want = streams(run(original).events);
  // Split every data segment in three, then deliver: third, first, first again (retransmit),
  // an overlap covering the first two thirds, then the second. SYNs are sent twice.
  const mangled: Timed[] = [];
  for (const t of original) {
    const { p, ts } = t;
    if (p.payload.length < 6) { mangled.push(t); if (p.flags & TCP_SYN) mangled.push(t); continue; }
    const a = Math.floor(p.payload.length / 3), b = 2 * a;
    const seg = (from: number, to: number): Timed => ({ p: withData(p, p.seq + from, p.payload.subarray(from, to)), ts });
    mangled.push(seg(b, p.payload.length), seg(0, a), seg(0, a), seg(0, b), seg(a, b));
  }
  const { events, table } = run(mangled);
  assert.deepEqual(streams(events), want);
  assert.equal(events.filter((e) => e.kind === 'open').length, 9, 'a retransmitted SYN is not a new connection');
  assert.ok(table.stats.retransmittedBytes > 0);
  assert.equal(table.stats.gapBytes, 0);
});

test('TCP reassembly: the mangled capture still yields the same l7 rows', () => {
  const rowsOf = (events: CaptureEvent[]): string[] => {
    const pl = new L7Pipeline({ signalSource: 'Packet', timeoutMs: 500 });
    return [...pl.process(events), ...pl.flush()].map((r) => `${r.request_type} ${r.endpoint} ${r.response_code} ${r.request_length} ${r.response_length}`);
  };
  const original = packets('http1');
  const reversedPairs: Timed[] = [];
  // Swap each pair of consecutive packets: acks and data of both directions arrive out of order.
  for (let i = 0; i + 1 < original.length; i += 2) reversedPairs.push(original[i + 1]!, original[i]!);
  if (original.length % 2) reversedPairs.push(original[original.length - 1]!);
  const base = rowsOf(run(original).events);
  assert.equal(base.length, 12);
  assert.deepEqual(rowsOf(run(reversedPairs).events).sort(), [...base].sort());
});

test('TCP reassembly: a hole that never fills is skipped when the connection closes', () => {
  const original = packets('redis');
  // The pipelined connection: its client sends two segments, so the second one waits behind the hole.
  const firstData = original.findIndex((t) => Buffer.from(t.p.payload).toString('latin1').startsWith('SET p1'));
  const dropped = original.filter((_, i) => i !== firstData);
  const { events, table } = run(dropped);
  assert.equal(table.stats.gapBytes, original[firstData]!.p.payload.length);
  assert.ok(events.some((e) => e.kind === 'close'));
});

test('TCP reassembly: RST closes the connection like FIN, once', () => {
  const original = packets('http1');
  const reset = original.map((t) => (t.p.flags & TCP_FIN ? { ...t, p: { ...t.p, flags: (t.p.flags & ~TCP_FIN) | TCP_RST } } : t));
  const { events } = run(reset);
  const opens = events.filter((e) => e.kind === 'open').length;
  assert.equal(events.filter((e) => e.kind === 'close').length, opens);
  assert.deepEqual(streams(events), streams(run(original).events));
});
