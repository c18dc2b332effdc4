import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';
import { kafka } from './kafka.ts';
import type { L7Message } from './protocol.ts';

// fixtures/kafka.pcap: the real kafkajs 2 client against a scripted single-node peer that
// advertises new (Produce 7, Fetch 11, Metadata 6) then old (2, 4, 1) versions.
test('Kafka: kafkajs requests across versions, topics, correlation ids and error codes', async () => {
  const rows = await replayFixture('kafka');
  assert.equal(rows.length, 18);
  assert.ok(rows.every((r) => r.l7_protocol === 'Kafka' && r.response_duration > 0 && r.request_id !== null));
  assert.deepEqual(countBy(rows, (r) => `${r.request_type} v${r.version}`), {
    'ApiVersions v2': 4, 'Metadata v6': 3, 'Produce v7': 2, 'Fetch v11': 2, 'Metadata v1': 3, 'Produce v2': 2, 'Fetch v4': 2,
  });
  assert.deepEqual(countBy(rows, (r) => r.response_status), { ok: 14, server_error: 4 });
  const errors = rows.filter((r) => r.response_status === 'server_error');
  assert.deepEqual(errors.map((r) => [r.request_type, r.request_resource, r.response_code, r.response_exception]), [
    ['Produce', 'forbidden', 29, 'TOPIC_AUTHORIZATION_FAILED'], ['Fetch', 'missing', 3, 'UNKNOWN_TOPIC_OR_PARTITION'],
    ['Produce', 'forbidden', 29, 'TOPIC_AUTHORIZATION_FAILED'], ['Fetch', 'missing', 3, 'UNKNOWN_TOPIC_OR_PARTITION'],
  ]);
  const produce = rows.find((r) => r.request_type === 'Produce')!;
  assert.deepEqual([produce.request_resource, produce.endpoint, produce.response_code, produce.request_id], ['orders', 'orders', 0, 2]);
});

// Flexible versions (KIP-482), which kafkajs does not speak: bytes built here from the
// protocol's field list (Metadata v9 request/response), as an independent oracle.
const uvarint = (n: number): number[] => { const out: number[] = []; while (n > 0x7f) { out.push((n & 0x7f) | 0x80); n >>>= 7; } out.push(n); return out; };
const compact = (s: string | null): number[] => (s === null ? [0] : [...uvarint(s.length + 1), ...Buffer.from(s)]);
const int16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
const int32 = (n: number): number[] => [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
const sized = (body: number[]): Uint8Array => Uint8Array.from([...int32(body.length), ...body]);

test('Kafka: flexible Metadata v9 (compact strings, tagged fields) request and response', () => {
  const request = sized([...int16(3), ...int16(9), ...int32(77), ...int16(1), 0x63, 0, // header v2: client_id "c", no tags
    ...uvarint(2), ...compact('events'), 0, 1, 0, 0]); // topics [events], auto-create, authorized-ops, tags
  const response = sized([...int32(77), 0, // header v1
    ...int32(0), // throttle
    ...uvarint(2), ...int32(1), ...compact('broker-1'), ...int32(9092), ...compact(null), 0, // brokers
    ...compact('cluster'), ...int32(1), // cluster_id, controller_id
    ...uvarint(2), ...int16(3), ...compact('events'), 0, ...uvarint(1), ...int32(0), 0, // topics: UNKNOWN_TOPIC_OR_PARTITION
    ...int32(0), 0]);
  assert.ok(kafka.detect(request, true, 9092) >= 50);
  const p = kafka.createParser('tcp');
  const out: L7Message[] = [];
  p.feed(request, { fromClient: true, timestampNs: 1n, byteCount: request.length }, out);
  p.feed(response, { fromClient: false, timestampNs: 2n, byteCount: response.length }, out);
  assert.equal(out.length, 2);
  assert.deepEqual([out[0]!.requestType, out[0]!.version, out[0]!.requestResource, out[0]!.pairKey], ['Metadata', '9', 'events', 77]);
  assert.deepEqual([out[1]!.pairKey, out[1]!.responseCode, out[1]!.responseStatus], [77, 3, 'server_error']);
});

test('Kafka: flexible Fetch v13 names the topic by id and reads the top-level error code', () => {
  const topicId = Array.from({ length: 16 }, (_, i) => i + 1);
  const request = sized([...int16(1), ...int16(13), ...int32(5), ...int16(-1), 0, // header v2, null client_id
    ...int32(-1), ...int32(500), ...int32(1), ...int32(1 << 20), 0, ...int32(0), ...int32(-1), // replica .. session_epoch
    ...uvarint(2), ...topicId, ...uvarint(1), 0]); // topics [id, no partitions], tags
  const response = sized([...int32(5), 0, ...int32(0), ...int16(100), ...int32(0), ...uvarint(1), 0]); // UNKNOWN_TOPIC_ID
  const p = kafka.createParser('tcp');
  const out: L7Message[] = [];
  p.feed(request, { fromClient: true, timestampNs: 1n, byteCount: request.length }, out);
  p.feed(response, { fromClient: false, timestampNs: 2n, byteCount: response.length }, out);
  assert.deepEqual([out[0]!.requestType, out[0]!.version, out[0]!.requestResource], ['Fetch', '13', '0102030405060708090a0b0c0d0e0f10']);
  assert.deepEqual([out[1]!.responseCode, out[1]!.responseException], [100, 'UNKNOWN_TOPIC_ID']);
});
