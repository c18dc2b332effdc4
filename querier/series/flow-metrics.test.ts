import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Field, makeData, RecordBatch, Schema, Struct, TimestampMicrosecond, Uint64, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { postArrow, startTestServer, type TestServer } from '../../lib/testing/server.ts';
import { FLOW_METRICS } from './flow-metrics.ts';

let server: TestServer;
const T0 = 1_750_000_000; // seconds, a whole minute
before(async () => {
  server = await startTestServer();
  // Two services, three minutes of request counts.
  const rows = [['svc-a', 0, 10], ['svc-b', 0, 4], ['svc-a', 60, 12], ['svc-b', 60, 5], ['svc-a', 120, 20]] as const;
  const cols: Record<string, Data> = {
    time: makeData({ type: new TimestampMicrosecond(), length: rows.length, data: BigInt64Array.from(rows, (r) => BigInt(T0 + r[1]) * 1_000_000n) }),
    pod_service: vectorFromArray(rows.map((r) => r[0]), new Utf8()).data[0]!,
    pod_ns: vectorFromArray(rows.map(() => 'shop'), new Utf8()).data[0]!,
    l7_protocol: vectorFromArray(rows.map(() => 'HTTP'), new Utf8()).data[0]!,
    request: makeData({ type: new Uint64(), length: rows.length, data: BigUint64Array.from(rows, (r) => BigInt(r[2])) }),
  };
  const fields = Object.entries(cols).map(([k, d]) => new Field(k, d.type, true));
  const batch = new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: rows.length, children: Object.values(cols) }));
  assert.equal((await postArrow(server.base, 'flow_metrics.application.1m', batch)).status, 200);
});
after(async () => { await server.stop(); });

async function query(q: string, t: number): Promise<any> {
  const r = await fetch(`${server.base}/api/v1/query?${new URLSearchParams({ query: q, time: String(t) })}`);
  const body = await r.json() as any;
  assert.equal(body.status, 'success', JSON.stringify(body));
  return body.data;
}

test('DeepFlow metric names for every flow table metric', () => {
  assert.ok(FLOW_METRICS.has('flow_metrics__application__request__1m'));
  assert.ok(FLOW_METRICS.has('flow_metrics__application_map__rrt_max__1s'));
  assert.ok(FLOW_METRICS.has('flow_log__l7_flow_log__response_duration'));
  assert.equal(FLOW_METRICS.get('flow_metrics__network__byte_tx__1m')!.table.fullName, 'flow_metrics.network.1m');
});

test('flow tables answer PromQL with tag names as labels', async () => {
  const v = await query('flow_metrics__application__request__1m{pod_service="svc-a"}', T0 + 90);
  assert.equal(v.resultType, 'vector');
  assert.equal(v.result.length, 1);
  assert.deepEqual(v.result[0].metric, { __name__: 'flow_metrics__application__request__1m', pod_service: 'svc-a', pod_ns: 'shop', l7_protocol: 'HTTP' });
  assert.equal(v.result[0].value[1], '12');
  const sum = await query('sum by (pod_service) (flow_metrics__application__request__1m)', T0 + 60);
  assert.deepEqual(sum.result.map((r: any) => [r.metric.pod_service, r.value[1]]).sort(), [['svc-a', '12'], ['svc-b', '5']]);
  const over = await query('sum_over_time(flow_metrics__application__request__1m{pod_service=~"svc-.*", l7_protocol="HTTP"}[3m])', T0 + 120);
  assert.deepEqual(over.result.map((r: any) => [r.metric.pod_service, r.value[1]]).sort(), [['svc-a', '42'], ['svc-b', '9']]);
  const none = await query('flow_metrics__application__request__1m{pod_service="nope"}', T0 + 60);
  assert.deepEqual(none.result, []);
});

test('flow metric names are listed as __name__ values', async () => {
  const r = await (await fetch(`${server.base}/api/v1/label/__name__/values`)).json() as any;
  assert.ok(r.data.includes('flow_metrics__application__request__1m'));
  assert.ok(r.data.includes('flow_log__l7_flow_log__response_duration'));
});
