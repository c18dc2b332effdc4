/** Engine behaviour beyond the conformance corpus: errors, DeepFlow functions, meta, limits, HTTP. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import Fastify from 'fastify';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { Ingester } from '../ingester/ingester.ts';
import { QueryEngine } from './engine.ts';
import { QueryError } from './errors.ts';
import { generateL7Rows, PODS } from './conformance/dataset.ts';
import { loadIntoMetaFlow } from './conformance/load-metaflow.ts';
import { registerQueryRoutes, jsonChunks } from './http/query-routes.ts';

const dir = mkdtempSync(join(tmpdir(), 'metaflow-engine-'));
const adapter = new DuckDBAdapter(dir);
const rows = generateL7Rows();
let engine: QueryEngine;

before(async () => {
  await adapter.open(TABLES, DICTIONARY_TABLES);
  const ingester = new Ingester(adapter, pino({ level: 'warn' }));
  await ingester.start();
  await loadIntoMetaFlow(ingester, rows, PODS);
  engine = new QueryEngine({ adapter });
});
after(async () => { await adapter.close(); rmSync(dir, { recursive: true, force: true }); });

async function one(sql: string, e = engine) { return (await e.query(sql))[0]!; }
async function fails(sql: string, sqlstate: string, e = engine): Promise<QueryError> {
  try { await e.query(sql); } catch (err) {
    assert.ok(err instanceof QueryError, String(err));
    assert.equal(err.sqlstate, sqlstate, err.message);
    return err;
  }
  assert.fail(`expected ${sqlstate} from ${sql}`);
}

test('unknown table and column: 42P01 / 42703 with position and nearest names', async () => {
  const t = await fails('SELECT 1 FROM flow_log.l7_flow_lgo', '42P01');
  assert.equal(t.position, 24);
  assert.match(t.hint ?? '', /l7_flow_log/);
  const c = await fails('SELECT pod_l FROM l7_flow_log', '42703');
  assert.equal(c.position, 8);
  assert.match(c.hint ?? '', /"pod_1"|"pod_0"/);
  const s = await fails('SELECT FROM WHERE', '42601');
  assert.ok(s.position !== undefined);
});

test('an aggregate MetaFlow does not have: 42883 with position and the supported list', async () => {
  const e = await fails("SELECT string_agg(endpoint, ',' ORDER BY endpoint) FROM l7_flow_log", '42883');
  assert.equal(e.position, 8);
  assert.match(e.message, /string_agg/);
  assert.match(e.hint ?? '', /percentile_cont/);
});

test('grouping errors and refused writes', async () => {
  await fails('SELECT pod_1, count(*) FROM l7_flow_log', '42803');
  await fails('SELECT count(*) FROM l7_flow_log WHERE count(*) > 1', '42803');
  await fails("INSERT INTO flow_log.l7_flow_log (endpoint) VALUES ('x')", '25006');
});

test('DeepFlow functions: delay metrics skip zeros, Uniq, Apdex, PerSecond, time()', async () => {
  const r = await one(`SELECT Avg(response_duration), avg(response_duration), Max(response_duration), Min(response_duration), Uniq(pod_1),
    Apdex(response_duration, 50000), Spread(response_duration) FROM l7_flow_log`);
  const d = rows.map((x) => x.response_duration);
  const nz = d.filter((x) => x > 0);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const [dfAvg, sqlAvg, mx, mn, uniq, apdex, spread] = r.rows[0]!.map(Number);
  assert.ok(Math.abs(dfAvg! - mean(nz)) < 1e-6 * mean(nz));
  assert.ok(Math.abs(sqlAvg! - mean(d)) < 1e-6 * mean(d));
  assert.equal(mx, Math.max(...nz));
  assert.equal(mn, Math.min(...nz));
  assert.equal(uniq, new Set(rows.map((x) => x.pod_1).filter((p) => p !== null)).size);
  const sat = nz.filter((x) => x <= 50000).length, tol = nz.filter((x) => x > 50000 && x <= 200000).length;
  assert.ok(Math.abs(apdex! - ((sat + tol / 2) / nz.length) * 100) < 1e-9);
  assert.equal(spread, Math.max(...nz) - Math.min(...nz));
  const dfCount = await one("SELECT Count(row) AS n, Enum(l7_protocol) AS p FROM l7_flow_log WHERE l7_protocol = 'MySQL' GROUP BY 2");
  assert.deepEqual(dfCount.rows, [[rows.filter((x) => x.l7_protocol === 'MySQL').length, 'MySQL']]);
  const ps = await one('SELECT time(time, 60) AS t, PerSecond(Sum(request_length)) AS bps, Sum(request_length) AS b FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 3');
  for (const [, bps, b] of ps.rows) assert.ok(Math.abs(Number(bps) - Number(b) / 60) < 1e-9);
  assert.equal(Number(ps.rows[1]![0]) - Number(ps.rows[0]![0]), 60_000_000);
});

test('epoch numbers and now() - interval compare with time', async () => {
  const epoch = Date.UTC(2024, 0, 15, 10, 30) / 1000;
  const a = await one(`SELECT count(*) FROM l7_flow_log WHERE time >= ${epoch}`);
  const b = await one(`SELECT count(*) FROM l7_flow_log WHERE time >= '2024-01-15T10:30:00Z'`);
  assert.deepEqual(a.rows, b.rows);
  assert.ok(Number(a.rows[0]![0]) > 0);
  const c = await one(`SELECT count(*) FROM l7_flow_log WHERE time > now() - interval '1 hour'`);
  assert.deepEqual(c.rows, [[0]]);
  const tb = await one(`SELECT time_bucket('5 minutes', time) AS b, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 2`);
  const db = await one(`SELECT date_bin('5 minutes', time, '2000-01-03') AS b, count(*) FROM l7_flow_log GROUP BY 1 ORDER BY 1 LIMIT 2`);
  assert.deepEqual(tb.rows, db.rows);
});

test('meta statements', async () => {
  assert.ok((await one('SHOW DATABASES')).rows.some((r) => r[0] === 'flow_log'));
  assert.ok((await one('SHOW TABLES')).rows.some((r) => r[0] === 'l7_flow_log'));
  const tags = await one('SHOW TAGS FROM l7_flow_log');
  assert.ok(tags.rows.some((r) => r[0] === 'pod_1'));
  assert.ok(!tags.rows.some((r) => r[0] === 'response_duration'));
  assert.ok((await one('SHOW METRICS FROM flow_log.l7_flow_log')).rows.some((r) => r[0] === 'response_duration' && r[3] === 'delay'));
  const values = await one('SHOW TAG pod_1 VALUES FROM l7_flow_log');
  assert.deepEqual(values.rows.map((r) => r[0]), [...PODS.map((p) => p.name)].sort());
  const apps = await one('SHOW TAG "k8s.label.app_1" VALUES FROM l7_flow_log');
  assert.deepEqual(apps.rows.map((r) => r[0]), [...new Set(PODS.map((p) => p.app).filter((a) => a !== null))].sort());
  await fails('SHOW TAGS FROM l7_flow', '42P01');
  const plan = (await one("EXPLAIN SELECT pod_1, count(*) FROM l7_flow_log WHERE pod_1 = 'db-0' GROUP BY 1")).rows.map((r) => r[0]);
  assert.equal(plan[0], 'Project name(_c0), _c1');
  assert.match(String(plan[1]), /^  Store: flow_log\.l7_flow_log WHERE \(pod_id_1 in \d+\) GROUP BY pod_id_1; count_star SELECT _g0, _a0$/);
});

test('default LIMIT with a notice, row cap 54000, timeout 57014; engine keeps serving', async () => {
  const small = new QueryEngine({ adapter, defaultLimit: 50 });
  const r = await one('SELECT time FROM l7_flow_log', small);
  assert.equal(r.rows.length, 50);
  assert.match(r.notices[0]?.message ?? '', /LIMIT 50/);
  assert.equal((await one('SELECT time FROM l7_flow_log LIMIT 60', small)).rows.length, 60);
  const capped = new QueryEngine({ adapter, maxRows: 100 });
  await fails('SELECT time FROM l7_flow_log', '54000', capped);
  assert.equal((await one('SELECT count(*) FROM l7_flow_log', capped)).rows[0]![0], rows.length);
  const guarded = new QueryEngine({ adapter, maxFetchRows: 100, pushdown: false });
  await fails('SELECT count(*) FROM l7_flow_log', '54000', guarded);
  const slow = new QueryEngine({ adapter, timeoutMs: 1, pushdown: false });
  await fails('SELECT a.time FROM l7_flow_log a CROSS JOIN l7_flow_log b', '57014', slow);
  assert.equal((await one('SELECT 1 AS x')).rows[0]![0], 1);
});

test('HTTP API: JSON and DeepFlow form', async () => {
  const app = Fastify();
  await registerQueryRoutes(app, { engine });
  const ok = await app.inject({ method: 'POST', url: '/v1/query', payload: { sql: "SELECT pod_1, count(*) AS n FROM l7_flow_log WHERE pod_1 = 'db-0' GROUP BY 1" } });
  assert.equal(ok.statusCode, 200);
  const body = ok.json();
  assert.deepEqual(body.columns, ['pod_1', 'n']);
  assert.deepEqual(body.types, ['text', 'bigint']);
  assert.equal(body.rows[0][0], 'db-0');
  const big = await app.inject({ method: 'POST', url: '/v1/query', payload: { sql: 'SELECT time, pod_1, response_duration FROM l7_flow_log ORDER BY time' } });
  const bj = big.json();
  assert.equal(bj.rows.length, rows.length);
  assert.equal(bj.rows[0][0], new Date(Math.min(...rows.map((r) => r.time)) / 1000).toISOString());
  assert.deepEqual(bj.types, ['timestamptz', 'text', 'bigint']);
  const result = await one('SELECT response_duration FROM l7_flow_log ORDER BY time LIMIT 10');
  assert.deepEqual(JSON.parse([...jsonChunks(result, 3)].join('')).rows, result.rows);
  const bad = await app.inject({ method: 'POST', url: '/v1/query', payload: { sql: 'SELECT nope FROM l7_flow_log' } });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.sqlstate, '42703');
  assert.equal(bad.json().error.position, 8);
  const df = await app.inject({ method: 'POST', url: '/v1/query/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'db=flow_log&sql=' + encodeURIComponent('SELECT Sum(request_length) AS s FROM l7_flow_log') });
  assert.equal(df.statusCode, 200);
  const dj = df.json();
  assert.equal(dj.OPT_STATUS, 'SUCCESS');
  assert.deepEqual(dj.result.columns, ['s']);
  assert.equal(dj.result.values[0][0], rows.reduce((a, r) => a + r.request_length, 0));
  await app.close();
});
