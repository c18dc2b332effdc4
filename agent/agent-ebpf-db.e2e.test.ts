// Live end to end, databases and DNS over TCP: the agent with the eBPF source watches private
// instances of real Debian servers (mariadbd, a PostgreSQL 15 cluster, dnsmasq) driven by their
// real clients (mariadb, psql, dig +tcp) with a known set of statements and outcomes, and the
// rows are read back as a user reads them: SQL over the PostgreSQL wire of a MetaFlow server.
// Only the servers' pids are traced; PostgreSQL backends and dnsmasq's TCP answers run in
// forked children, which the kernel's fork following adds to the allowlist.
// Needs root and the eBPF toolchain; mariadb-server, mariadb-client, postgresql-15,
// postgresql-client-15, dnsmasq-base and bind9-dnsutils from Debian.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { EbpfSource } from './capture/ebpf.ts';
import { nativeUnavailableReason, requireNative } from './capture/testing/native-env.ts';
import { eventually, pgWireSql, requireTool, type PgWireSql } from './capture/testing/live.ts';
import {
  DNSMASQ_TOOLS, MARIADB_TOOLS, POSTGRES_TOOLS, mariadbArgs, psqlConninfo, runClient,
  startDnsmasq, startMariadb, startPostgres, type LiveServer,
} from './capture/testing/db-servers.ts';
import { Agent } from './agent.ts';

const skip = nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false;
/** Every statement here answers in well under this on loopback, even on a loaded 2-core host. */
const MAX_DURATION_US = 2_000_000;

