import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';
import { http2 } from './http2.ts';
import type { L7Message } from './protocol.ts';

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

// Hand-built frames for what the pcap does not show. Header blocks use HPACK literals without
// indexing (RFC 7541 §6.2.2), so the tests need no encoder and leave no table state behind.
const literal = (name: string, value: string): number[] => [0x00, name.length, ...Buffer.from(name), value.length, ...Buffer.from(value)];
const block = (fields: Record<string, string>): number[] => Object.entries(fields).flatMap(([n, v]) => literal(n, v));
function frame(type: number, flags: number, stream: number, payload: number[] | Uint8Array): Uint8Array {
  const f = new Uint8Array(9 + payload.length);
  f.set([(payload.length >> 16) & 0xff, (payload.length >> 8) & 0xff, payload.length & 0xff, type, flags, 0, 0, 0, stream]);
  f.set(payload, 9);
  return f;
}
const DATA = 0, HEADERS = 1, END_STREAM = 1, END_HEADERS = 4;
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const grpcCall = (stream: number, method: string) => concat(
  frame(HEADERS, END_HEADERS, stream, block({ ':method': 'POST', ':path': `/demo.Greeter/${method}`, ':authority': 'h:1', 'content-type': 'application/grpc' })),
  frame(DATA, END_STREAM, stream, [0, 0, 0, 0, 2, 10, 0]));
const responseHeaders = (stream: number) => frame(HEADERS, END_HEADERS, stream, block({ ':status': '200', 'content-type': 'application/grpc' }));

function session() {
  const parser = http2.createParser('tcp');
  const out: L7Message[] = [];
  let t = 0n;
  const feed = (fromClient: boolean, data: Uint8Array, byteCount = data.length) => {
    parser.feed(data, { fromClient, timestampNs: (t += 1000n), byteCount }, out);
  };
  return { out, feed, responses: () => out.filter((m) => m.type === 'response') };
}

test('gRPC trailers: grpc-message "OK" on success is no exception; the message counts before or after grpc-status', () => {
  const { feed, responses } = session();
  const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  // The preface split across two reads, then several frames in one read.
  feed(true, preface.subarray(0, 10));
  feed(true, concat(preface.subarray(10), frame(4, 0, 0, []), grpcCall(1, 'SayHello'), grpcCall(3, 'Lookup')));
  // grpc-js: data then trailers `grpc-status: 0, grpc-message: OK`; a trailers-only error
  // with the message first.
  feed(false, concat(responseHeaders(1), frame(DATA, 0, 1, [0, 0, 0, 0, 0]),
    frame(HEADERS, END_HEADERS | END_STREAM, 1, block({ 'grpc-status': '0', 'grpc-message': 'OK' }))));
  feed(false, frame(HEADERS, END_HEADERS | END_STREAM, 3, block({ ':status': '200', 'grpc-message': 'no%20user%20bob', 'grpc-status': '5' })));
  assert.deepEqual(responses().map((m) => [m.pairKey, m.protocol, m.responseCode, m.responseStatus, m.responseException]), [
    [1, 'gRPC', 0, 'ok', undefined],
    [3, 'gRPC', 5, 'client_error', 'no user bob'],
  ]);
});

test('a DATA frame is passed over by count: split across reads, or cut by the capture with the trailers in the next read', () => {
  const { feed, responses } = session();
  feed(true, concat(grpcCall(1, 'SayHello'), grpcCall(3, 'SayHello')));
  const body = new Uint8Array(5000);
  const data1 = frame(DATA, 0, 1, body);
  const first = concat(responseHeaders(1), data1);
  feed(false, first.subarray(0, 700));
  feed(false, concat(first.subarray(700), frame(HEADERS, END_HEADERS | END_STREAM, 1, block({ 'grpc-status': '13', 'grpc-message': 'crashed' }))));
  // The server wrote its DATA in one syscall of which the capture copied 1 KiB.
  const data3 = concat(responseHeaders(3), frame(DATA, 0, 3, body));
  feed(false, data3.subarray(0, 1024), data3.length);
  feed(false, frame(HEADERS, END_HEADERS | END_STREAM, 3, block({ 'grpc-status': '0' })));
  assert.deepEqual(responses().map((m) => [m.pairKey, m.responseCode, m.responseStatus, m.responseException]), [
    [1, 13, 'server_error', 'crashed'],
    [3, 0, 'ok', undefined],
  ]);
});

