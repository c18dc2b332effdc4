// The AF_PACKET source on loopback against a real TCP exchange in a child process.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CaptureEvent } from './source.ts';
import { AfPacketSource, LINKTYPE_ETHERNET, type FrameAssembler, type RawFrame } from './afpacket.ts';
import { nativeUnavailableReason, requireNative, runTraffic, waitFor } from './testing/native-env.ts';

/** Just enough of Ethernet/IPv4/TCP to find a segment's ports and payload (test oracle). */
function tcpSegment(f: RawFrame): { srcPort: number; dstPort: number; payload: Buffer } | undefined {
  const d = Buffer.from(f.data);
  if (f.linkType !== LINKTYPE_ETHERNET || d.length < 34 || d.readUInt16BE(12) !== 0x0800 || d[23] !== 6) return undefined;
  const ip = 14, ihl = (d[ip]! & 0x0f) * 4, tcp = ip + ihl;
  const end = ip + d.readUInt16BE(ip + 2);
  return { srcPort: d.readUInt16BE(tcp), dstPort: d.readUInt16BE(tcp + 2), payload: d.subarray(tcp + (d[tcp + 12]! >> 4) * 4, end) };
}

describe('afpacket source', { skip: nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false }, () => {
  test('a loopback exchange is captured once per packet (twice without dropping PACKET_OUTGOING)', async (t) => {
    if (!requireNative(t)) return;
    const once: RawFrame[] = [], twice: RawFrame[] = [];
    const dedup = new AfPacketSource({ interface: 'lo' });
    const raw = new AfPacketSource({ interface: 'lo', dropOutgoing: false });
    await dedup.startFrames((fs) => once.push(...fs));
    await raw.startFrames((fs) => twice.push(...fs));
    t.after(async () => { await dedup.stop(); await raw.stop(); });

    const child = runTraffic('tcp', '1200', '300');
    child.proc.stdin!.write('go\n');
    const { serverPort, clientPort } = await child.next() as { serverPort: number; clientPort: number };
    const request = (fs: RawFrame[]) => fs.map(tcpSegment).filter((s) => s && s.srcPort === clientPort && s.dstPort === serverPort && s.payload.length > 0);
    const response = (fs: RawFrame[]) => fs.map(tcpSegment).filter((s) => s && s.srcPort === serverPort && s.payload.length > 0);
    await waitFor('request and response frames', () =>
      request(once).length && response(once).length && request(twice).length >= 2 ? true : undefined)
      .catch((e: Error) => { throw new Error(`${e.message}; drops: ${dedup.stats().drops} and ${raw.stats().drops}`); });

    const req = request(once);
    assert.equal(req.length, 1, 'one frame for the one request segment');
    assert.equal(req[0]!.payload.length, 1200);
    assert.equal(req[0]!.payload.subarray(0, 4).toString(), 'PING');
    assert.equal(response(once).length, 1);
    assert.equal(response(once)[0]!.payload.subarray(0, 4).toString(), 'PONG');
    assert.equal(request(twice).length, 2, 'lo shows the outgoing and the incoming copy');
    assert.ok(once.every((f) => f.packetType !== 4), 'no PACKET_OUTGOING frame kept');
    const frame = once.find((f) => tcpSegment(f)?.payload.length === 1200)!;
    assert.equal(frame.originalLength, frame.data.length);
    assert.ok(Math.abs(Number(frame.timestampNs / 1_000_000n) - Date.now()) < 5000, 'Unix-time timestamp');
    // lo carries the whole host's traffic: drops depend on the load, only their reporting is ours
    assert.ok(Number.isInteger(dedup.stats().drops) && dedup.stats().drops >= 0);
  });

  test('start() feeds frames to the plugged-in assembler and delivers its events', async (t) => {
    if (!requireNative(t)) return;
    const seen: CaptureEvent[] = [];
    let flushed = false;
    // A stand-in for the TCP reassembly: one payload event per data segment.
    const assembler: FrameAssembler = {
      push(f, out) {
        const s = tcpSegment(f);
        if (!s || s.payload.length === 0) return;
        out.push({
          kind: 'payload', timestampNs: f.timestampNs, pid: 0, tid: 0, fd: -1, connectionId: `${s.srcPort}-${s.dstPort}`,
          tuple: { srcIp: '127.0.0.1', srcPort: s.srcPort, dstIp: '127.0.0.1', dstPort: s.dstPort, ipProtocol: 6 },
          direction: 'egress', byteCount: s.payload.length, data: s.payload,
        });
      },
      flush() { flushed = true; },
    };
    const source = new AfPacketSource({ assembler });
    await source.start((b) => seen.push(...b));
    const child = runTraffic('tcp', '200', '100');
    child.proc.stdin!.write('go\n');
    const { clientPort } = await child.next() as { clientPort: number };
    const mine = () => seen.filter((e) => e.kind === 'payload' && e.tuple.srcPort === clientPort);
    await waitFor('assembled request', () => (mine().length ? true : undefined));
    await source.stop();
    assert.ok(flushed, 'assembler flushed on stop');
    assert.equal(mine().length, 1);
    assert.equal(source.stats().events >= 1, true);
  });

  test('unknown interface is a clear CaptureUnavailableError', async (t) => {
    if (!requireNative(t)) return;
    await assert.rejects(new AfPacketSource({ interface: 'nosuch0', assembler: { push() {} } }).start(() => {}),
      { name: 'CaptureUnavailableError', message: /afpacket capture unavailable: nosuch0: unknown network interface/ });
  });
});
