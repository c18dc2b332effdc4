/**
 * Real PostgreSQL clients against MetaFlow's wire server over the embedded store: psql (\dt,
 * \d), JDBC (DatabaseMetaData, Statement, PreparedStatement), node-postgres (simple and
 * parameterized) and the exact catalog queries Grafana's PostgreSQL data source sends.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { spawnSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import pino from 'pino';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { Ingester } from '../ingester/ingester.ts';
import { QueryEngine } from './engine.ts';
import { createPgHandler } from './pg-handler.ts';
import { createPgServer, type PgServer } from './pgwire/server.ts';
import { generateL7Rows, PODS } from './conformance/dataset.ts';
import { loadIntoMetaFlow } from './conformance/load-metaflow.ts';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'metaflow-clients-'));
const adapter = new DuckDBAdapter(dir);
let server: PgServer;
let port = 0;
const rows = generateL7Rows();

before(async () => {
  await adapter.open(TABLES, DICTIONARY_TABLES);
  const ingester = new Ingester(adapter, pino({ level: 'warn' }));
  await ingester.start();
  await loadIntoMetaFlow(ingester, rows, PODS);
  server = createPgServer({ handler: createPgHandler(new QueryEngine({ adapter })), log: pino({ level: 'warn' }) });
  port = (await server.listen(0, '127.0.0.1')).port;
});
after(async () => { await server.close(); await adapter.close(); rmSync(dir, { recursive: true, force: true }); });

function tool(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
function need(t: { skip(m: string): void }, name: string): boolean {
  if (tool(name)) return true;
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI`);
  t.skip(`${name} not installed`);
  return false;
}
// Clients run asynchronously: the server under test lives in this process.
const run = promisify(execFile);
async function psql(...args: string[]): Promise<string> {
  const r = await run('psql', ['-h', '127.0.0.1', '-p', String(port), '-U', 'metaflow', '-d', 'flow_log', '-X', ...args], { encoding: 'utf8', timeout: 20_000 });
  return r.stdout;
}

test('psql: \\dt, \\d and a query', async (t) => {
  if (!need(t, 'psql')) return;
  const dt = await psql('-c', '\\dt');
  assert.match(dt, /flow_log\s+\|\s+l7_flow_log\s+\|\s+table/);
  assert.match(dt, /flow_metrics\s+\|\s+application\.1m/);
  const d = await psql('-c', '\\d flow_log.l7_flow_log');
  assert.match(d, /Table "flow_log\.l7_flow_log"/);
  assert.match(d, /pod_1\s+\|\s+text/);
  assert.match(d, /time\s+\|\s+timestamp with time zone\s+\|\s+\|\s+not null/);
  const q = await psql('-At', '-c', "SELECT pod_1, count(*) FROM l7_flow_log WHERE pod_1 = 'db-0' GROUP BY 1");
  assert.equal(q.trim(), `db-0|${rows.filter((r) => r.pod_1 === 'db-0').length}`);
});

test('JDBC: getTables, getColumns, Statement, PreparedStatement', async (t) => {
  if (!need(t, 'javac') || !need(t, 'java')) return;
  const jar = '/usr/share/java/postgresql.jar';
  if (!existsSync(jar)) { if (process.env.CI === 'true') throw new Error('libpostgresql-jdbc-java is required in CI'); t.skip('libpostgresql-jdbc-java not installed'); return; }
  const out = mkdtempSync(join(tmpdir(), 'metaflow-jdbc-'));
  try {
    const c = spawnSync('javac', ['-d', out, join(here, 'testing/JdbcProbe.java')], { encoding: 'utf8' });
    assert.equal(c.status, 0, c.stderr);
    const r = await run('java', ['-cp', `${out}:${jar}`, 'JdbcProbe', `jdbc:postgresql://127.0.0.1:${port}/flow_log`], { encoding: 'utf8', timeout: 60_000 });
    assert.match(r.stdout, /^tables: flow_log\.l4_flow_log flow_log\.l7_flow_log$/m);
    assert.match(r.stdout, /^columns: .*\bpod_1:text pod_id_1:int8\b/m);
    assert.match(r.stdout, new RegExp(`^count: ${rows.length}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^prepared: db-0 ${rows.filter((x) => x.pod_1 === 'db-0').length}$`, 'm'));
    assert.match(r.stdout, new RegExp(`^time: ${new Date(Math.min(...rows.map((x) => x.time)) / 1000).toISOString()}$`, 'm'));
  } finally { rmSync(out, { recursive: true, force: true }); }
});

test('node-postgres and Grafana\'s catalog queries', async () => {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'grafana', database: 'flow_log' });
  await c.connect();
  try {
    await c.query("SET statement_timeout = '1ms'");
    await assert.rejects(c.query('SELECT count(*) FROM l7_flow_log a CROSS JOIN l7_flow_log b'), (e: { code?: string }) => e.code === '57014');
    await c.query('RESET statement_timeout');
    const p = await c.query('SELECT count(*)::int AS n FROM l7_flow_log WHERE response_code = $1 AND pod_1 LIKE $2', [500, 'web%']);
    assert.equal(Number(p.rows[0].n), rows.filter((r) => r.response_code === 500 && r.pod_1?.startsWith('web')).length);
    // Cast parameters keep PostgreSQL's precedence wherever they stand.
    const casts = await c.query('SELECT $1::int + 1 AS a, $1::int * 2 + 1 AS b, (SELECT count(*) FROM l7_flow_log WHERE response_code = $2::int - 100)::int AS n', [3, 600]);
    assert.deepEqual(Object.values(casts.rows[0]).map(Number), [4, 7, rows.filter((r) => r.response_code === 500).length]);
    const schemaIn = `quote_ident(table_schema) IN (
          SELECT
            CASE WHEN trim(s[i]) = '"$user"' THEN user ELSE trim(s[i]) END
          FROM
            generate_series(
              array_lower(string_to_array(current_setting('search_path'),','),1),
              array_upper(string_to_array(current_setting('search_path'),','),1)
            ) as i,
            string_to_array(current_setting('search_path'),',') s
          )`;
    const version = await c.query("SELECT current_setting('server_version_num')::int/100 as version");
    assert.equal(Number(version.rows[0].version), 1500);
    const tables = await c.query(`SELECT CASE WHEN ${schemaIn} THEN quote_ident(table_name) ELSE quote_ident(table_schema) || '.' || quote_ident(table_name) END AS "table"
      FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema', 'pg_catalog') ORDER BY CASE WHEN ${schemaIn} THEN 0 ELSE 1 END, 1`);
    assert.ok(tables.rows.some((r) => r.table === 'l7_flow_log'));
    assert.ok(tables.rows.some((r) => r.table === '"application.1m"'));
    for (const table of ['l7_flow_log', '"application.1m"', 'flow_log.l7_flow_log']) {
      const lit = `'${table}'`;
      const cols = await c.query(`SELECT quote_ident(column_name) AS "column", data_type AS "type" FROM information_schema.columns WHERE
        CASE WHEN array_length(parse_ident(${lit}),1) = 2 THEN quote_ident(table_schema) = (parse_ident(${lit}))[1] AND quote_ident(table_name) = (parse_ident(${lit}))[2]
        ELSE quote_ident(table_name) = ${lit} AND ${schemaIn} END`);
      assert.ok(cols.rows.some((r) => r.column === 'time' && r.type === 'timestamp with time zone'), table);
    }
  } finally { await c.end(); }
});
