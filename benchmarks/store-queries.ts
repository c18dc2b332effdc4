/**
 * Dashboard queries per store: the five queries of dashboard-queries.ts through MetaFlow's SQL
 * over the PostgreSQL wire protocol (parse → plan → pushdown → store → tag decoding) versus the
 * hand-written native query on the same store and the same rows, for DuckDB, PostgreSQL and
 * ClickHouse. The two run in turn, query by query, and must give the same answer. MetaFlow's
 * engine and wire server run in this process (as in querier-overhead.ts) on the store's adapter.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import pino from 'pino';
import { TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { Ingester } from '../ingester/ingester.ts';
import { QueryEngine } from '../querier/engine.ts';
import { createPgHandler } from '../querier/pg-handler.ts';
import { createPgServer } from '../querier/pgwire/server.ts';
import type { StorageAdapter } from '../storage-adapters/adapter.ts';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { PostgresAdapter } from '../storage-adapters/postgres/postgres-adapter.ts';
import { ClickHouseAdapter } from '../storage-adapters/clickhouse/clickhouse-adapter.ts';
import { clickhouseOptions } from '../storage-adapters/clickhouse/clickhouse-config.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc } from '../lib/testing/server.ts';
import { findPostgres } from '../lib/testing/postgres.ts';
import { startClickHouse } from '../lib/testing/clickhouse.ts';
import { firstDifference, dashboardQueries, DIALECTS, type NativeDialect } from './dashboard-queries.ts';
import { progress, table } from './util.ts';

type Store = 'duckdb' | 'postgres' | 'clickhouse';
/** Every value as the server's text: both sides are then compared on the same footing. */
const TEXT_TYPES = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

interface StoreUnderTest { adapter: StorageAdapter; native(sql: string): Promise<unknown[][]>; close(): Promise<void> }

