// Live end to end: the agent with the eBPF source watches real servers (a Node HTTP server,
// redis-server) driven by real clients (curl, redis-cli) with a known number of requests and
// outcomes, and the rows and RED aggregates are read back from a real MetaFlow server.
// Tracing is limited to the servers' pids so the host's other traffic cannot crowd them out.
// Needs root and the eBPF toolchain; curl and redis-server/redis-cli from Debian.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startTestServer, storeRows, tempDir, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { EbpfSource } from './capture/ebpf.ts';
import { nativeUnavailableReason, requireNative } from './capture/testing/native-env.ts';
import { Agent } from './agent.ts';
import { freePort } from '../lib/testing/ports.ts';

const run = promisify(execFile);
const num = (v: unknown) => Number(v);
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


async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

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
  const q = (sql: string) => storeRows(server, sql);

  before(async (t) => {
    if (!requireNative(t as never)) return;
    server = await startTestServer();
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
    if (spawnSync('redis-server', ['--version']).status === 0) {
      redisPort = await freePort();
      redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir.path], { stdio: 'ignore' });
      pids.push(redis.pid!);
      await waitFor('redis-server', async () => run('redis-cli', ['-p', String(redisPort), 'PING']).then((r) => r.stdout.trim() === 'PONG', () => false), 10_000);
    }
    if (spawnSync('dnsmasq', ['--version']).status === 0) {
      dnsPort = await freePort();
      dns = spawn('dnsmasq', ['-k', `--port=${dnsPort}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--user=root',
        `--pid-file=${join(redisDir.path, 'dnsmasq.pid')}`, '--address=/www.example.test/10.1.2.3', '--local=/example.test/'], { stdio: 'ignore' });
      pids.push(dns.pid!);
      await waitFor('dnsmasq', async () => run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+tries=1', '+time=1', 'www.example.test']).then((r) => r.stdout.includes('10.1.2.3'), () => false), 10_000);
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
    await server?.stop();
  });

  test('HTTP: 30 curl requests on keep-alive connections → 30 rows with codes, endpoints, host and process', async () => {
    const base = `http://127.0.0.1:${httpPort}`;
    // 5 curl runs, each 6 requests on one connection: 4 × /ok, 1 × /missing, 1 × /fail.
    for (let i = 0; i < 5; i++) {
      await run('curl', ['-s', '--max-time', '5', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null',
        `${base}/ok/a`, `${base}/ok/b`, `${base}/ok/a`, `${base}/ok/a`, `${base}/missing`, `${base}/fail`]);
    }
    const where = `server_port = ${httpPort} AND l7_protocol = 20`;
    await waitFor('30 HTTP rows', async () => num((await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where}`))[0]![0]) >= 30);
    const codes = await q(`SELECT response_code, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(codes.map((r) => r.map(num)), [[200, 20], [404, 5], [500, 5]]);
    const endpoints = await q(`SELECT endpoint, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(endpoints.map(([e, n]) => [e, num(n)]), [['/fail', 5], ['/missing', 5], ['/ok/a', 15], ['/ok/b', 5]]);
    const [[minD, maxD, obs, pid1]] = await q(`SELECT min(response_duration), max(response_duration), min(observation_point), min(process_id_1) FROM flow_log.l7_flow_log WHERE ${where}`);
    assert.ok(num(minD) > 0 && num(maxD) < 2_000_000, `durations ${minD}..${maxD} µs`);
    assert.equal(num(obs), 4, 'observed in the server process (s-p)');
    assert.equal(num(pid1), httpServer.pid);
    const [[host, gprocess]] = await q(`SELECT h.name, g.name FROM flow_log.l7_flow_log l
      JOIN flow_tag.resource_dict h ON h.type = 'host' AND h.id = l.host_id_1
      JOIN flow_tag.resource_dict g ON g.type = 'gprocess' AND g.id = l.gprocess_id_1 WHERE ${where} LIMIT 1`);
    assert.equal(host, hostname());
    assert.equal(gprocess, `node[${httpServer.pid}]`);
  });

  test('HTTPS: 6 curl requests over TLS → 6 rows from the plaintext the uprobes saw', async (t) => {
    if (!httpsServer) {
      if (process.env.CI === 'true') assert.fail('openssl CLI unavailable (Debian package openssl)');
      t.skip('openssl CLI unavailable');
      return;
    }
    const base = `https://127.0.0.1:${httpsPort}`;
    for (let i = 0; i < 2; i++) {
      await run('curl', ['-sk', '--max-time', '5', '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${base}/secure/a`, `${base}/missing`, `${base}/secure/a`]);
    }
    const where = `server_port = ${httpsPort} AND l7_protocol = 20`;
    await waitFor('6 HTTPS rows', async () => num((await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where}`))[0]![0]) >= 6);
    const rows = await q(`SELECT endpoint, response_code, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 1`);
    assert.deepEqual(rows.map(([e, c, n]) => [e, num(c), num(n)]), [['/missing', 404, 2], ['/secure/a', 200, 4]]);
  });

  test('Redis: 12 redis-cli commands, 2 errors → 12 rows', async (t) => {
    if (!redis) {
      if (process.env.CI === 'true') assert.fail('redis-server is not installed (Debian package redis-server)');
      t.skip('redis-server is not installed');
      return;
    }
    const cli = (...args: string[]) => run('redis-cli', ['-p', String(redisPort), ...args]);
    for (let i = 0; i < 5; i++) await cli('SET', `k${i}`, `v${i}`);
    for (let i = 0; i < 5; i++) await cli('GET', `k${i}`);
    await cli('INCR', 'k0'); // ERR value is not an integer
    await cli('NOSUCHCMD'); // ERR unknown command
    // redis-cli sends COMMAND DOCS on start in some versions; count only the commands we sent.
    const where = `server_port = ${redisPort} AND l7_protocol = 80 AND request_type IN ('SET', 'GET', 'INCR', 'NOSUCHCMD')`;
    await waitFor('12 Redis rows', async () => num((await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where}`))[0]![0]) >= 12);
    const byType = await q(`SELECT request_type, response_status, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY 1, 2 ORDER BY 1`);
    assert.deepEqual(byType.map(([a, b, c]) => [a, num(b), num(c)]), [['GET', 0, 5], ['INCR', 3, 1], ['NOSUCHCMD', 3, 1], ['SET', 0, 5]]);
  });

  // UDP only: dnsmasq answers TCP in a forked child, which the pid allowlist does not cover.
  test('DNS over UDP: 5 dig queries, 2 NXDOMAIN → 5 rows', async (t) => {
    if (!dns) {
      if (process.env.CI === 'true') assert.fail('dnsmasq is not installed (Debian packages dnsmasq, bind9-dnsutils)');
      t.skip('dnsmasq is not installed');
      return;
    }
    const dig = (...args: string[]) => run('dig', ['@127.0.0.1', '-p', String(dnsPort), '+tries=1', '+time=2', ...args]);
    for (const name of ['www.example.test', 'www.example.test', 'www.example.test', 'nothere.example.test', 'gone.example.test']) await dig(name, 'A');
    const where = `server_port = ${dnsPort} AND l7_protocol = 120 AND request_domain LIKE '%example.test%'`;
    await waitFor('5 DNS rows', async () => num((await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE ${where}`))[0]![0]) >= 5);
    const rows = await q(`SELECT protocol, request_type, response_code, response_status, count(*) FROM flow_log.l7_flow_log WHERE ${where} GROUP BY ALL ORDER BY 3`);
    // protocol 17 = UDP; response_status 0 ok, 4 client_error; request_type A.
    assert.deepEqual(rows.map(([p, t, c, s, n]) => [num(p), t, num(c), num(s), num(n)]), [[17, 'A', 0, 0, 3], [17, 'A', 3, 4, 2]]);
  });

  test('the RED aggregates match the request log once the agent stops and flushes its windows', async () => {
    await agent.stop();
    const [[req, errs4, errs5]] = await q(`SELECT count(*), count(*) FILTER (WHERE response_status = 4), count(*) FILTER (WHERE response_status = 3)
      FROM flow_log.l7_flow_log WHERE server_port = ${httpPort}`);
    for (const table of ['application.1s', 'application.1m', 'application_map.1m']) {
      const [[r, c, s]] = await q(`SELECT sum(request), sum(client_error), sum(server_error) FROM flow_metrics."${table}" WHERE server_port = ${httpPort}`);
      assert.deepEqual([r, c, s].map(num), [num(req), num(errs4), num(errs5)], table);
    }
    const [[hello]] = await q(`SELECT sum(request) FROM flow_metrics."application.1m" WHERE server_port = ${httpPort} AND endpoint = '/ok/a'`);
    assert.equal(num(hello), 15);
    const [[flows]] = await q(`SELECT count(*) FROM flow_log.l4_flow_log WHERE server_port = ${httpPort} AND byte_tx > 0 AND byte_rx > 0`);
    assert.equal(num(flows), 5, 'one l4 row per curl connection');
    if (httpsServer) {
      // Bytes on the wire are the encrypted ones, counted once.
      const [[conns]] = await q(`SELECT count(*) FROM flow_log.l4_flow_log WHERE server_port = ${httpsPort}`);
      assert.equal(num(conns), 2, 'one l4 row per TLS connection, not one more for its plaintext');
    }
  });
});
