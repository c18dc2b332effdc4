import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Field, Int32, Int8, Int64, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, TimestampMillisecond, TimestampNanosecond, TimestampSecond, Uint16, Utf8, vectorFromArray, Float64, type Data } from 'apache-arrow';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc, postArrow, postJson, startTestServer, storeRows, type TestServer } from '../lib/testing/server.ts';

let server: TestServer;
before(async () => { server = await startTestServer(); });
after(async () => { await server.stop(); });

function batch(cols: Record<string, Data>): RecordBatch {
  const fields = Object.entries(cols).map(([k, d]) => new Field(k, d.type, true));
  const n = Object.values(cols)[0]!.length;
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: Object.values(cols) }));
}
const strings = (xs: Array<string | null>) => vectorFromArray(xs, new Utf8()).data[0]!;
const count = async (table = 'flow_log.l7_flow_log') => Number((await storeRows(server, `SELECT count(*) FROM ${table.replace(/^(\w+)\.(.*)$/, '$1."$2"')}`))[0]![0]);

test('generated l7 batches land with IDs on rows and names in the dictionary', async () => {
  const rows = 2000;
  const topo = topology();
  const b = generateL7Batch({ rows, seed: 7, topo });
  const before = await count();
  const r = await postArrow(server.base, 'flow_log.l7_flow_log', b);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json, { rows, batches: 1 });
  assert.equal(await count(), before + rows);
  // Rows hold IDs only: no string tag columns exist on the table.
  const cols = (await storeRows(server, `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema='flow_log' AND table_name='l7_flow_log' AND column_name LIKE 'pod%'`));
  assert.ok(cols.length >= 10);
  for (const [name, type] of cols) assert.equal(type, 'UINTEGER', String(name));
  // Every row's ID decodes back through the dictionary to the name that was sent.
  const sent = b.getChild('pod_1')!;
  const back = await storeRows(server, `SELECT d.name FROM flow_log.l7_flow_log l JOIN flow_tag.resource_dict d ON d.type = 'pod' AND d.id = l.pod_id_1
    WHERE l.request_id < ${rows} AND l.time >= make_timestamp(1700000000000000) ORDER BY l.request_id`);
  assert.equal(back.length, rows);
  for (let i = 0; i < rows; i++) assert.equal(back[i]![0], sent.get(i));
  const pods = await storeRows(server, `SELECT count(*) FROM flow_tag.resource_dict WHERE type = 'pod'`);
  assert.ok(Number(pods[0]![0]) <= topo.pods.length * 2, 'one entry per pod name in its namespace');
});

test('plain and dictionary-encoded strings give the same IDs', async () => {
  const a = generateL7Batch({ rows: 300, seed: 3, dictionaries: true, startUs: 1_800_000_000_000_000n });
  const p = generateL7Batch({ rows: 300, seed: 3, dictionaries: false, startUs: 1_800_000_100_000_000n });
  assert.equal((await postArrow(server.base, 'flow_log.l7_flow_log', a)).status, 200);
  assert.equal((await postArrow(server.base, 'flow_log.l7_flow_log', p)).status, 200);
  // Each request_id was sent twice (once per encoding): both rows must carry identical IDs.
  const [[groups, agreeing]] = await storeRows(server, `SELECT count(*), count(*) FILTER (WHERE n = 2 AND pods = 1 AND svcs = 1 AND l7 = 1) FROM (
    SELECT request_id, count(*) n, count(DISTINCT pod_id_1) pods, count(DISTINCT pod_service_id_1) svcs, count(DISTINCT l7_protocol) l7
    FROM flow_log.l7_flow_log WHERE time >= make_timestamp(1800000000000000) GROUP BY request_id)`) as [[bigint, bigint]];
  assert.equal(groups, 300n);
  assert.equal(agreeing, 300n);
});

