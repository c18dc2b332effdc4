import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';

// fixtures/http2.pcap: curl (h2c prior knowledge) and a node:http2 gRPC-shaped client
// against a node:http2 server (see fixtures/README.md).
test('HTTP/2 and gRPC: streams, HPACK-decoded headers, grpc-status trailers', async () => {
  const rows = await replayFixture('http2');
  assert.equal(rows.length, 7);
  assert.ok(rows.every((r) => r.version === '2' && r.server_port === 18443 && r.response_duration > 0 && r.request_domain === '127.0.0.1:18443'));
  assert.deepEqual(countBy(rows, (r) => r.l7_protocol), { HTTP2: 2, gRPC: 5 });
  const [hello, missing] = rows;
  assert.deepEqual([hello!.request_type, hello!.endpoint, hello!.response_code, hello!.response_status, hello!.request_id], ['GET', '/hello', 200, 'ok', 1]);
  assert.deepEqual([missing!.request_resource, missing!.endpoint, missing!.response_code, missing!.response_status], ['/missing?from=curl', '/missing', 404, 'client_error']);
  const grpc = rows.filter((r) => r.l7_protocol === 'gRPC');
  assert.deepEqual(countBy(grpc, (r) => r.endpoint), { '/helloworld.Greeter/SayHello': 3, '/helloworld.Greeter/Missing': 2 });
  assert.ok(grpc.every((r) => r.request_type === 'POST'));
  // Stream ids on the client's connection: 1, 3, 5, then 7 and 9 concurrently.
  assert.deepEqual(grpc.map((r) => r.request_id).sort(), [1, 3, 5, 7, 9]);
  for (const r of grpc) {
    if (r.endpoint.endsWith('/SayHello')) assert.deepEqual([r.response_code, r.response_status], [0, 'ok']);
    else assert.deepEqual([r.response_code, r.response_status, r.response_exception], [5, 'client_error', 'no such greeting']);
  }
  assert.equal(grpc[0]!.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736');
  assert.equal(grpc[0]!.span_id, '00f067aa0ba902b7');
});