test('trailers lost to a cut read close the gRPC response as unknown instead of leaving it to time out', () => {
  const { feed, out, responses } = session();
  feed(true, concat(grpcCall(1, 'SayHello'), grpcCall(3, 'Lookup')));
  // A client read of HEADERS, 5000 bytes of DATA and the trailers; 1 KiB copied.
  const read = concat(responseHeaders(1), frame(DATA, 0, 1, new Uint8Array(5000)), frame(HEADERS, END_HEADERS | END_STREAM, 1, block({ 'grpc-status': '0' })));
  feed(false, read.subarray(0, 1024), read.length);
  assert.deepEqual(responses().map((m) => [m.pairKey, m.responseCode, m.responseStatus]), [[1, undefined, 'unknown']]);
  // The next read starts on a frame again and the connection goes on.
  feed(false, frame(HEADERS, END_HEADERS | END_STREAM, 3, block({ ':status': '200', 'grpc-status': '5', 'grpc-message': 'no' })));
  assert.deepEqual(responses().map((m) => [m.pairKey, m.responseCode]), [[1, undefined], [3, 5]]);
  assert.equal(out.filter((m) => m.type === 'request').length, 2);
});

test('trailers referring to HPACK entries inserted by cut-off trailers give an unknown status, not an older entry\'s', () => {
  const { feed, responses } = session();
  const indexed = (name: string, value: string): number[] => [0x40, ...literal(name, value).slice(1)];
  feed(true, concat(grpcCall(1, 'Lookup'), grpcCall(3, 'SayHello'), grpcCall(5, 'SayHello')));
  // Stream 1 fails; its trailers enter the table: 62 grpc-message, 63 grpc-status: 5.
  feed(false, frame(HEADERS, END_HEADERS | END_STREAM, 1, [0x88, ...indexed('grpc-status', '5'), ...indexed('grpc-message', 'no user bob')]));
  // Stream 3 succeeds with a large reply read whole, trailers inserting grpc-status: 0 and
  // grpc-message: OK (the encoder's 62 and 63 now); the capture copied the first KiB.
  const read = concat(responseHeaders(3), frame(DATA, 0, 3, new Uint8Array(3000)),
    frame(HEADERS, END_HEADERS | END_STREAM, 3, [...indexed('grpc-status', '0'), ...indexed('grpc-message', 'OK')]));
  feed(false, read.subarray(0, 1024), read.length);
  // Stream 5 succeeds; its trailers are the encoder's 63 and 62 (grpc-status: 0, OK).
  feed(false, concat(frame(HEADERS, END_HEADERS, 5, [0x88]), frame(HEADERS, END_HEADERS | END_STREAM, 5, [0xbf, 0xbe])));
  assert.deepEqual(responses().map((m) => [m.pairKey, m.responseCode, m.responseStatus, m.responseException]), [
    [1, 5, 'client_error', 'no user bob'],
    [3, undefined, 'unknown', undefined],
    [5, undefined, 'unknown', undefined],
  ]);
});

test('a header block continued in CONTINUATION frames, split across reads mid-field, decodes as one', () => {
  const { feed, out } = session();
  const fields = block({ ':method': 'GET', ':path': '/long/path?q=1', ':authority': 'h:1', 'x-request-id': 'r-42' });
  const CONTINUATION = 9;
  const frames = concat(frame(HEADERS, END_STREAM, 1, fields.slice(0, 7)), frame(CONTINUATION, 0, 1, fields.slice(7, 20)), frame(CONTINUATION, END_HEADERS, 1, fields.slice(20)));
  feed(true, frames.subarray(0, 30));
  feed(true, frames.subarray(30));
  feed(false, frame(HEADERS, END_HEADERS | END_STREAM, 1, block({ ':status': '404' })));
  assert.deepEqual(out.map((m) => [m.type, m.requestType, m.endpoint, m.requestResource, m.xRequestId, m.responseCode, m.length]), [
    ['request', 'GET', '/long/path', '/long/path?q=1', 'r-42', undefined, frames.length],
    ['response', undefined, undefined, undefined, undefined, 404, 9 + block({ ':status': '404' }).length],
  ]);
});