test('timestamps in s, ms, µs and ns are stored as the same µs', async () => {
  const us = 1_750_000_000_123_456n;
  const cases: Array<[string, Data]> = [
    ['s', makeData({ type: new TimestampSecond(), length: 1, data: new BigInt64Array([us / 1_000_000n]) })],
    ['ms', makeData({ type: new TimestampMillisecond(), length: 1, data: new BigInt64Array([us / 1000n]) })],
    ['us', makeData({ type: new TimestampMicrosecond(), length: 1, data: new BigInt64Array([us]) })],
    ['ns', makeData({ type: new TimestampNanosecond(), length: 1, data: new BigInt64Array([us * 1000n + 789n]) })],
  ];
  for (const [unit, time] of cases) {
    const r = await postArrow(server.base, 'flow_log.l7_flow_log', batch({ time, endpoint: strings([`ts-${unit}`]) }));
    assert.equal(r.status, 200, unit);
  }
  const got = await storeRows(server, `SELECT endpoint, epoch_us(time) FROM flow_log.l7_flow_log WHERE endpoint LIKE 'ts-%' ORDER BY endpoint`);
  assert.deepEqual(got.map(([e, t]) => [e, t]), [['ts-ms', us / 1000n * 1000n], ['ts-ns', us], ['ts-s', us / 1_000_000n * 1_000_000n], ['ts-us', us]]);
});

test('integers of any width that fits; rows without time get the arrival time', async () => {
  const t0 = BigInt(Date.now()) * 1000n;
  const r = await postArrow(server.base, 'flow_log.l7_flow_log', batch({
    endpoint: strings(['width']),
    server_port: makeData({ type: new Int64(), length: 1, data: new BigInt64Array([443n]) }),
    response_code: makeData({ type: new Int8(), length: 1, data: new Int8Array([-5]) }),
    response_duration: makeData({ type: new Int32(), length: 1, data: new Int32Array([1234]) }),
  }));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const [[port, code, dur, t]] = await storeRows(server, `SELECT server_port, response_code, response_duration, epoch_us(time) FROM flow_log.l7_flow_log WHERE endpoint = 'width'`) as [[number, number, bigint, bigint]];
  assert.deepEqual([port, code, dur], [443, -5, 1234n]);
  assert.ok(t >= t0 && t <= BigInt(Date.now()) * 1000n);
});

async function rejected(body: Uint8Array | RecordBatch | RecordBatch[], expect: { status: number; code: string; column?: string; match?: RegExp }, table = 'flow_log.l7_flow_log', contentType?: string) {
  const before = await count();
  const r = await postArrow(server.base, table, body, contentType);
  assert.equal(r.status, expect.status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, expect.code);
  if (expect.column) assert.equal(r.json.error.column, expect.column);
  if (expect.match) assert.match(r.json.error.message + ' ' + (r.json.error.hint ?? ''), expect.match);
  assert.equal(await count(), before, 'nothing of a rejected request is written');
  const health = await fetch(`${server.base}/v1/health`);
  assert.equal(health.status, 200, 'the server keeps serving');
  return r.json.error;
}

