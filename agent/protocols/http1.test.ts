import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';

// fixtures/http1.pcap: curl and a pipelining client against a Node HTTP/1.1 server (see fixtures/README.md).
test('HTTP/1: every request of the recorded session becomes one row with its outcome', async () => {
  const rows = await replayFixture('http1', { timeoutMs: 500 });
  assert.equal(rows.length, 12);
  assert.ok(rows.every((r) => r.l7_protocol === 'HTTP' && r.version === '1.1' && r.server_port === 18080 && r.ip_0 === '127.0.0.1'));
  assert.deepEqual(countBy(rows, (r) => r.request_type), { GET: 9, POST: 2, HEAD: 1 });
  assert.deepEqual(countBy(rows, (r) => r.response_code), { 200: 7, 404: 1, 204: 1, 304: 1, 500: 1, null: 1 });
  assert.deepEqual(countBy(rows, (r) => r.response_status), { ok: 9, client_error: 1, server_error: 1, timeout: 1 });
  assert.deepEqual(countBy(rows, (r) => r.endpoint), { '/hello': 3, '/chunked': 2, '/missing': 1, '/echo': 2, '/nocontent': 1, '/etag': 1, '/error': 1, '/slow': 1 });
  for (const r of rows.filter((x) => x.response_status !== 'timeout')) {
    assert.ok(r.response_duration > 0, `duration of ${r.endpoint}`);
    assert.equal(r.request_domain, '127.0.0.1:18080');
    assert.ok(r.req_tcp_seq > 0 && r.resp_tcp_seq > 0);
  }
});

test('HTTP/1: keep-alive, chunked and pipelined messages are framed exactly', async () => {
  const rows = await replayFixture('http1', { timeoutMs: 500 });
  const first3 = rows.slice(0, 3);
  assert.equal(new Set(first3.map((r) => r.client_port)).size, 1, 'three requests share one keep-alive connection');
  assert.equal(first3[2]!.request_resource, '/missing?x=1');
  assert.equal(first3[2]!.response_exception, 'Not Found');
  const chunked = rows.filter((r) => r.endpoint === '/chunked');
  // Node frames "part one\n" "part two\n" "end\n" as three chunks plus the terminator.
  for (const r of chunked) assert.equal(r.x_request_id_1, 'srv-1');
  assert.equal(chunked[0]!.response_length, chunked[1]!.response_length);
  const posts = rows.filter((r) => r.request_type === 'POST');
  assert.equal(posts[0]!.trace_id, '0af7651916cd43dd8448eb211c80319c');
  assert.equal(posts[0]!.span_id, 'b7ad6b7169203331');
  assert.equal(posts[0]!.x_request_id_0, 'req-42');
  assert.ok(posts[1]!.request_length > 3000, 'chunked request body counted');
  const pipelined = rows.slice(-2);
  assert.equal(pipelined[0]!.client_port, pipelined[1]!.client_port);
  assert.deepEqual(pipelined.map((r) => r.endpoint), ['/hello', '/chunked']);
  const head = rows.find((r) => r.request_type === 'HEAD')!;
  assert.equal(head.response_code, 200);
  const slow = rows.find((r) => r.endpoint === '/slow')!;
  assert.equal(slow.response_status, 'timeout');
  assert.equal(slow.response_duration, 0);
});
