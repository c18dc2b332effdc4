import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture } from './fixtures/replay.ts';

// fixtures/dubbo.pcap: a Dubbo 2 consumer and provider scripted to the protocol spec.
test('Dubbo: service/method, statuses, heartbeats skipped, one-way calls, out-of-order answers', async () => {
  const rows = await replayFixture('dubbo');
  assert.equal(rows.length, 6, 'five two-way calls and one one-way call; the heartbeat is not a call');
  assert.ok(rows.every((r) => r.l7_protocol === 'Dubbo' && r.version === '2.0.2' && r.server_port === 20880));
  assert.deepEqual(rows.map((r) => r.request_id), [1, 2, 3, 5, 7, 6]);
  assert.deepEqual(rows.map((r) => r.response_code), [20, 70, 60, null, 20, 20]);
  assert.deepEqual(rows.map((r) => r.response_status), ['ok', 'server_error', 'server_error', 'unknown', 'ok', 'ok']);
  assert.deepEqual(rows.map((r) => r.request_type), ['sayHello', 'explode', 'sayHello', 'notify', 'sayHello', 'sayHello']);
  assert.equal(rows[0]!.request_resource, 'org.apache.dubbo.demo.DemoService');
  assert.equal(rows[0]!.endpoint, 'org.apache.dubbo.demo.DemoService/sayHello');
  assert.equal(rows[0]!.trace_id, '5b8aa5a2d2c872e8321cf37308d69df2');
  assert.equal(rows[1]!.response_exception, 'java.lang.IllegalStateException: boom');
  assert.equal(rows[2]!.endpoint, 'com.example.Nope/sayHello');
  for (const r of rows.filter((x) => x.response_code !== null)) assert.ok(r.response_duration > 0);
  // Call 6 was answered after call 7: pairing by id, not by order.
  assert.ok(rows[5]!.end_time >= rows[4]!.end_time);
});
