import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, makeData, RecordBatch, Schema, Struct, vectorFromArray, Utf8, TimestampMicrosecond, Uint32, Int32, Float64, type Data } from 'apache-arrow';
import { DICTIONARY_TABLES, findTable, TABLES } from '../../schema/index.ts';
import { StoreError, type PlanFragment, type StorageAdapter } from '../adapter.ts';
import { adapterConformance } from '../testkit/conformance.ts';
import { ingestThroughStore } from '../../lib/testing/store-ingest.ts';
import { startInfluxd, withInfluxd } from '../../lib/testing/influxdb.ts';
import { freePort } from '../../lib/testing/ports.ts';
import { CHUNK_ROWS, InfluxDBAdapter } from './influxdb-adapter.ts';

const l7 = findTable('flow_log.l7_flow_log')!;

function batch(columns: Record<string, Data>): RecordBatch {
  const fields = Object.entries(columns).map(([name, d]) => new Field(name, d.type, name !== 'time'));
  const n = Object.values(columns)[0]!.length;
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: Object.values(columns) }));
}
const times = (ts: bigint[]) => makeData({ type: new TimestampMicrosecond(), length: ts.length, data: BigInt64Array.from(ts) });
const strings = (vs: Array<string | null>) => vectorFromArray(vs, new Utf8()).data[0]!;
const ids = (vs: Array<number | null>) => vectorFromArray(vs, new Uint32()).data[0]!;
const floats = (vs: number[]) => vectorFromArray(vs, new Float64()).data[0]!;
const ints = (vs: number[]) => vectorFromArray(vs, new Int32()).data[0]!;
const samples = findTable('prometheus.samples')!;

async function rowsOf(a: StorageAdapter, f: PlanFragment): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of a.execute(f)) out.push(...b.rows);
  return out;
}

