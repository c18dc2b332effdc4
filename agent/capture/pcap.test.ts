import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readCapture, PcapFormatError, type PcapFrame } from './pcap-file.ts';
import { decodeFrame, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2, LINKTYPE_NULL, LINKTYPE_ETHERNET } from './packet.ts';
import { readPcapEvents } from './pcap.ts';
import { fixturePath, replayFixture } from '../protocols/fixtures/replay.ts';

const sll2 = (): PcapFrame[] => [...readCapture(new Uint8Array(readFileSync(fixturePath('http1-any-sll2'))))];

test('pcap: Linux cooked (SLL2) frames from `tcpdump -i any`, IPv4 and IPv6', async () => {
  const frames = sll2();
  assert.ok(frames.length > 10);
  assert.ok(frames.every((f) => f.linkType === LINKTYPE_LINUX_SLL2));
  const rows = await replayFixture('http1-any-sll2');
  assert.deepEqual(rows.map((r) => [r.ip_0, r.ip_1, r.server_port, r.response_code]), [['127.0.0.1', '127.0.0.1', 18081, 200], ['::1', '::1', 18081, 404]]);
});

/** A pcapng file (SHB, one IDB with nanosecond if_tsresol, EPBs) built from frames: the test's oracle. */
function toPcapng(frames: PcapFrame[], linkType: number): Uint8Array {
  const blocks: Buffer[] = [];
  const block = (type: number, body: Buffer): void => {
    const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
    const b = Buffer.alloc(12 + padded.length);
    b.writeUInt32LE(type, 0); b.writeUInt32LE(b.length, 4); padded.copy(b, 8); b.writeUInt32LE(b.length, b.length - 4);
    blocks.push(b);
  };
  const shb = Buffer.alloc(16); shb.writeUInt32LE(0x1a2b3c4d, 0); shb.writeUInt16LE(1, 4); shb.writeBigInt64LE(-1n, 8);
  block(0x0a0d0d0a, shb);
  const idb = Buffer.alloc(8 + 8 + 4); idb.writeUInt16LE(linkType, 0); idb.writeUInt32LE(262144, 4);
  idb.writeUInt16LE(9, 8); idb.writeUInt16LE(1, 10); idb[12] = 9; // if_tsresol = 10^-9
  block(1, idb); // options end with opt_endofopt (zeros already there)
  for (const f of frames) {
    const h = Buffer.alloc(20);
    h.writeUInt32LE(0, 0); h.writeUInt32LE(Number(f.timestampNs >> 32n), 4); h.writeUInt32LE(Number(f.timestampNs & 0xffffffffn), 8);
    h.writeUInt32LE(f.data.length, 12); h.writeUInt32LE(f.data.length, 16);
    block(6, Buffer.concat([h, Buffer.from(f.data)]));
  }
  return new Uint8Array(Buffer.concat(blocks));
}

test('pcapng: enhanced packet blocks with nanosecond resolution read back the same frames', () => {
  const frames = sll2();
  const again = [...readCapture(toPcapng(frames, LINKTYPE_LINUX_SLL2))];
  assert.equal(again.length, frames.length);
  for (let i = 0; i < frames.length; i++) {
    assert.equal(again[i]!.timestampNs, frames[i]!.timestampNs);
    assert.equal(again[i]!.linkType, LINKTYPE_LINUX_SLL2);
    assert.deepEqual(again[i]!.data, frames[i]!.data);
  }
});

test('link layers: BSD loopback (NULL), Linux cooked v1 and VLAN-tagged Ethernet decode to the same packet', () => {
  for (const f of sll2()) {
    const ip = f.data.subarray(20);
    const want = decodeFrame(f.linkType, f.data);
    const v6 = ip[0]! >> 4 === 6;
    const nullFrame = Uint8Array.from([v6 ? 30 : 2, 0, 0, 0, ...ip]); // family in little-endian host order
    assert.deepEqual(decodeFrame(LINKTYPE_NULL, nullFrame), want);
    const eth = Uint8Array.from([...new Array(12).fill(0), 0x81, 0x00, 0x00, 0x05, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00, ...ip]);
    assert.deepEqual(decodeFrame(LINKTYPE_ETHERNET, eth), want);
    // SLL v1: packet type, ARPHRD_LOOPBACK (772), address length, 8 address bytes, protocol.
    const sll = Uint8Array.from([0, 0, 0x03, 0x04, 0, 6, ...new Array(8).fill(0), v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00, ...ip]);
    assert.deepEqual(decodeFrame(LINKTYPE_LINUX_SLL, sll), want);
  }
});

test('pcap: a file that is not a capture is a typed error with the offset', () => {
  assert.throws(() => [...readCapture(new Uint8Array(64))], (e: unknown) => e instanceof PcapFormatError && /magic/.test(e.message) && e.offset === 0);
});

test('pcap source: SYN opens and FIN closes each connection; payload direction follows the initiator', async () => {
  const events = await readPcapEvents(fixturePath('redis'));
  const opens = events.filter((e) => e.kind === 'open');
  const closes = events.filter((e) => e.kind === 'close');
  assert.equal(opens.length, 8); // one connection per redis-cli invocation
  assert.equal(closes.length, 8);
  for (const e of events) {
    assert.equal(e.tuple.dstPort, 16379);
    if (e.kind === 'payload') assert.equal(e.data[0] === 0x2a || /[A-Z\r]/.test(String.fromCharCode(e.data[0]!)), e.direction === 'egress');
  }
});