describe('agent with the eBPF source, live databases and DNS over TCP', { skip }, () => {
  let server: TestServer;
  let sql: PgWireSql;
  let agent: Agent;
  let mariadb: LiveServer | undefined;
  let postgres: LiveServer | undefined;
  let dnsmasq: LiveServer | undefined;

  before(async (t) => {
    if (!requireNative(t as never)) return;
    server = await startTestServer();
    sql = await pgWireSql(server);
    if (MARIADB_TOOLS.available()) mariadb = await startMariadb();
    if (POSTGRES_TOOLS.available()) postgres = await startPostgres();
    if (DNSMASQ_TOOLS.available()) dnsmasq = await startDnsmasq();
    const pids = [mariadb, postgres, dnsmasq].flatMap((s) => (s ? [s.pid] : []));
    // An allowlist of the agent alone traces nothing when no server could start.
    agent = new Agent({ source: new EbpfSource({ pids: [process.pid, ...pids], sslBinaries: [] }), server: server.base,
      log: createLogger('warn'), healthLogMs: 0, sender: { flushIntervalMs: 200 } });
    await agent.start();
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    for (const s of [mariadb, postgres, dnsmasq]) await s?.stop();
    await sql?.close();
    await server?.stop();
  });

  /** Rows as arrays; counts, codes, pids and durations (int8 arrives as a string) as numbers. */
  async function grouped(query: string): Promise<unknown[][]> {
    const numeric = /^(count|n|response_code|process_id_\d|d_min|d_max)$/;
    return (await sql.rows(query)).map((r) => Object.entries(r).map(([k, v]) => (numeric.test(k) && v !== null ? Number(v) : v)));
  }

  /**
   * Checks what every row of `where` shares: observed in the server process over TCP, durations
   * within bounds, `connections` client connections, served by `pid` (or by processes named
   * `comm`); returns the serving pids. Without `pid` the servers are children that may exit
   * right after answering, before the agent reads their /proc entry: their gprocess name then
   * comes from the comm the capture saw, so it is the same either way.
   */
  async function assertServedBy(where: string, pid: number | undefined, comm: string, connections: number): Promise<number[]> {
    const statements = `${where} AND request_type <> 'COM_QUIT'`;
    assert.deepEqual(await grouped(`SELECT DISTINCT observation_point, protocol FROM flow_log.l7_flow_log WHERE ${statements}`), [['s-p', 'TCP']],
      'observed in the server process, over TCP');
    const [[minD, maxD, conns]] = await grouped(`SELECT min(response_duration) AS d_min, max(response_duration) AS d_max,
      count(DISTINCT client_port) AS n FROM flow_log.l7_flow_log WHERE ${statements}`) as [[number, number, number]];
    assert.ok(minD > 0 && maxD < MAX_DURATION_US, `durations ${minD}..${maxD} µs`);
    assert.equal(conns, connections, 'client connections');
    const servers = await grouped(`SELECT DISTINCT process_id_1, process_kname_1, gprocess_1 FROM flow_log.l7_flow_log WHERE ${where}`);
    for (const [p, kname, gprocess] of servers) {
      assert.equal(kname, comm);
      assert.equal(gprocess, `${comm}[${p}]`, JSON.stringify(servers));
    }
    const pids = servers.map(([p]) => p as number);
    if (pid !== undefined) assert.deepEqual(pids, [pid]);
    return pids;
  }

  /** Waits for `n` rows matching `where`. */
  async function rowsOnceThere(what: string, n: number, where: string): Promise<void> {
    await eventually(what, async () => (await sql.number(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where}`)) >= n);
  }

  test('MySQL: mariadb CLI statements against mariadbd', async (t) => {
    if (!requireTool(t, mariadb !== undefined, 'MariaDB server and client', MARIADB_TOOLS.packages)) return;
    const { port } = mariadb!;
    const statements = [
      'CREATE DATABASE shop', 'CREATE TABLE shop.items (id INT PRIMARY KEY, name VARCHAR(20))',
      ...[1, 2, 3, 4, 5].map((i) => `INSERT INTO shop.items VALUES (${i}, 'item${i}')`),
      'INSERT INTO shop.items VALUES (1, \'again\')', // ERROR 1062 duplicate entry
      'SELECT * FROM shop.items', 'SELECT name FROM shop.items WHERE id = 2', 'SELECT count(*) FROM shop.items',
      'SELECT * FROM shop.missing', // ERROR 1146 table doesn't exist
    ];
    // Batch mode from stdin: one connection, one COM_QUERY per statement, on past errors.
    const r = await runClient('mariadb', [...mariadbArgs(port), '--batch', '--force'], statements.map((s) => `${s};\n`).join(''));
    assert.match(r.stderr, /ERROR 1062/);
    assert.match(r.stderr, /ERROR 1146/);
    const where = `l7_protocol = 'MySQL' AND server_port = ${port}`;
    await rowsOnceThere('MySQL rows', statements.length, `${where} AND request_type <> 'COM_QUIT'`);
    assert.deepEqual(await grouped(`SELECT request_type, endpoint, response_status, response_code, count(*) FROM flow_log.l7_flow_log
      WHERE ${where} AND request_type <> 'COM_QUIT' GROUP BY 1, 2, 3, 4 ORDER BY 1, 3`), [
      ['CREATE', 'CREATE', 'ok', null, 2], ['INSERT', 'INSERT', 'ok', null, 5], ['INSERT', 'INSERT', 'server_error', 1062, 1],
      ['SELECT', 'SELECT', 'ok', null, 3], ['SELECT', 'SELECT', 'server_error', 1146, 1],
    ]);
    assert.deepEqual(await grouped(`SELECT request_resource, response_exception FROM flow_log.l7_flow_log
      WHERE ${where} AND response_status = 'server_error' ORDER BY response_code`), [
      ["INSERT INTO shop.items VALUES (1, 'again')", "Duplicate entry '1' for key 'PRIMARY'"],
      ['SELECT * FROM shop.missing', "Table 'shop.missing' doesn't exist"],
    ]);
    assert.deepEqual((await grouped(`SELECT request_resource FROM flow_log.l7_flow_log WHERE ${where} AND request_type <> 'COM_QUIT' ORDER BY start_time`)).flat(),
      statements, 'every statement, in order, as sent');
    // Affected rows from the OK packets: 1 for CREATE DATABASE, 0 for CREATE TABLE, 1 per INSERT.
    assert.deepEqual(await grouped(`SELECT request_type, sum(sql_affected_rows) AS count FROM flow_log.l7_flow_log
      WHERE ${where} AND response_status = 'ok' AND request_type IN ('CREATE', 'INSERT') GROUP BY 1 ORDER BY 1`), [['CREATE', 1], ['INSERT', 5]]);
    await assertServedBy(where, mariadb!.pid, 'mariadbd', 1);
  });

  test('PostgreSQL: psql statements against a private cluster, served by forked backends', async (t) => {
    if (!requireTool(t, postgres !== undefined, 'PostgreSQL 15 server and psql', POSTGRES_TOOLS.packages)) return;
    const { port } = postgres!;
    const statements = [
      'CREATE TABLE items (id int PRIMARY KEY, name text)',
      ...[1, 2, 3, 4].map((i) => `INSERT INTO items VALUES (${i}, 'item${i}')`),
      'SELECT * FROM items', 'SELECT name FROM items WHERE id = 3', 'UPDATE items SET name = \'x\' WHERE id < 3',
      'SELECT * FROM missing', // 42P01 undefined_table
      'SELECT 1 / 0', // 22012 division_by_zero
    ];
    const r = await runClient('psql', [psqlConninfo(port), '-X', '-q', ...statements.flatMap((s) => ['-c', s])]);
    assert.match(r.stderr, /relation "missing" does not exist/);
    const where = `l7_protocol = 'PostgreSQL' AND server_port = ${port}`;
    await rowsOnceThere('PostgreSQL rows', statements.length, where);
    assert.deepEqual(await grouped(`SELECT request_type, endpoint, response_status, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1, 2, 3 ORDER BY 1, 3`), [
      ['CREATE', 'CREATE', 'ok', 1], ['INSERT', 'INSERT', 'ok', 4], ['SELECT', 'SELECT', 'client_error', 2], ['SELECT', 'SELECT', 'ok', 2],
      ['UPDATE', 'UPDATE', 'ok', 1],
    ]);
    // The command tag of a success, the SQLSTATE of an error.
    assert.deepEqual(await grouped(`SELECT request_resource, response_result, response_exception FROM flow_log.l7_flow_log
      WHERE ${where} AND request_type IN ('SELECT', 'UPDATE') ORDER BY start_time`), [
      ['SELECT * FROM items', 'SELECT 4', ''], ['SELECT name FROM items WHERE id = 3', 'SELECT 1', ''],
      ['UPDATE items SET name = \'x\' WHERE id < 3', 'UPDATE 2', ''],
      ['SELECT * FROM missing', '42P01', 'relation "missing" does not exist'], ['SELECT 1 / 0', '22012', 'division by zero'],
    ]);
    // Rows from the command tags: 4 inserted, 4 + 1 selected, 2 updated.
    assert.deepEqual(await grouped(`SELECT request_type, sum(sql_affected_rows) AS count FROM flow_log.l7_flow_log
      WHERE ${where} AND response_status = 'ok' GROUP BY 1 ORDER BY 1`), [['CREATE', null], ['INSERT', 4], ['SELECT', 5], ['UPDATE', 2]]);
    // psql's one connection is served by one backend, forked by the postmaster after accept.
    const [backend] = await assertServedBy(where, undefined, 'postgres', 1);
    assert.notEqual(backend, postgres!.pid, 'a backend, not the postmaster');
  });

  test('DNS over TCP: dig +tcp against dnsmasq, answered in forked children', async (t) => {
    if (!requireTool(t, dnsmasq !== undefined, 'dnsmasq and dig', DNSMASQ_TOOLS.packages)) return;
    const { port } = dnsmasq!;
    const names = ['www.example.test', 'www.example.test', 'www.example.test', 'nothere.example.test', 'gone.example.test'];
    for (const name of names) await runClient('dig', ['+tcp', '@127.0.0.1', '-p', String(port), '+tries=1', '+time=2', name, 'A']);
    const where = `l7_protocol = 'DNS' AND server_port = ${port}`;
    await rowsOnceThere('DNS rows', names.length, where);
    assert.deepEqual(await grouped(`SELECT protocol, request_type, request_domain, response_code, response_status, response_exception, count(*)
      FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 3`), [
      ['TCP', 'A', 'gone.example.test', 3, 'client_error', 'NXDOMAIN', 1],
      ['TCP', 'A', 'nothere.example.test', 3, 'client_error', 'NXDOMAIN', 1],
      ['TCP', 'A', 'www.example.test', 0, 'ok', '', 3],
    ]);
    assert.equal(await sql.number(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where} AND request_resource <> request_domain`), 0,
      'the resource is the query name');
    // One connection per dig, each answered by a child of its own.
    const children = await assertServedBy(where, undefined, 'dnsmasq', names.length);
    assert.ok(!children.includes(dnsmasq!.pid), 'answered in forked children, not the parent');
  });
});
