import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';

// fixtures/redis.pcap: redis-cli against redis-server 7 (see fixtures/README.md).
test('Redis: commands, keys, error replies, RESP3 and pipelining', async () => {
  const rows = await replayFixture('redis');
  assert.equal(rows.length, 14);
  assert.ok(rows.every((r) => r.l7_protocol === 'Redis' && r.server_port === 16379 && r.response_duration > 0));
  assert.deepEqual(countBy(rows, (r) => r.request_type), { SET: 2, GET: 2, INCR: 3, RPUSH: 1, NOSUCHCMD: 1, HSET: 1, HELLO: 1, HGETALL: 1, LPOP: 1, ECHO: 1 });
  assert.deepEqual(countBy(rows, (r) => r.response_status), { ok: 12, server_error: 2 });
  const errors = rows.filter((r) => r.response_status === 'server_error');
  assert.deepEqual(errors.map((r) => r.request_type), ['INCR', 'NOSUCHCMD']);
  assert.equal(errors[0]!.response_exception, 'ERR value is not an integer or out of range');
  assert.match(errors[1]!.response_exception, /^ERR unknown command 'NOSUCHCMD'/);
  assert.equal(rows[0]!.request_resource, 'user:1 alice');
  assert.equal(rows[3]!.request_resource, 'queue a b c');
  // HGETALL after HELLO 3 is answered with a RESP3 map: one response, 36 bytes.
  const hgetall = rows.find((r) => r.request_type === 'HGETALL')!;
  assert.equal(hgetall.response_length, 36);
  // Five pipelined inline commands in one segment, five replies in one segment, in order.
  const piped = rows.slice(8, 13);
  assert.deepEqual(piped.map((r) => r.request_type), ['SET', 'INCR', 'INCR', 'GET', 'LPOP']);
  assert.equal(new Set(piped.map((r) => r.start_time)).size, 1);
  assert.deepEqual(piped.map((r) => r.response_length), [5, 4, 4, 7, 5]);
});
