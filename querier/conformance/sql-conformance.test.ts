/**
 * The same generated rows in MetaFlow (ingested, SmartEncoded, on the embedded DuckDB store)
 * and in a real PostgreSQL 15 as plain rows; every corpus query must answer identically,
 * with pushdown on and with pushdown off.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { DuckDBAdapter } from '../../storage-adapters/duckdb/duckdb-adapter.ts';
import { TABLES, DICTIONARY_TABLES } from '../../schema/index.ts';
import { Ingester } from '../../ingester/ingester.ts';
import { QueryEngine } from '../engine.ts';
import { generateL7Rows, PODS } from './dataset.ts';
import { loadIntoMetaFlow } from './load-metaflow.ts';
import { loadIntoPostgres, postgresRunner } from './load-postgres.ts';
import { CONFORMANCE_QUERIES } from './queries.ts';
import { compareEngines, type Cell } from './compare.ts';

const PG_URL = process.env.METAFLOW_TEST_PG ?? 'postgres://postgres:postgres@127.0.0.1:5432/postgres';
const dbName = `mf_conformance_${process.pid}`;
let admin: pg.Client | undefined;
let client: pg.Client | undefined;
let pgSkip: string | undefined;
const dir = mkdtempSync(join(tmpdir(), 'metaflow-conformance-'));
const adapter = new DuckDBAdapter(dir);

before(async () => {
  await adapter.open(TABLES, DICTIONARY_TABLES);
  const ingester = new Ingester(adapter, pino({ level: 'warn' }));
  await ingester.start();
  const rows = generateL7Rows();
  await loadIntoMetaFlow(ingester, rows, PODS);
  try {
    admin = new pg.Client(PG_URL);
    await admin.connect();
  } catch (e) {
    admin = undefined;
    pgSkip = `PostgreSQL not reachable at ${PG_URL}: ${(e as Error).message}`;
    if (process.env.CI === 'true') throw new Error(pgSkip);
    return;
  }
  await admin.query(`CREATE DATABASE ${dbName} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  const url = new URL(PG_URL);
  url.pathname = `/${dbName}`;
  client = new pg.Client(url.toString());
  await client.connect();
  await loadIntoPostgres(client, rows, PODS);
});

after(async () => {
  await client?.end();
  if (admin) { await admin.query(`DROP DATABASE IF EXISTS ${dbName}`); await admin.end(); }
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
});

function metaflowRunner(pushdown: boolean): (sql: string) => Promise<Cell[][]> {
  const engine = new QueryEngine({ adapter, pushdown });
  return async (sql) => (await engine.query(sql))[0]!.rows;
}

for (const pushdown of [true, false]) {
  test(`every corpus query matches PostgreSQL 15 (pushdown ${pushdown ? 'on' : 'off'})`, async (t) => {
    if (pgSkip) { t.skip(pgSkip); return; }
    const mismatches = await compareEngines(CONFORMANCE_QUERIES, postgresRunner(client!), metaflowRunner(pushdown));
    assert.deepEqual(mismatches.map((m) => `${m.sql}\n  ${m.detail}`), []);
  });
}

test('pushdown on and off give identical answers', async () => {
  const mismatches = await compareEngines(CONFORMANCE_QUERIES, metaflowRunner(false), metaflowRunner(true));
  assert.deepEqual(mismatches.map((m) => `${m.sql}\n  ${m.detail}`), []);
});
