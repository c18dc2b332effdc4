/**
 * The ClickHouse adapter against a real clickhouse-server (lib/testing/clickhouse.ts): the
 * shared conformance suite, with each test in its own database prefix on one server, then
 * what the suite does not cover: literals 18.16 cannot parse, streaming and cancelling,
 * errors raised midway through a result, credentials, health, and ingest over HTTP.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { arrowType, DICTIONARY_TABLES, findTable, TABLES } from '../../schema/index.ts';
import { StoreError, type ResultBatch } from '../adapter.ts';
import { createAdapter } from '../registry.ts';
import { generateL7Batch, topology } from '../../lib/testing/l7-data.ts';
import { postArrow, startTestServer } from '../../lib/testing/server.ts';
import { adapterConformance } from '../testkit/conformance.ts';
import { clickhouseFixture } from './testing/conformance-fixture.ts';
import { clickhouseSkipReason, startClickHouse, type ClickHouseServer } from '../../lib/testing/clickhouse.ts';
import { ClickHouseAdapter } from './clickhouse-adapter.ts';
import { clickhouseOptions } from './clickhouse-config.ts';

const skip = clickhouseSkipReason();

if (skip) {
  test('clickhouse adapter conformance', { skip }, () => undefined);
} else {
  let server: Promise<ClickHouseServer> | undefined;
  const started = () => (server ??= startClickHouse());
  after(async () => { if (server) await (await server).stop(); });
  let stores = 0;

  adapterConformance('clickhouse', clickhouseFixture(async () => {
    const s = await started();
    return new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${s.httpPort}/conformance${++stores}`)));
  }));

  const l7 = findTable('flow_log.l7_flow_log')!;
  const app = findTable('flow_metrics.application.1m')!;

  async function opened(prefix: string): Promise<ClickHouseAdapter> {
    const s = await started();
    const a = new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${s.httpPort}/${prefix}`)));
    await a.open(TABLES, DICTIONARY_TABLES);
    return a;
  }

  async function rowsOf(batches: AsyncIterable<ResultBatch>): Promise<unknown[][]> {
    const out: unknown[][] = [];
    for await (const b of batches) out.push(...b.rows);
    return out;
  }

  /** A fixed-width Arrow column; `valid` is its validity bitmap when some values are null. */
  function values(type: 'timestamp' | 'float64', data: BigInt64Array | Float64Array, valid?: Uint8Array): Data {
    const nulls = valid ? data.length - [...Array(data.length).keys()].filter((i) => valid[i >> 3]! & (1 << (i & 7))).length : 0;
    return makeData({ type: arrowType(type), length: data.length, nullCount: nulls, nullBitmap: valid ?? null, data } as never);
  }

  function batchOf(columns: Array<[string, Data]>): RecordBatch {
    const fields = columns.map(([name, d]) => new Field(name, d.type, name !== 'time'));
    return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: columns[0]![1].length, children: columns.map(([, d]) => d) }));
  }

  test('clickhouse: filters on floats and strings the 18.16 parser cannot take literally select exactly', async () => {
    const a = await opened('literals');
    const floats = [5e-324, Infinity, -1.5e308, 0.1, -0];
    const names = ["it's", 'back\\slash', 'tab\there', 'ünï 🚀', "quote' OR 1=1 --"];
    await a.write(app, [batchOf([
      ['time', values('timestamp', BigInt64Array.from([1n, 2n, 3n, 4n, 5n]))],
      ['rrt_sum', values('float64', Float64Array.from(floats))],
      ['app_service', vectorFromArray(names, new Utf8()).data[0]!],
    ])]);
    for (const [i, f] of floats.entries()) {
      const rows = await rowsOf(a.execute({ table: app, columns: ['time', 'rrt_sum'], filters: [{ column: 'rrt_sum', op: '=', value: f }] }));
      // -0 equals 0 in IEEE comparisons; every other value matches only its own row.
      assert.deepEqual(rows.map((r) => r[0]), [BigInt(i + 1)], `rrt_sum = ${f}`);
      assert.ok(Object.is(rows[0]![1], f), `${f} read back exactly`);
    }
    for (const [i, n] of names.entries()) {
      const rows = await rowsOf(a.execute({ table: app, columns: ['time'], filters: [{ column: 'app_service', op: 'in', values: [n] }] }));
      assert.deepEqual(rows, [[BigInt(i + 1)]], n);
    }
    await a.close();
  });

  test('clickhouse: an endless result streams in bounded batches and stopping early kills the query', async () => {
    const a = await opened('stream');
    const node = a.shardNodes()[0]!;
    const sql = "SELECT number FROM system.numbers WHERE number % 2 = 0 AND 'metaflow-stream-test' != ''";
    let seen = 0;
    for await (const b of a.query(node, sql, [{ name: 'number', type: 'uint64', nullable: false }])) {
      assert.ok(b.rows.length <= 8192);
      assert.equal(b.rows[0]![0], BigInt(seen * 2));
      seen += b.rows.length;
      if (seen >= 50_000) break;
    }
    let running = 1;
    for (let i = 0; i < 50 && running > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const rows = await a.selectAll(node, "SELECT count() AS n FROM system.processes WHERE query LIKE '%metaflow-stream-test%' AND query NOT LIKE '%system.processes%'", [{ name: 'n', type: 'uint64', nullable: false }]);
      running = Number(rows[0]![0]);
    }
    assert.equal(running, 0, 'the server stopped the query');
    await a.close();
  });

  test('clickhouse: an abort signal cancels a running query with SQLSTATE 57014', async () => {
    const a = await opened('abort');
    const ac = new AbortController();
    const it = a.query(a.shardNodes()[0]!, 'SELECT number FROM system.numbers', [{ name: 'number', type: 'uint64', nullable: false }], { signal: ac.signal });
    await assert.rejects((async () => { for await (const _ of it) ac.abort(); })(), (e: StoreError) => e.sqlstate === '57014');
    await a.close();
  });

  test('clickhouse: an error raised after rows were sent surfaces as a StoreError with ClickHouse\'s message', async () => {
    const a = await opened('midway');
    let rows = 0;
    await assert.rejects((async () => {
      for await (const b of a.query(a.shardNodes()[0]!, 'SELECT throwIf(number = 3000000) AS x FROM system.numbers', [{ name: 'x', type: 'uint8', nullable: false }])) rows += b.rows.length;
    })(), (e: StoreError) => e instanceof StoreError && e.sqlstate === 'P0001' && /Value passed to 'throwIf' function is non zero/.test(e.message));
    assert.ok(rows > 0 && rows <= 3_000_000, `rows before the error: ${rows}`);
    await a.close();
  });

  test('clickhouse: store errors carry ClickHouse\'s message and a SQLSTATE', async () => {
    const a = await opened('errors');
    const node = a.shardNodes()[0]!;
    await assert.rejects(rowsOf(a.query(node, 'SELECT x FROM `errors_flow_log`.nosuch', [{ name: 'x', type: 'uint8', nullable: false }])),
      (e: StoreError) => e.sqlstate === '42P01' && /errors_flow_log\.nosuch doesn't exist|does not exist/.test(e.message));
    await assert.rejects(rowsOf(a.query(node, 'SELEC 1', [{ name: '1', type: 'uint8', nullable: false }])), (e: StoreError) => e.sqlstate === '42601' && /Syntax error/.test(e.message));
    await assert.rejects(a.write(l7, [batchOf([['time', values('timestamp', BigInt64Array.from([1n, 0n]), Uint8Array.from([1]))]])]),
      (e: StoreError) => e.sqlstate === '23502');
    assert.equal((await a.stats())['flow_log.l7_flow_log']!.rows, 0, 'a refused write stores nothing');
    await a.close();
  });

  test('clickhouse: wrong password, unreachable server and health name the host and the cause', async () => {
    const locked = await startClickHouse({ password: 's3cret' });
    try {
      const host = `127.0.0.1:${locked.httpPort}`;
      const wrong = createAdapter(`clickhouse://default:nope@${host}/`, { dataDir: '.' });
      await assert.rejects(wrong.open(TABLES, DICTIONARY_TABLES), (e: StoreError) =>
        e.sqlstate === '28P01' && e.message === `ClickHouse at ${host} refused user 'default': Wrong password for user default`);
      await wrong.close();
      const right = createAdapter(`clickhouse://default:s3cret@${host}/`, { dataDir: '.' });
      await right.open(TABLES, DICTIONARY_TABLES);
      const health = await right.health();
      assert.equal(health.ok, true);
      assert.match(health.detail, new RegExp(`^clickhouse 18\\.|^clickhouse \\d+\\.`));
      assert.ok(health.detail.includes(host), health.detail);
      await locked.stop();
      const down = await right.health();
      assert.equal(down.ok, false);
      assert.match(down.detail, new RegExp(`cannot reach ClickHouse at ${host.replace(/\./g, '\\.')}: ECONNREFUSED`));
      await right.close();
      const gone = createAdapter(`clickhouse://${host}/`, { dataDir: '.' });
      await assert.rejects(gone.open(TABLES, DICTIONARY_TABLES), (e: StoreError) => e.sqlstate === '08001' && e.message.includes(host));
      await gone.close();
    } finally {
      await locked.stop();
    }
  });

  test('clickhouse: a MetaFlow server ingests over HTTP into ClickHouse and reports the store in /v1/health', async () => {
    const s = await started();
    const storage = `clickhouse://127.0.0.1:${s.httpPort}/server`;
    const server = await startTestServer({ flags: { storage } });
    try {
      const batch = generateL7Batch({ rows: 5000, seed: 7, topo: topology(50, 10, 5), startUs: 1_700_000_000_000_000n });
      const r = await postArrow(server.base, 'flow_log.l7_flow_log', batch);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal((await server.adapter.stats())['flow_log.l7_flow_log']!.rows, 5000);
      assert.ok((await server.adapter.dictionaries.entries('pod')).length > 0, 'pods were SmartEncoded into the ClickHouse dictionary');
      const health = await fetch(`${server.base}/v1/health`);
      assert.equal(health.status, 200);
      const body = await health.json() as { store: { kind: string; ok: boolean; detail: string } };
      assert.equal(body.store.kind, 'clickhouse');
      assert.equal(body.store.ok, true);
      assert.ok(body.store.detail.includes(`127.0.0.1:${s.httpPort}`));
    } finally {
      await server.stop();
    }
    await assert.rejects(startTestServer({ flags: { storage: `clickhouse://default:bad@127.0.0.1:${s.httpPort}/server` } }), /refused user 'default'/);
  });
}