await withInfluxd('influxdb adapter', (server) => {
  const url = () => `influxdb://${new URL(server.base).host}/${server.database()}`;

  adapterConformance('influxdb', {
    async create() { return new InfluxDBAdapter(url()); },
    async reopen(a) { return new InfluxDBAdapter((a as InfluxDBAdapter).url); },
    workerArgs(a) { return [(a as InfluxDBAdapter).url]; },
    async createOlderLayout(a, table, keep) {
      // Schemaless: an "older layout" is a measurement whose points carry only some fields.
      const db = (a as InfluxDBAdapter).database;
      const q = (s: string) => fetch(`${server.base}/query?db=${db}`, { method: 'POST', body: new URLSearchParams({ q: s }) });
      await q(`CREATE DATABASE ${db}`);
      const fields = keep.filter((k) => k !== 'time').map((k) => `${k}="old"`).join(',');
      await fetch(`${server.base}/write?db=${db}`, { method: 'POST', body: `${table.fullName} ${fields} 1000` });
      await q(`DELETE FROM "${table.fullName}"`);
    },
  });

  test('influxdb: rows with equal tags and time all survive, across batches, calls and writers', async () => {
    const a = new InfluxDBAdapter(url());
    await a.open(TABLES, DICTIONARY_TABLES);
    const b = new InfluxDBAdapter(a.url);
    await b.open(TABLES, DICTIONARY_TABLES);
    const t = 1_700_000_000_123_456n;
    const rows = batch({ time: times([t, t, t]), pod_id_1: ids([7, 7, 7]), endpoint: strings(['a', 'b', 'c']) });
    await a.write(l7, [rows, rows]);
    await Promise.all([a.write(l7, [rows]), a.write(l7, [rows]), b.write(l7, [rows])]);
    const got = await rowsOf(a, { table: l7, columns: ['time', 'pod_id_1', 'endpoint'], filters: [] });
    assert.equal(got.length, 15);
    assert.ok(got.every((r) => r[0] === t && r[1] === 7));
    assert.deepEqual(got.map((r) => r[2]).sort().join(''), 'aaaaabbbbbccccc');
    assert.equal((await a.stats())['flow_log.l7_flow_log']!.rows, 15);
  });

  test('influxdb: tag predicates run in InfluxQL, the rest in JS, with SQL null semantics', async () => {
    const a = new InfluxDBAdapter(url());
    await a.open(TABLES, DICTIONARY_TABLES);
    const n = 40;
    const ts = Array.from({ length: n }, (_, i) => 1_000_000n + BigInt(i));
    const pods = ts.map((_, i) => (i % 5 === 0 ? null : i % 4));
    const eps = ts.map((_, i) => (i % 3 === 0 ? null : `/e${i % 3}`));
    const rrt = ts.map((_, i) => i * 3 - 20);
    await a.write(l7, [batch({ time: times(ts), pod_id_1: ids(pods), endpoint: strings(eps), response_code: ints(rrt) })]);
    const all = ts.map((t, i) => ({ t, pod: pods[i] ?? null, ep: eps[i] ?? null, rrt: rrt[i]! }));
    const cases: Array<[PlanFragment['filters'], (r: (typeof all)[number]) => boolean]> = [
      [[{ column: 'pod_id_1', op: '=', value: 2 }], (r) => r.pod === 2],
      [[{ column: 'pod_id_1', op: '!=', value: 2 }], (r) => r.pod !== null && r.pod !== 2],
      [[{ column: 'pod_id_1', op: 'in', values: [1, 3] }], (r) => r.pod === 1 || r.pod === 3],
      [[{ column: 'pod_id_1', op: 'not in', values: [1, 3] }], (r) => r.pod !== null && r.pod !== 1 && r.pod !== 3],
      [[{ column: 'pod_id_1', op: 'is null' }], (r) => r.pod === null],
      [[{ column: 'pod_id_1', op: '>=', value: 2 }], (r) => r.pod !== null && r.pod >= 2],
      [[{ column: 'endpoint', op: '=', value: '/e1' }, { column: 'response_code', op: '<', value: 30 }], (r) => r.ep === '/e1' && r.rrt < 30],
      [[{ column: 'endpoint', op: 'is not null' }, { column: 'pod_id_1', op: 'in', values: [] }], () => false],
    ];
    for (const [filters, keep] of cases) {
      const got = await rowsOf(a, { table: l7, columns: ['time'], filters, timeRange: { startUs: 1_000_002n, endUs: 1_000_038n } });
      const want = all.filter((r) => r.t >= 1_000_002n && r.t < 1_000_038n && keep(r)).map((r) => [r.t]);
      assert.deepEqual(got, want, JSON.stringify(filters));
    }
    // LIMIT after a JS-side filter still returns the first matching rows.
    const limited = await rowsOf(a, { table: l7, columns: ['time', 'response_code'], filters: [{ column: 'response_code', op: '>', value: 10 }], limit: 3 });
    assert.deepEqual(limited, all.filter((r) => r.rrt > 10).slice(0, 3).map((r) => [r.t, r.rrt]));
    const pushed = await rowsOf(a, { table: l7, columns: ['time'], filters: [{ column: 'pod_id_1', op: '=', value: 1 }], limit: 2 });
    assert.deepEqual(pushed, all.filter((r) => r.pod === 1).slice(0, 2).map((r) => [r.t]));
    // Pushed LIMIT across many series: InfluxQL merges the series by time before limiting.
    const acrossSeries = await rowsOf(a, { table: l7, columns: ['time', 'pod_id_1'], filters: [], limit: 6 });
    assert.deepEqual(acrossSeries, all.slice(0, 6).map((r) => [r.t, r.pod]));
  });

  test('influxdb: big results stream in chunks', async () => {
    const a = new InfluxDBAdapter(url());
    await a.open(TABLES, DICTIONARY_TABLES);
    const n = CHUNK_ROWS * 2 + 5;
    await a.write(l7, [batch({ time: times(Array.from({ length: n }, (_, i) => BigInt(i + 1))) })]);
    const sizes: number[] = [];
    for await (const b of a.execute({ table: l7, columns: ['time'], filters: [] })) sizes.push(b.rows.length);
    assert.deepEqual(sizes, [CHUNK_ROWS, CHUNK_ROWS, 5]);
    for await (const b of a.execute({ table: l7, columns: ['time'], filters: [] })) { assert.equal(b.rows.length, CHUNK_ROWS); break; }
    assert.equal((await a.health()).ok, true);
  });

  test('influxdb: bad input and store failures are StoreErrors with SQLSTATE', async () => {
    const a = new InfluxDBAdapter(url());
    await a.open(TABLES, DICTIONARY_TABLES);
    await assert.rejects(a.write(samples, [batch({ time: times([1n]), value: floats([1]) }), batch({ time: times([2n]), value: floats([NaN]) })]),
      (e: unknown) => e instanceof StoreError && e.sqlstate === '22003' && /NaN/.test(e.message));
    assert.equal((await a.stats())['prometheus.samples']!.rows, 0, 'nothing of a refused write is stored');
    await assert.rejects(rowsOf(a, { table: l7, columns: ['nope'], filters: [] }), (e: unknown) => e instanceof StoreError && e.sqlstate === '42703');
    const down = new InfluxDBAdapter(`influxdb://127.0.0.1:${await freePort()}/x`);
    await assert.rejects(down.open(TABLES, DICTIONARY_TABLES), (e: unknown) => e instanceof StoreError && e.sqlstate === '08001' && /ECONNREFUSED|connect/.test(e.message));
    // A database dropped under a running adapter: InfluxDB's own message comes through.
    await fetch(`${server.base}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE ${a.database}` }) });
    await assert.rejects(rowsOf(a, { table: l7, columns: ['time'], filters: [] }),
      (e: unknown) => e instanceof StoreError && e.sqlstate === '3D000' && /database not found/.test(e.message));
  });

  test('influxdb: wrong credentials fail open with 28P01, right ones work', async () => {
    const server = await startInfluxd({ auth: true });
    try {
      const host = new URL(server.base).host;
      const bad = new InfluxDBAdapter(`influxdb://admin:nope@${host}/mf`);
      await assert.rejects(bad.open(TABLES, DICTIONARY_TABLES), (e: unknown) => e instanceof StoreError && e.sqlstate === '28P01' && /authorization failed/.test(e.message));
      const anonymous = new InfluxDBAdapter(`influxdb://${host}/mf`);
      await assert.rejects(anonymous.open(TABLES, DICTIONARY_TABLES), (e: unknown) => e instanceof StoreError && e.sqlstate === '28P01');
      const good = new InfluxDBAdapter(`influxdb://admin:admin@${host}/mf`);
      await good.open(TABLES, DICTIONARY_TABLES);
      await good.write(l7, [batch({ time: times([5n]) })]);
      assert.deepEqual(await rowsOf(good, { table: l7, columns: ['time'], filters: [] }), [[5n]]);
      await good.close();
    } finally {
      await server.stop();
    }
  });

  test('influxdb: a server started with --storage influxdb:// ingests over HTTP into it', async () => {
    await ingestThroughStore(url(), 'influxdb');
  });
});