test('bad input is rejected with the place at fault and nothing written', async () => {
  const good = ipc(generateL7Batch({ rows: 50, seed: 11 }));
  const truncated = await rejected(good.slice(0, good.length - 100), { status: 400, code: 'BAD_ARROW', match: /runs past the end/ });
  assert.equal(typeof truncated.offset, 'number');
  await rejected(new TextEncoder().encode('this is not arrow at all, just text'), { status: 400, code: 'BAD_ARROW', match: /at byte 0/ });
  await rejected(new Uint8Array(0), { status: 400, code: 'EMPTY_BODY' });
  await rejected(batch({ pod_1: makeData({ type: new Int32(), length: 1, data: new Int32Array([7]) }) }), { status: 400, code: 'WRONG_TYPE', column: 'pod_1', match: /names, never IDs/ });
  await rejected(batch({ response_duration: makeData({ type: new Float64(), length: 1, data: new Float64Array([1.5]) }) }), { status: 400, code: 'WRONG_TYPE', column: 'response_duration' });
  await rejected(batch({ respnse_duration: makeData({ type: new Int32(), length: 1, data: new Int32Array([1]) }) }), { status: 400, code: 'UNKNOWN_COLUMN', column: 'respnse_duration', match: /did you mean response_duration/ });
  await rejected(batch({ pod_id_1: makeData({ type: new Int32(), length: 1, data: new Int32Array([1]) }) }), { status: 400, code: 'UNKNOWN_COLUMN', column: 'pod_id_1' });
  await rejected(batch({ server_port: makeData({ type: new Int32(), length: 2, data: new Int32Array([80, 70000]) }) }), { status: 400, code: 'OUT_OF_RANGE', column: 'server_port', match: /row 1: 70000 does not fit uint16/ });
  await rejected(batch({ l7_protocol: strings(['HTTP', 'SMTP-ish']) }), { status: 400, code: 'UNKNOWN_ENUM', column: 'l7_protocol', match: /one of: .*HTTP/ });
  await rejected(good, { status: 404, code: 'UNKNOWN_TABLE', match: /did you mean .*l7_flow_log/ }, 'flow_log.l7_flow_logs');
  await rejected(good, { status: 415, code: 'BAD_CONTENT_TYPE' }, 'flow_log.l7_flow_log', 'text/plain');
  // A good batch followed by a bad one in the same stream: neither is stored.
  const ok = batch({ endpoint: strings(['atomic']), server_port: makeData({ type: new Uint16(), length: 1, data: new Uint16Array([80]) }) });
  const bad = batch({ endpoint: strings(['atomic']), server_port: makeData({ type: new Uint16(), length: 1, data: new Uint16Array([81]) }) });
  const stream = ipc([ok, bad]);
  const lastBatch = stream.slice(0, stream.length - 20);
  await rejected(lastBatch, { status: 400, code: 'BAD_ARROW' });
  await rejected([batch({ l7_protocol: strings(['HTTP']) }), batch({ l7_protocol: strings(['nope']) })], { status: 400, code: 'UNKNOWN_ENUM' });
  assert.equal((await storeRows(server, `SELECT count(*) FROM flow_log.l7_flow_log WHERE endpoint = 'atomic'`))[0]![0], 0n);
});

test('a body over the configured limit gets 413 and nothing is written', async () => {
  const small = await startTestServer({ flags: { 'ingest.body_limit': '64KiB' } });
  try {
    const big = ipc(generateL7Batch({ rows: 2000, seed: 5 }));
    assert.ok(big.length > 64 * 1024);
    const r = await postArrow(small.base, 'flow_log.l7_flow_log', big);
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'BODY_TOO_LARGE');
    const [[n]] = await storeRows(small, 'SELECT count(*) FROM flow_log.l7_flow_log') as [[bigint]];
    assert.equal(n, 0n);
    assert.equal((await postArrow(small.base, 'flow_log.l7_flow_log', batch({ endpoint: strings(['small']) }))).status, 200);
  } finally {
    await small.stop();
  }
});

