// Decoding of the tracer's records, built here byte by byte from native/bpf/socket_trace.h's
// layout (an oracle independent of the decoder's REC table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeTracerBatch, formatAddress, TracerDecoder } from './ebpf-record.ts';
import type { PayloadEvent } from './source.ts';

interface Rec {
  ts: bigint; sk: bigint; pid: number; tid: number; fd: number; bytes: number; data: Buffer;
  sport: number; dport: number; saddr: number[]; daddr: number[]; family: number; proto: number;
  kind: number; dir: number; flags: number; comm: string;
}

const arrayBuffer = (b: Buffer): ArrayBuffer => new Uint8Array(b).buffer;

function record(r: Rec): Buffer {
  const b = Buffer.alloc(96 + r.data.length);
  b.writeBigUInt64LE(r.ts, 0);
  b.writeBigUInt64LE(r.sk, 8);
  b.writeUInt32LE(r.pid, 16);
  b.writeUInt32LE(r.tid, 20);
  b.writeInt32LE(r.fd, 24);
  b.writeUInt32LE(r.bytes, 28);
  b.writeUInt32LE(r.data.length, 32);
  b.writeUInt16LE(r.sport, 36);
  b.writeUInt16LE(r.dport, 38);
  Buffer.from(r.saddr).copy(b, 40);
  Buffer.from(r.daddr).copy(b, 56);
  b[72] = r.family; b[73] = r.proto; b[74] = r.kind; b[75] = r.dir; b[76] = r.flags;
  b.write(r.comm, 80, 'latin1');
  r.data.copy(b, 96);
  return b;
}

const base: Rec = {
  ts: 1_000n, sk: 0xffff888102cbe5c0n, pid: 42, tid: 43, fd: 7, bytes: 5000, data: Buffer.from('GET / HTTP/1.1'),
  sport: 40000, dport: 80, saddr: [10, 0, 0, 1], daddr: [10, 0, 0, 2], family: 2, proto: 6, kind: 0, dir: 1, flags: 0, comm: 'curl',
};

test('payload, open and close records decode with Unix timestamps and socket-side tuples', () => {
  const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1];
  const batch = Buffer.concat([
    record(base),
    record({ ...base, kind: 1, flags: 2, data: Buffer.alloc(0), family: 10, saddr: mapped, daddr: mapped, proto: 17 }),
    record({ ...base, kind: 2, data: Buffer.alloc(0) }),
  ]);
  const [p, o, c] = decodeTracerBatch(arrayBuffer(batch), 1_700_000_000_000_000_000n);
  assert.deepEqual(p, {
    kind: 'payload', timestampNs: 1_700_000_000_000_001_000n, pid: 42, tid: 43, fd: 7, connectionId: 'sk-ffff888102cbe5c0',
    tuple: { srcIp: '10.0.0.1', srcPort: 40000, dstIp: '10.0.0.2', dstPort: 80, ipProtocol: 6 },
    direction: 'ingress', byteCount: 5000, data: new Uint8Array(Buffer.from('GET / HTTP/1.1')), comm: 'curl',
  });
  assert.deepEqual(o, {
    kind: 'open', timestampNs: 1_700_000_000_000_001_000n, pid: 42, fd: 7, connectionId: 'sk-ffff888102cbe5c0',
    tuple: { srcIp: '127.0.0.1', srcPort: 40000, dstIp: '127.0.0.1', dstPort: 80, ipProtocol: 17 }, initiator: true,
  });
  assert.equal(c!.kind, 'close');
  assert.equal('initiator' in c!, false);
});

test('TLS records get their own stream; unknown sockets fall back to the SSL object per process', () => {
  const known = record({ ...base, flags: 1 });
  const unknown = record({ ...base, flags: 1 | 4, sk: 0x3cb8a3c0n, dir: 0 });
  const batch = Buffer.concat([known, unknown]);
  const [a, b] = decodeTracerBatch(arrayBuffer(batch), 0n);
  assert.equal(a!.connectionId, 'sk-ffff888102cbe5c0/tls');
  assert.equal(a!.kind === 'payload' && a.tls, true);
  assert.equal(b!.connectionId, 'ssl-42-3cb8a3c0/tls');
  assert.equal(b!.kind === 'payload' && b.direction, 'egress');
});

test('a record cut short is not misread', () => {
  const r = record(base);
  const cut = r.subarray(0, r.length - 3);
  assert.deepEqual(decodeTracerBatch(arrayBuffer(cut), 0n), []);
});

test('addresses: IPv4, IPv4-mapped IPv6, RFC 5952 IPv6', () => {
  assert.equal(formatAddress(new Uint8Array([192, 168, 1, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 2), '192.168.1.9');
  const v6 = new Uint8Array(16);
  v6.set([0x20, 0x01, 0x0d, 0xb8]);
  v6[15] = 1;
  assert.equal(formatAddress(v6, 10), '2001:db8::1');
  assert.equal(formatAddress(new Uint8Array(16), 10), '::');
  const loop = new Uint8Array(16); loop[15] = 1;
  assert.equal(formatAddress(loop, 10), '::1');
  const full = new Uint8Array([0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8]);
  assert.equal(formatAddress(full, 10), '1:2:3:4:5:6:7:8');
});

test('cached tuples and names follow the record: a new UDP peer, an exec, a reused socket', () => {
  const decoder = new TracerDecoder(0n);
  const batch = Buffer.concat([
    record({ ...base, proto: 17 }),
    record({ ...base, proto: 17, daddr: [10, 0, 0, 3], dport: 53 }),
    record({ ...base, proto: 17, comm: 'curl-exec' }),
    record({ ...base, sport: 40001 }), // the kernel reused the sock for another connection
  ]);
  const [a, b, c, d] = decoder.decode(arrayBuffer(batch)) as PayloadEvent[];
  assert.equal(a!.tuple.dstIp, '10.0.0.2');
  assert.deepEqual([b!.tuple.dstIp, b!.tuple.dstPort], ['10.0.0.3', 53]);
  assert.equal(a!.comm, 'curl');
  assert.equal(c!.comm, 'curl-exec');
  assert.equal(d!.tuple.srcPort, 40001);
  // Same socket and fields, next batch: the very same tuple object is reused.
  const [x] = decoder.decode(arrayBuffer(record({ ...base, sport: 40001 }))) as PayloadEvent[];
  assert.equal(x!.tuple, d!.tuple);
});
