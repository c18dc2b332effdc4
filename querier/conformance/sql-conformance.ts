/**
 * The SQL conformance suite, callable for any storage adapter (the testkit's SQL half): the
 * generated rows go into MetaFlow over `create()`'s adapter through the ingest path and into a
 * real PostgreSQL 15 as plain rows; every corpus query must give PostgreSQL's answer with
 * pushdown on and off. Without PostgreSQL the on/off comparison still runs (CI requires it).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pino from 'pino';
import { TABLES, DICTIONARY_TABLES } from '../../schema/index.ts';
import type { StorageAdapter } from '../../storage-adapters/adapter.ts';
import { Ingester } from '../../ingester/ingester.ts';
import { QueryEngine } from '../engine.ts';
import { generateL7Rows, PODS } from './dataset.ts';
import { loadIntoMetaFlow } from './load-metaflow.ts';
import { loadIntoPostgres, postgresRunner } from './load-postgres.ts';
import { CONFORMANCE_QUERIES } from './queries.ts';
import { findPostgres } from '../../lib/testing/postgres.ts';
import { compareEngines, type Cell } from './compare.ts';

export interface SqlConformanceOptions {
  /** PostgreSQL to compare with; a throwaway database is created and dropped in it. */
  postgresUrl?: string;
  /** Called after the suite with the adapter, to close it and remove its files. */
  dispose?(adapter: StorageAdapter): Promise<void>;
}

export function sqlConformance(name: string, create: () => Promise<StorageAdapter>, opts: SqlConformanceOptions = {}): void {
  const dbName = `mf_conformance_${process.pid}_${Math.floor(Math.random() * 1e6)}`;
  let adapter: StorageAdapter;
  let admin: pg.Client | undefined;
  let client: pg.Client | undefined;
  let pgSkip: string | undefined;

  before(async () => {
    adapter = await create();
    await adapter.open(TABLES, DICTIONARY_TABLES);
    const ingester = new Ingester(adapter, pino({ level: 'warn' }));
    await ingester.start();
    const rows = generateL7Rows();
    await loadIntoMetaFlow(ingester, rows, PODS);
    // The reference server: the one given, else the machine's cluster (started when it is down).
    const server = opts.postgresUrl ? { ok: true as const, url: opts.postgresUrl } : await findPostgres();
    if (!server.ok) {
      pgSkip = server.reason;
      if (process.env.CI === 'true') throw new Error(pgSkip);
      return;
    }
    const url = server.url;
    admin = new pg.Client(url);
    await admin.connect();
    // C collation: MetaFlow orders text by code point, as stores do by default.
    await admin.query(`CREATE DATABASE ${dbName} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
    const dbUrl = new URL(url);
    dbUrl.pathname = `/${dbName}`;
    client = new pg.Client(dbUrl.toString());
    await client.connect();
    await loadIntoPostgres(client, rows, PODS);
  });

  after(async () => {
    await client?.end();
    if (admin) { await admin.query(`DROP DATABASE IF EXISTS ${dbName}`); await admin.end(); }
    if (opts.dispose) await opts.dispose(adapter); else await adapter.close();
  });

  const metaflow = (pushdown: boolean): ((sql: string) => Promise<Cell[][]>) => {
    const engine = new QueryEngine({ adapter, pushdown });
    return async (sql) => (await engine.query(sql))[0]!.rows;
  };
  const report = (ms: Awaited<ReturnType<typeof compareEngines>>): string[] => ms.map((m) => `${m.sql}\n  ${m.detail}`);

  for (const pushdown of [true, false]) {
    test(`${name}: every corpus query matches PostgreSQL 15 (pushdown ${pushdown ? 'on' : 'off'})`, async (t) => {
      if (pgSkip) { t.skip(pgSkip); return; }
      assert.deepEqual(report(await compareEngines(CONFORMANCE_QUERIES, postgresRunner(client!), metaflow(pushdown))), []);
    });
  }
  test(`${name}: pushdown on and off give identical answers`, async () => {
    assert.deepEqual(report(await compareEngines(CONFORMANCE_QUERIES, metaflow(false), metaflow(true), false)), []);
  });
}