test('resources: labels become custom tags on the dictionary entry, never on rows', async () => {
  const r = await postJson(server.base, '/v1/ingest/resources', [
    { type: 'pod', name: 'checkout-0', namespace: 'shop', cluster: 'c1', labels: { app: 'checkout', tier: 'web' }, annotations: { owner: 'team-a' } },
    { type: 'pod', name: 'checkout-0', namespace: 'staging', cluster: 'c1', labels: { app: 'checkout-staging' } },
    { type: 'host', name: 'node-a' },
  ]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json, { resources: 3 });
  // A row naming the same pod in the same scope gets the same ID the resource got.
  const ok = await postArrow(server.base, 'flow_log.l7_flow_log', batch({
    pod_1: strings(['checkout-0']), pod_ns_1: strings(['shop']), pod_cluster_1: strings(['c1']), endpoint: strings(['labels']),
  }));
  assert.equal(ok.status, 200);
  const tags = await storeRows(server, `SELECT c.key, c.value FROM flow_log.l7_flow_log l JOIN flow_tag.custom_tag c ON c.type = 'pod' AND c.id = l.pod_id_1
    WHERE l.endpoint = 'labels' ORDER BY c.key`);
  assert.deepEqual(tags, [['k8s.annotation.owner', 'team-a'], ['k8s.label.app', 'checkout'], ['k8s.label.tier', 'web']]);
  // Updating a label replaces it.
  await postJson(server.base, '/v1/ingest/resources', [{ type: 'pod', name: 'checkout-0', namespace: 'shop', cluster: 'c1', labels: { app: 'checkout-v2' } }]);
  const app = await storeRows(server, `SELECT value FROM flow_tag.custom_tag c JOIN flow_tag.resource_dict d ON d.type = c.type AND d.id = c.id
    WHERE d.key = 'c1/shop/checkout-0' AND c.key = 'k8s.label.app'`);
  assert.deepEqual(app, [['checkout-v2']]);
});

test('invalid resources are rejected whole', async () => {
  const before = await storeRows(server, 'SELECT count(*) FROM flow_tag.resource_dict');
  for (const [body, match] of [
    ['{not json', /JSON/i],
    [{ type: 'pod' }, /array/],
    [[{ type: 'pod', name: 'fine' }, { type: 'martian', name: 'x' }], /resource 1: unknown type 'martian'/],
    [[{ type: 'pod', name: '' }], /name must be a non-empty string/],
    [[{ type: 'pod', name: 'p', labels: { app: 5 } }], /labels.app must be a string/],
    [[{ type: 'az', name: 'a', labels: { x: 'y' } }], /carries no labels/],
  ] as Array<[unknown, RegExp]>) {
    const r = await postJson(server.base, '/v1/ingest/resources', body);
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(r.json.error.message, match);
  }
  assert.deepEqual(await storeRows(server, 'SELECT count(*) FROM flow_tag.resource_dict'), before);
});

test('status reports rows, bytes, dictionary sizes and the store', async () => {
  const s = await (await fetch(`${server.base}/v1/status`)).json() as any;
  const l7 = s.tables['flow_log.l7_flow_log'];
  assert.equal(l7.rows, await count());
  assert.ok(l7.bytes > 0);
  assert.ok(s.dictionaries.pod > 0);
  assert.equal(s.store.kind, 'duckdb');
  assert.ok(s.tables['flow_metrics.application.1m']);
});

test('names first seen in a batch read back through the querier as soon as the batch is acknowledged', async () => {
  const query = async (sql: string) => {
    const res = await fetch(`${server.base}/v1/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql }) });
    return (await res.json() as { rows: unknown[][] }).rows;
  };
  const sql = "SELECT pod_1, count(*) FROM l7_flow_log WHERE endpoint = '/fresh' GROUP BY 1 ORDER BY 1";
  // The querier has just read (and cached) the pod dictionary.
  assert.deepEqual(await query(sql), []);
  await query('SELECT DISTINCT pod_1 FROM l7_flow_log LIMIT 1');
  for (let round = 0; round < 3; round++) {
    const name = `fresh-${round}-${Date.now()}`;
    const ok = await postArrow(server.base, 'flow_log.l7_flow_log', batch({ pod_1: strings([name, name]), endpoint: strings(['/fresh', '/fresh']) }));
    assert.equal(ok.status, 200);
    const rows = await query(sql);
    assert.ok(rows.some(([pod, n]) => pod === name && Number(n) === 2), `${name} in ${JSON.stringify(rows)}`);
    assert.ok(rows.every(([pod]) => pod !== null), 'no row reads as an unknown name');
  }
});
