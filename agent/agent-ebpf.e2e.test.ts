// Live end to end: the agent with the eBPF source watches real servers (a Node HTTP server,
// redis-server, dnsmasq) driven by real clients (curl, redis-cli, dig) with a known number of
// requests and outcomes, and the rows and RED aggregates are read back as a user reads them:
// SQL over the PostgreSQL wire protocol of a real MetaFlow server.
// Tracing is limited to the servers' pids so the host's other traffic cannot crowd them out.
// Needs root and the eBPF toolchain; curl, openssl, redis-server/redis-cli, dnsmasq and dig from Debian.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestServer, tempDir, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { EbpfSource } from './capture/ebpf.ts';
import { nativeUnavailableReason, requireNative } from './capture/testing/native-env.ts';
import { eventually, hasCommand, pgWireSql, requireTool, type PgWireSql } from './capture/testing/live.ts';
import { Agent } from './agent.ts';
import { freePort } from '../lib/testing/ports.ts';

const run = promisify(execFile);
const skipReason = nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false;

const HTTP_SERVER = `
const [cert, key] = process.argv.slice(1);
const http = cert ? require('node:https') : require('node:http');
const opts = cert ? { cert: require('node:fs').readFileSync(cert), key: require('node:fs').readFileSync(key) } : {};
const s = http.createServer(opts, (req, res) => {
  const code = req.url.startsWith('/missing') ? 404 : req.url.startsWith('/fail') ? 500 : 200;
  res.writeHead(code, { 'content-type': 'text/plain' }).end('status ' + code + '\\n');
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));`;

/** Rows as arrays in column order, numbers as numbers: compact expectations. */
const tuples = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).map((v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)));