async function openStore(store: Store): Promise<StoreUnderTest> {
  if (store === 'duckdb') {
    const dir = mkdtempSync(join(tmpdir(), 'metaflow-bench-queries-'));
    const adapter = new DuckDBAdapter(join(dir, 'metaflow.duckdb'));
    await adapter.open(TABLES, DICTIONARY_TABLES);
    return {
      adapter,
      native: async (sql) => { const out: unknown[][] = []; for await (const b of adapter.query(sql)) out.push(...b.rows); return out; },
      close: async () => { await adapter.close(); rmSync(dir, { recursive: true, force: true }); },
    };
  }
  if (store === 'postgres') {
    const server = await findPostgres();
    if (!server.ok) throw new Error(server.reason);
    const db = `metaflow_bench_q_${process.pid}_${Date.now().toString(36)}`;
    const u = new URL(server.url);
    u.pathname = `/${db}`;
    const adapter = new PostgresAdapter(u.toString());
    await adapter.open(TABLES, DICTIONARY_TABLES);
    const client = new pg.Client({ connectionString: u.toString(), types: TEXT_TYPES, options: '-c TimeZone=UTC' });
    await client.connect();
    return {
      adapter,
      native: async (sql) => (await client.query({ text: sql, rowMode: 'array' })).rows as unknown[][],
      close: async () => {
        await client.end();
        await adapter.close();
        const admin = new pg.Client({ connectionString: server.url });
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        await admin.end();
      },
    };
  }
  const ch = await startClickHouse();
  const adapter = new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${ch.httpPort}/metaflow`)));
  await adapter.open(TABLES, DICTIONARY_TABLES);
  return {
    adapter,
    native: async (sql) => {
      const r = await fetch(`${ch.url}/?${new URLSearchParams({ query: `${sql} FORMAT JSONCompact` })}`, { method: 'POST' });
      const text = await r.text();
      if (r.status !== 200) throw new Error(`ClickHouse refused ${sql.slice(0, 80)}: ${text.slice(0, 300)}`);
      return (JSON.parse(text) as { data: unknown[][] }).data;
    },
    close: async () => { await adapter.close(); await ch.stop(); },
  };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

async function benchStore(store: Store, rows: number, iterations: number): Promise<Array<Array<string | number>>> {
  const s = await openStore(store);
  const server = createPgServer({ handler: createPgHandler(new QueryEngine({ adapter: s.adapter })), log: pino({ level: 'warn' }) });
  let client: pg.Client | undefined;
  try {
    const ingester = new Ingester(s.adapter, pino({ level: 'warn' }));
    await ingester.start();
    const topo = topology();
    progress(`store-queries: loading ${rows} rows into ${store}`);
    for (let done = 0, seed = 1; done < rows; done += 50_000, seed++) {
      const batch = generateL7Batch({ rows: Math.min(50_000, rows - done), seed, topo, startUs: 1_700_000_000_000_000n + BigInt(done) * 1000n });
      await ingester.ingestArrow('flow_log.l7_flow_log', ipc(batch));
    }
    const port = (await server.listen(0, '127.0.0.1')).port;
    client = new pg.Client({ host: '127.0.0.1', port, user: 'bench', database: 'flow_log', types: TEXT_TYPES });
    await client.connect();
    const dialect: NativeDialect = DIALECTS[store];
    const lines: Array<Array<string | number>> = [];
    for (const q of dashboardQueries(topo.podService[0]!, topo.pods[0]!)) {
      const nativeSql = q.native(dialect);
      const ours: number[] = [];
      const theirs: number[] = [];
      let answer = '';
      let failed: string | undefined;
      for (let i = 0; i < iterations + 2; i++) {
        let t0 = performance.now();
        let a: unknown[][];
        try {
          a = (await client.query({ text: q.metaflow, rowMode: 'array' })).rows as unknown[][];
        } catch (e) {
          // MetaFlow refusing a query is a finding to report; the other queries still run.
          failed = (e as Error).message;
          progress(`store-queries: ${store} ${q.name}: MetaFlow failed: ${failed}`);
          break;
        }
        const oursMs = performance.now() - t0;
        t0 = performance.now();
        const b = await s.native(nativeSql);
        const nativeMs = performance.now() - t0;
        if (i === 0) {
          if (a.length === 0) throw new Error(`${store} ${q.name}: no rows`);
          // A different answer is a finding to report, not a reason to stop the other queries.
          const diff = firstDifference(a, b);
          answer = diff ? `**differ** at ${diff}` : `equal (${a.length} rows)`;
          if (diff) progress(`store-queries: ${store} ${q.name}: answers differ at ${diff}\nMetaFlow: ${q.metaflow}\nnative:   ${nativeSql}`);
        }
        if (i >= 2) { ours.push(oursMs); theirs.push(nativeMs); }
      }
      if (failed !== undefined) {
        lines.push([store, q.name, '–', '–', '–', `**MetaFlow failed**: ${failed.replace(/\|/g, '\\|')}`]);
        continue;
      }
      const [m, n] = [median(ours), median(theirs)];
      lines.push([store, q.name, n, m, m / n, answer]);
      progress(`store-queries: ${store} ${q.name}: native ${n.toFixed(1)} ms, MetaFlow ${m.toFixed(1)} ms`);
    }
    return lines;
  } finally {
    await client?.end().catch(() => undefined);
    await server.close();
    await s.close();
  }
}

export async function benchStoreQueries(opts: { rows?: number; iterations?: number; stores?: Store[] } = {}): Promise<{ markdown: string }> {
  const rows = opts.rows ?? 100_000;
  const iterations = opts.iterations ?? 10;
  const lines: Array<Array<string | number>> = [];
  for (const store of opts.stores ?? ['duckdb', 'postgres', 'clickhouse'] as Store[]) lines.push(...await benchStore(store, rows, iterations));
  const timed = lines.filter((l) => typeof l[4] === 'number');
  const worst = timed.reduce((w, l) => (Number(l[4]) > Number(w[4]) ? l : w), timed[0] ?? ['–', '–', 0, 0, NaN]);
  return {
    markdown: [
      `${rows.toLocaleString('en-US')} l7_flow_log rows (1k pods, 200 services, 50k endpoints) written through MetaFlow into each store; per query ${iterations} timed runs after 2 warm-ups, MetaFlow (PG wire, engine in this process) and the hand-written native query on the store's own layout taking turns; the first answers of both compared row by row, value by value (timestamps as µs, fractions to 9 significant digits).`,
      '',
      table(['store', 'query', 'native median (ms)', 'MetaFlow median (ms)', 'ratio', 'answers'], lines),
      '',
      `Target ratio ≤ 1.20; the highest is **${Number(worst[4]).toFixed(2)}** (${worst[0]}, ${worst[1]}). Different answers: **${lines.filter((l) => String(l[5]).startsWith('**differ')).length}** of ${lines.length}; MetaFlow failed: **${lines.length - timed.length}**.`,
    ].join('\n'),
  };
}
