import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import snappy from 'snappyjs';
import { decodeWriteRequest, encodeWriteRequest, ProtobufError, type PromSeries } from './remote-write-codec.ts';
import { startTestServer, storeRows, type TestServer } from '../../lib/testing/server.ts';

const STALE = new Float64Array(new Uint32Array([2, 0x7ff00000]).buffer)[0]!;

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.stop(); });

async function write(series: PromSeries[], path = '/api/v1/write', body?: Uint8Array) {
  const res = await fetch(`${server.base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-write-version': '0.1.0' },
    body: body ?? snappy.compress(encodeWriteRequest(series)),
  });
  return { status: res.status, text: await res.text() };
}

test('codec round trip, including extreme timestamps and special values', () => {
  const series: PromSeries[] = [
    { labels: [{ name: '__name__', value: 'up' }, { name: 'job', value: 'ünïcødé' }], samples: [{ value: 1, timestampMs: 1_700_000_000_123 }, { value: -0.5, timestampMs: -5 }] },
    { labels: [{ name: '__name__', value: 'x' }], samples: [{ value: Infinity, timestampMs: 0 }, { value: 1e-300, timestampMs: 2 ** 52 }] },
  ];
  assert.deepEqual(decodeWriteRequest(encodeWriteRequest(series)), series);
  const nan = decodeWriteRequest(encodeWriteRequest([{ labels: [], samples: [{ value: NaN, timestampMs: 1 }] }]));
  assert.ok(Number.isNaN(nan[0]!.samples[0]!.value));
  const bytes = encodeWriteRequest(series);
  assert.throws(() => decodeWriteRequest(bytes.subarray(0, bytes.length - 3)), ProtobufError);
});

test('remote write stores samples with SmartEncoded series and labels on the dictionary', async () => {
  const r = await write([
    { labels: [{ name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'api' }, { name: 'code', value: '200' }],
      samples: [{ value: 1, timestampMs: 1000 }, { value: 5, timestampMs: 16000 }, { value: STALE, timestampMs: 31000 }] },
    { labels: [{ name: 'code', value: '500' }, { name: '__name__', value: 'http_requests_total' }, { name: 'job', value: 'api' }],
      samples: [{ value: NaN, timestampMs: -60000 }] },
  ]);
  assert.equal(r.status, 204, r.text);
  const rows = await storeRows(server, `SELECT d.name, epoch_ms(s.time), s.value, m.name FROM prometheus.samples s
    JOIN flow_tag.resource_dict d ON d.type = 'prometheus_series' AND d.id = s.series_id
    JOIN flow_tag.resource_dict m ON m.type = 'prometheus_metric' AND m.id = s.metric_id ORDER BY d.name, s.time`);
  assert.deepEqual(rows.map((x) => [x[0], Number(x[1]), x[3]]), [
    ['{__name__="http_requests_total", code="200", job="api"}', 1000, 'http_requests_total'],
    ['{__name__="http_requests_total", code="200", job="api"}', 16000, 'http_requests_total'],
    ['{__name__="http_requests_total", code="200", job="api"}', 31000, 'http_requests_total'],
    ['{__name__="http_requests_total", code="500", job="api"}', -60000, 'http_requests_total'],
  ]);
  assert.deepEqual(rows.map((x) => x[2]).slice(0, 3), [1, 5, null], 'the staleness marker is stored as NULL');
  assert.ok(Number.isNaN(rows[3]![2]), 'an ordinary NaN stays NaN');
  const labels = await storeRows(server, `SELECT c.key, c.value FROM flow_tag.custom_tag c JOIN flow_tag.resource_dict d ON d.type = c.type AND d.id = c.id
    WHERE d.name = '{__name__="http_requests_total", code="500", job="api"}' ORDER BY c.key`);
  assert.deepEqual(labels, [['label.__name__', 'http_requests_total'], ['label.code', '500'], ['label.job', 'api']]);
  assert.equal((await write([{ labels: [{ name: '__name__', value: 'up' }], samples: [{ value: 1, timestampMs: 1 }] }], '/prom/api/v1/write')).status, 204);
});

test('bad remote write bodies are 400 with a reason and store nothing', async () => {
  const count = async () => (await storeRows(server, 'SELECT count(*) FROM prometheus.samples'))[0]![0];
  const before = await count();
  const cases: Array<[Uint8Array | undefined, PromSeries[], RegExp]> = [
    [new TextEncoder().encode('not snappy at all'), [], /snappy|remote write/],
    [snappy.compress(encodeWriteRequest([{ labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestampMs: 1 }] }]).subarray(0, 9)), [], /runs past the end|truncated/],
    [undefined, [{ labels: [{ name: 'job', value: 'x' }], samples: [{ value: 1, timestampMs: 1 }] }], /no __name__/],
    [undefined, [{ labels: [{ name: '__name__', value: 'a' }, { name: '0bad', value: 'x' }], samples: [{ value: 1, timestampMs: 1 }] }], /invalid label name '0bad'/],
    [new Uint8Array(0), [], /empty/],
  ];
  for (const [body, series, match] of cases) {
    const r = await write(series, '/api/v1/write', body);
    assert.equal(r.status, 400, r.text);
    assert.match(r.text, match);
  }
  assert.equal(await count(), before);
});
