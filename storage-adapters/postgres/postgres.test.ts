import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Field, makeData, RecordBatch, Schema, Struct, vectorFromArray, Utf8, TimestampMicrosecond } from 'apache-arrow';
import { DICTIONARY_TABLES, findTable, TABLES } from '../../schema/index.ts';
import { StoreError } from '../adapter.ts';
import { adapterConformance } from '../testkit/conformance.ts';
import { ingestThroughStore } from '../../lib/testing/store-ingest.ts';
import { withPostgres } from '../../lib/testing/postgres.ts';
import { freePort } from '../../lib/testing/ports.ts';
import { PostgresAdapter } from './postgres-adapter.ts';
import { FETCH_ROWS } from './postgres-reader.ts';
import { createTableSql, tableRef } from './postgres-types.ts';

const l7 = findTable('flow_log.l7_flow_log')!;

function batch(times: bigint[], endpoints: Array<string | null>): RecordBatch {
  const time = makeData({ type: new TimestampMicrosecond(), length: times.length, data: BigInt64Array.from(times) });
  const endpoint = vectorFromArray(endpoints, new Utf8()).data[0]!;
  const fields = [new Field('time', time.type, false), new Field('endpoint', endpoint.type, true)];
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: times.length, children: [time, endpoint] }));
}

await withPostgres('postgres adapter', (server) => {
  adapterConformance('postgres', {
    async create() { return new PostgresAdapter(server.database()); },
    async reopen(a) { return new PostgresAdapter((a as PostgresAdapter).url); },
    workerArgs(a) { return [(a as PostgresAdapter).url]; },
    async createOlderLayout(a, table, keep) {
      const url = (a as PostgresAdapter).url;
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${new URL(url).pathname.slice(1)}"`);
      await admin.end();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`CREATE SCHEMA ${table.database}`);
      await c.query(createTableSql({ ...table, columns: table.columns.filter((x) => keep.includes(x.name)) }));
      await c.end();
    },
  });

  test('postgres: big results stream in cursor-sized batches', async () => {
    const a = new PostgresAdapter(server.database());
    await a.open(TABLES, DICTIONARY_TABLES);
    const n = FETCH_ROWS * 2 + 17;
    const times = Array.from({ length: n }, (_, i) => 1_700_000_000_000_000n + BigInt(i));
    await a.write(l7, [batch(times, times.map((t) => `e${t % 10n}`))]);
    const sizes: number[] = [];
    let last = 0n;
    for await (const b of a.execute({ table: l7, columns: ['time'], filters: [] })) {
      sizes.push(b.rows.length);
      last = b.rows.at(-1)?.[0] as bigint ?? last;
    }
    assert.deepEqual(sizes, [FETCH_ROWS, FETCH_ROWS, 17]);
    assert.equal(last, times.at(-1));
    // Leaving early closes the cursor and frees the connection for the next query.
    for await (const b of a.execute({ table: l7, columns: ['time'], filters: [] })) { assert.equal(b.rows.length, FETCH_ROWS); break; }
    const limited = [];
    for await (const b of a.execute({ table: l7, columns: ['endpoint'], filters: [{ column: 'endpoint', op: 'in', values: ['e3', 'e4'] }], limit: 5 })) limited.push(...b.rows);
    assert.equal(limited.length, 5);
    await a.close();
  });

  test('postgres: a failing write stores none of its batches', async () => {
    const a = new PostgresAdapter(server.database());
    await a.open(TABLES, DICTIONARY_TABLES);
    // Postgres text cannot hold NUL: the second batch fails inside COPY.
    await assert.rejects(a.write(l7, [batch([1n, 2n], ['ok', 'ok']), batch([3n], ['bad\0'])]),
      (e: unknown) => e instanceof StoreError && e.sqlstate === '22021' && /0x00/.test(e.message));
    assert.equal((await a.stats())['flow_log.l7_flow_log']!.rows, 0);
    await a.write(l7, [batch([4n], ['fine'])]);
    assert.equal((await a.stats())['flow_log.l7_flow_log']!.rows, 1);
    await a.close();
  });

  test('postgres: store errors carry SQLSTATE and the server message', async () => {
    const a = new PostgresAdapter(server.database());
    await a.open(TABLES, DICTIONARY_TABLES);
    const run = async () => { for await (const _ of a.execute({ table: l7, columns: ['no_such_column'], filters: [] })) { /* drain */ } };
    await assert.rejects(run, (e: unknown) => e instanceof StoreError && e.sqlstate === '42703' && /no_such_column/.test(e.message));
    assert.equal((await a.health()).ok, true);
    await a.close();
    const u = new URL(server.url);
    u.password = 'wrong-password';
    const bad = new PostgresAdapter(u.toString());
    await assert.rejects(bad.open(TABLES, DICTIONARY_TABLES), (e: unknown) => e instanceof StoreError && e.sqlstate === '28P01');
    u.port = String(await freePort());
    const down = new PostgresAdapter(u.toString());
    await assert.rejects(down.open(TABLES, DICTIONARY_TABLES), (e: unknown) => e instanceof StoreError && e.sqlstate === '08001');
  });

  test('postgres: plain tables get a BRIN index on time', async () => {
    const a = new PostgresAdapter(server.database());
    await a.open(TABLES, DICTIONARY_TABLES);
    const c = new pg.Client({ connectionString: a.url });
    await c.connect();
    const r = await c.query(`SELECT am.amname FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
      WHERE i.indrelid = $1::regclass`, [tableRef(l7)]);
    await c.end();
    assert.equal(a.timescale, false);
    assert.deepEqual(r.rows.map((x) => x.amname), ['brin']);
    await a.close();
  });

  test('postgres: a server started with --storage postgres:// ingests over HTTP into it', async () => {
    await ingestThroughStore(server.database(), 'postgres');
  });
});