describe('agent with the eBPF source, live', { skip: skipReason }, () => {
  let server: TestServer;
  let agent: Agent;
  let httpServer: ChildProcess;
  let httpPort = 0;
  let httpsServer: ChildProcess | undefined;
  let httpsPort = 0;
  let redis: ChildProcess | undefined;
  let redisPort = 0;
  let dns: ChildProcess | undefined;
  let dnsPort = 0;
  const redisDir = tempDir('metaflow-redis-');
  let sql: PgWireSql;

  before(async (t) => {
    if (!requireNative(t as never)) return;
    server = await startTestServer();
    sql = await pgWireSql(server);
    httpServer = spawn(process.execPath, ['-e', HTTP_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    httpPort = Number((await createInterface({ input: httpServer.stdout! })[Symbol.asyncIterator]().next()).value);
    const pids = [httpServer.pid!];
    const cert = join(redisDir.path, 'cert.pem'), key = join(redisDir.path, 'key.pem');
    const ssl = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert]);
    if (ssl.status === 0) {
      httpsServer = spawn(process.execPath, ['-e', HTTP_SERVER, cert, key], { stdio: ['ignore', 'pipe', 'inherit'] });
      httpsPort = Number((await createInterface({ input: httpsServer.stdout! })[Symbol.asyncIterator]().next()).value);
      pids.push(httpsServer.pid!);
    }
    if (hasCommand('redis-server')) {
      redisPort = await freePort();
      redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir.path], { stdio: 'ignore' });
      pids.push(redis.pid!);
      await eventually('redis-server', async () => run('redis-cli', ['-p', String(redisPort), 'PING']).then((r) => r.stdout.trim() === 'PONG', () => false), 10_000);
    }
    if (hasCommand('dnsmasq')) {
      dnsPort = await freePort();
      dns = spawn('dnsmasq', ['-k', `--port=${dnsPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--user=root',
        `--pid-file=${join(redisDir.path, 'dnsmasq.pid')}`, '--address=/www.example.test/10.1.2.3', '--local=/example.test/'], { stdio: 'ignore' });
      pids.push(dns.pid!);
      await eventually('dnsmasq', async () => run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+tries=1', '+time=1', 'www.example.test']).then((r) => r.stdout.includes('10.1.2.3'), () => false), 10_000);
    }
    agent = new Agent({ source: new EbpfSource({ pids }), server: server.base, log: createLogger('warn'), healthLogMs: 0, sender: { flushIntervalMs: 200 } });
    await agent.start();
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    httpServer?.kill();
    httpsServer?.kill();
    redis?.kill();
    dns?.kill();
    if (redis && redis.exitCode === null) await once(redis, 'exit');
    redisDir.remove();
    await sql?.close();
    await server?.stop();
  });

  const count = (where: string) => sql.number(`SELECT count(*) FROM l7_flow_log WHERE ${where}`);

  test('HTTP: 30 curl requests on keep-alive connections → 30 rows with codes, endpoints, host and process', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    // 5 curl runs, each 6 requests on one connection: 4 × /ok, 1 × /missing, 1 × /fail.
    for (let i = 0; i < 5; i++) {
      await run('curl', ['-s', '--max-time', '5', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null',
        `${base}/ok/a`, `${base}/ok/b`, `${base}/ok/a`, `${base}/ok/a`, `${base}/missing`, `${base}/fail`]);
    }
    const where = `server_port = ${httpPort} AND l7_protocol = 'HTTP'`;
    await eventually('30 HTTP rows', async () => (await count(where)) >= 30);
    assert.deepEqual(tuples(await sql.rows(`SELECT response_code, response_status, count(*) FROM l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 1`)),
      [[200, 'ok', 20], [404, 'client_error', 5], [500, 'server_error', 5]]);
    assert.deepEqual(tuples(await sql.rows(`SELECT request_type, endpoint, count(*) FROM l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 2`)),
      [['GET', '/fail', 5], ['GET', '/missing', 5], ['GET', '/ok/a', 15], ['GET', '/ok/b', 5]]);
    const [d] = await sql.rows(`SELECT min(response_duration) AS lo, max(response_duration) AS hi FROM l7_flow_log WHERE ${where}`);
    assert.ok(Number(d!.lo) > 0 && Number(d!.hi) < 2_000_000, `durations ${d!.lo}..${d!.hi} µs`);
    assert.deepEqual(await sql.rows(`SELECT DISTINCT observation_point, process_id_1, host_1, gprocess_1 FROM l7_flow_log WHERE ${where}`),
      [{ observation_point: 's-p', process_id_1: String(httpServer.pid), host_1: hostname(), gprocess_1: `node[${httpServer.pid}]` }], 'observed in the server process');
  });

  test('HTTPS: 6 curl requests over TLS → 6 rows from the plaintext the uprobes saw', async (t) => {
    if (!requireTool(t, httpsServer !== undefined, 'the openssl CLI', 'openssl')) return;
    const base = `https://127.0.0.1:${httpsPort}`;
    for (let i = 0; i < 2; i++) {
      await run('curl', ['-sk', '--max-time', '5', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${base}/secure/a`, `${base}/missing`, `${base}/secure/a`]);
    }
    const where = `server_port = ${httpsPort} AND l7_protocol = 'HTTP'`;
    await eventually('6 HTTPS rows', async () => (await count(where)) >= 6);
    assert.deepEqual(tuples(await sql.rows(`SELECT endpoint, response_code, count(*) FROM l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 1`)),
      [['/missing', 404, 2], ['/secure/a', 200, 4]]);
  });

  test('Redis: 12 redis-cli commands, 2 errors → 12 rows', async (t) => {
    if (!requireTool(t, redis !== undefined, 'redis-server', 'redis-server')) return;
    const cli = (...args: string[]) => run('redis-cli', ['-p', String(redisPort), ...args]);
    for (let i = 0; i < 5; i++) await cli('SET', `k${i}`, `v${i}`);
    for (let i = 0; i < 5; i++) await cli('GET', `k${i}`);
    await cli('INCR', 'k0'); // ERR value is not an integer
    await cli('NOSUCHCMD'); // ERR unknown command
    // redis-cli sends COMMAND DOCS on start in some versions; count only the commands we sent.
    const where = `server_port = ${redisPort} AND l7_protocol = 'Redis' AND request_type IN ('SET', 'GET', 'INCR', 'NOSUCHCMD')`;
    await eventually('12 Redis rows', async () => (await count(where)) >= 12);
    assert.deepEqual(tuples(await sql.rows(`SELECT request_type, response_status, count(*) FROM l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 1`)),
      [['GET', 'ok', 5], ['INCR', 'server_error', 1], ['NOSUCHCMD', 'server_error', 1], ['SET', 'ok', 5]]);
  });

  test('DNS over UDP: 5 dig queries, 2 NXDOMAIN → 5 rows', async (t) => {
    if (!requireTool(t, dns !== undefined, 'dnsmasq', 'dnsmasq-base')) return;
    const dig = (...args: string[]) => run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+tries=1', '+time=2', ...args]);
    for (const name of ['www.example.test', 'www.example.test', 'www.example.test', 'nothere.example.test', 'gone.example.test']) await dig(name, 'A');
    const where = `server_port = ${dnsPort} AND l7_protocol = 'DNS' AND request_domain LIKE '%example.test%'`;
    await eventually('5 DNS rows', async () => (await count(where)) >= 5);
    // response_code 3 = NXDOMAIN, a client error in DeepFlow's classes.
    assert.deepEqual(tuples(await sql.rows(`SELECT protocol, request_type, response_code, response_status, count(*) FROM l7_flow_log WHERE ${where} GROUP BY 1, 2, 3, 4 ORDER BY 3`)),
      [['UDP', 'A', 0, 'ok', 3], ['UDP', 'A', 3, 'client_error', 2]]);
  });

  test('the RED aggregates match the request log once the agent stops and flushes its windows', async () => {
    await agent.stop();
    const [log] = await sql.rows(`SELECT count(*) AS r, count(*) FILTER (WHERE response_status = 'client_error') AS c, count(*) FILTER (WHERE response_status = 'server_error') AS s
      FROM l7_flow_log WHERE server_port = ${httpPort}`);
    for (const table of ['application.1s', 'application.1m', 'application_map.1m']) {
      const [red] = await sql.rows(`SELECT sum(request) AS r, sum(client_error) AS c, sum(server_error) AS s FROM flow_metrics."${table}" WHERE server_port = ${httpPort}`);
      assert.deepEqual(tuples([red!]), tuples([log!]), table);
    }
    assert.equal(await sql.number(`SELECT sum(request) FROM flow_metrics."application.1m" WHERE server_port = ${httpPort} AND endpoint = '/ok/a'`), 15);
    assert.equal(await sql.number(`SELECT count(*) FROM l4_flow_log WHERE server_port = ${httpPort} AND byte_tx > 0 AND byte_rx > 0`), 5, 'one l4 row per curl connection');
    if (httpsServer) {
      // Bytes on the wire are the encrypted ones, counted once.
      assert.equal(await sql.number(`SELECT count(*) FROM l4_flow_log WHERE server_port = ${httpsPort}`), 2, 'one l4 row per TLS connection, not one more for its plaintext');
    }
  });
});
