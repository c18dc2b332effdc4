// Live end to end for HTTP/2 and gRPC: the agent with the eBPF source watches real node:http2
// and @grpc/grpc-js servers driven by real clients (curl, node:http2, grpc-js) with a known
// number of requests and outcomes; the rows and RED aggregates are read back through SQL over
// the PostgreSQL wire protocol of a real MetaFlow server, as a user reads them.
// Tracing is limited to the peers' pids so the host's other traffic cannot crowd them out.
// Needs root and the eBPF toolchain; curl (with HTTP/2) and openssl from Debian.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, tempDir, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { EbpfSource } from './capture/ebpf.ts';
import { nativeUnavailableReason, requireNative, runPeer, type Child } from './capture/testing/native-env.ts';
import { eventually, hasCommand, pgWireSql, requireTool, type PgWireSql } from './capture/testing/live.ts';
import { Agent } from './agent.ts';

const run = promisify(execFile);
const PEERS = join(dirname(fileURLToPath(import.meta.url)), 'capture', 'testing', 'http2-peers.mjs');
const skipReason = nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false;
/** curl built with nghttp2 (Debian's is); without it --http2-prior-knowledge is refused. */
const curlHasHttp2 = () => hasCommand('curl') && /\bHTTP2\b/.test(execFileSync('curl', ['--version'], { encoding: 'utf8' }));
const GREETER = '/metaflow.demo.Greeter';
/**
 * gRPC calls made in order on one channel (streams 1, 3, 5, ...) and what each row must say:
 * method:name, grpc-status, response_status, response_exception. The error first puts its
 * trailers into the HPACK dynamic table; the 6000-byte reply after it is larger than the
 * agent copies of one syscall, so a client that reads it whole hides its trailers, and later
 * trailers then refer to table entries the agent never saw.
 */
const CALLS: Array<[call: string, code: number, status: string, exception: string]> = [
  ['Lookup:bob', 5, 'client_error', 'no user bob'], ['SayHello:big', 0, 'ok', ''], ['SayHello:ann', 0, 'ok', ''],
  ['Lookup:ann', 0, 'ok', ''], ['SayHello:cy', 0, 'ok', ''], ['Lookup:crash', 13, 'server_error', 'lookup crashed'],
  ['SayHello:dee', 0, 'ok', ''], ['Lookup:eve', 5, 'client_error', 'no user eve'],
];
const BIG_STREAM = 2 * CALLS.findIndex(([call]) => call === 'SayHello:big') + 1;

async function startServer(mode: string, ...args: string[]): Promise<{ peer: Child; port: number }> {
  const peer = runPeer(PEERS, mode, ...args);
  return { peer, port: Number((await peer.next()).port) };
}

describe('agent with the eBPF source, HTTP/2 and gRPC live', { skip: skipReason }, () => {
  let server: TestServer;
  let sql: PgWireSql;
  let agent: Agent;
  const peers: Child[] = [];
  let h2c: { peer: Child; port: number };
  let h2tls: { peer: Child; port: number } | undefined;
  let grpcServer: { peer: Child; port: number };
  let grpcClient: Child;
  let h2cClient: Child;
  let dir: ReturnType<typeof tempDir> | undefined;
  const count = (where: string) => sql.number(`SELECT count(*) FROM l7_flow_log WHERE ${where}`);

  before(async (t) => {
    if (!requireNative(t as never)) return;
    server = await startTestServer();
    sql = await pgWireSql(server);
    dir = tempDir('metaflow-h2-');
    h2c = await startServer('h2c-server');
    peers.push(h2c.peer);
    const cert = join(dir.path, 'cert.pem'), key = join(dir.path, 'key.pem');
    if (hasCommand('openssl', ['version'])) {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1', '-keyout', key, '-out', cert]);
      h2tls = await startServer('h2-tls-server', cert, key);
      peers.push(h2tls.peer);
    }
    grpcServer = await startServer('grpc-server');
    peers.push(grpcServer.peer);
    // The clients wait for "go" on stdin, so their pids are traced before they connect.
    grpcClient = runPeer(PEERS, 'grpc-client', String(grpcServer.port), ...CALLS.map(([call]) => call));
    // 6 concurrent streams on one connection; the client itself is not traced (server side only).
    h2cClient = runPeer(PEERS, 'h2c-client', String(h2c.port), 'GET:/ok/a', 'GET:/ok/b', 'GET:/ok/a', 'POST:/ok/post', 'GET:/missing', 'GET:/fail');
    peers.push(grpcClient, h2cClient);
    const pids = [h2c.peer.pid, grpcServer.peer.pid, grpcClient.pid, ...(h2tls ? [h2tls.peer.pid] : [])];
    agent = new Agent({ source: new EbpfSource({ pids }), server: server.base, log: createLogger('warn'), healthLogMs: 0, sender: { flushIntervalMs: 200 } });
    await agent.start();
  });
  after(async () => {
    await agent?.stop().catch(() => undefined);
    for (const p of peers) p.kill();
    await Promise.all(peers.map((p) => p.exited()));
    dir?.remove();
    await sql?.close();
    await server?.stop();
  });

  test('HTTP/2 cleartext: 5 curl connections and 6 streams on one node:http2 connection → 11 HTTP2 rows', async (t) => {
    if (!requireTool(t, curlHasHttp2(), 'curl with HTTP/2 (nghttp2)', 'curl')) return;
    const base = `http://127.0.0.1:${h2c.port}`;
    // One request per curl run: curl 7.88 (Debian 12) fails any second request it sends on a
    // prior-knowledge connection (curl issue #10634, fixed in 8.0), so the several-streams
    // connection comes from the node:http2 client below.
    for (const args of [[`${base}/ok/a`], [`${base}/ok/b`], [`${base}/missing`], [`${base}/fail`], ['-d', 'payload', `${base}/ok/post`]]) {
      const { stdout } = await run('curl', ['-s', '--http2-prior-knowledge', '--max-time', '5', '-o', '/dev/null', '-w', '%{http_version} %{http_code}', ...args]);
      assert.match(stdout, /^2 (200|404|500)$/, 'curl spoke HTTP/2');
    }
    h2cClient.proc.stdin!.write('go\n');
    assert.deepEqual((await h2cClient.next()).codes, [200, 200, 200, 200, 404, 500]);

    const where = `server_port = ${h2c.port} AND l7_protocol = 'HTTP2'`;
    await eventually('11 HTTP2 rows', async () => (await count(where)) >= 11);
    assert.equal(await count(`server_port = ${h2c.port}`), 11, 'nothing else, and no row under another protocol');
    const byCall = await sql.rows(`SELECT request_type, endpoint, response_code, response_status, count(*) AS n FROM l7_flow_log
      WHERE ${where} GROUP BY 1, 2, 3, 4 ORDER BY 2, 1`);
    assert.deepEqual(byCall.map((r) => [r.request_type, r.endpoint, Number(r.response_code), r.response_status, Number(r.n)]), [
      ['GET', '/fail', 500, 'server_error', 2],
      ['GET', '/missing', 404, 'client_error', 2],
      ['GET', '/ok/a', 200, 'ok', 3],
      ['GET', '/ok/b', 200, 'ok', 2],
      ['POST', '/ok/post', 200, 'ok', 2],
    ]);
    // Stream ids: curl's single stream is 1 on each connection; the node client's are 1..11.
    const streams = await sql.rows(`SELECT client_port, request_id FROM l7_flow_log WHERE ${where} ORDER BY 1, 2`);
    const perConnection = new Map<number, number[]>();
    for (const r of streams) perConnection.set(Number(r.client_port), [...(perConnection.get(Number(r.client_port)) ?? []), Number(r.request_id)]);
    assert.deepEqual([...perConnection.values()].map((ids) => ids.join(',')).sort(), ['1', '1', '1', '1', '1', '1,3,5,7,9,11']);
    const [s] = await sql.rows(`SELECT min(response_duration) AS lo, max(response_duration) AS hi, min(observation_point) AS op, max(observation_point) AS op2,
      min(version) AS v, min(request_domain) AS host, min(process_id_1) AS pid FROM l7_flow_log WHERE ${where}`);
    assert.ok(Number(s!.lo) > 0 && Number(s!.hi) < 2_000_000, `durations ${s!.lo}..${s!.hi} µs`);
    assert.deepEqual([s!.op, s!.op2, s!.v, s!.host, Number(s!.pid)], ['s-p', 's-p', '2', `127.0.0.1:${h2c.port}`, h2c.peer.pid]);
  });

  test('HTTP/2 over TLS (ALPN h2): 6 curl requests on 2 connections → 6 rows from the uprobes\' plaintext', async (t) => {
    if (!requireTool(t, h2tls !== undefined, 'the openssl CLI', 'openssl')) return;
    if (!requireTool(t, curlHasHttp2(), 'curl with HTTP/2 (nghttp2)', 'curl')) return;
    const base = `https://127.0.0.1:${h2tls!.port}`;
    for (let i = 0; i < 2; i++) {
      const { stdout } = await run('curl', ['-sk', '--http2', '--max-time', '5', '-w', '%{http_version} %{http_code}\\n',
        '-o', '/dev/null', '-o', '/dev/null', '-o', '/dev/null', `${base}/secure/a`, `${base}/missing`, `${base}/secure/a`]);
      assert.equal(stdout, '2 200\n2 404\n2 200\n', 'curl negotiated h2 and reused its connection');
    }
    const where = `server_port = ${h2tls!.port} AND l7_protocol = 'HTTP2'`;
    await eventually('6 HTTP2-over-TLS rows', async () => (await count(where)) >= 6);
    const rows = await sql.rows(`SELECT endpoint, response_code, count(*) AS n, count(DISTINCT client_port) AS conns FROM l7_flow_log
      WHERE ${where} GROUP BY 1, 2 ORDER BY 1`);
    assert.deepEqual(rows.map((r) => [r.endpoint, Number(r.response_code), Number(r.n), Number(r.conns)]), [['/missing', 404, 2, 2], ['/secure/a', 200, 4, 2]]);
    const ids = await sql.rows(`SELECT DISTINCT request_id FROM l7_flow_log WHERE ${where} ORDER BY 1`);
    assert.deepEqual(ids.map((r) => Number(r.request_id)), [1, 3, 5]);
    assert.equal(await count(`${where} AND observation_point = 's-p' AND response_duration > 0 AND response_duration < 2000000`), 6);
  });

  test('gRPC: 8 grpc-js calls traced in client and server → 8 c-p and 8 s-p rows with grpc-status', async () => {
    grpcClient.proc.stdin!.write('go\n');
    assert.deepEqual((await grpcClient.next()).codes, CALLS.map(([, code]) => code));
    const where = `server_port = ${grpcServer.port} AND l7_protocol = 'gRPC'`;
    await eventually('16 gRPC rows', async () => (await count(where)) >= 16);
    assert.equal(await count(`server_port = ${grpcServer.port}`), 16, 'every call is gRPC, none plain HTTP2');
    // Each call is seen on both sides.
    const rows = await sql.rows(`SELECT observation_point AS op, request_id, endpoint, response_code, response_status, response_exception
      FROM l7_flow_log WHERE ${where} ORDER BY 1, 2`);
    const seen = rows.map((r) => [r.op, Number(r.request_id), r.endpoint, r.response_code === null ? null : Number(r.response_code), r.response_status, r.response_exception]);
    const expected = ['c-p', 's-p'].flatMap((op) => CALLS.map(([call, code, status, exception], i) =>
      [op, 2 * i + 1, `${GREETER}/${call.split(':')[0]}`, code, status, exception]));
    // The client read the big reply whole, and the agent saw its first KiB only: that call's
    // grpc-status is unknowable in the client, and so are later ones that refer to the HPACK
    // entries its trailers inserted; none may be wrong. The server side has them all.
    const big = seen.findIndex((r) => r[0] === 'c-p' && r[1] === BIG_STREAM);
    assert.deepEqual(seen[big], ['c-p', BIG_STREAM, `${GREETER}/SayHello`, null, 'unknown', '']);
    seen.forEach((r, i) => {
      if (r[0] === 'c-p' && Number(r[1]) >= BIG_STREAM && r[4] === 'unknown' && r[3] === null && r[5] === '') seen[i] = expected[i]!;
    });
    assert.deepEqual(seen, expected);
    // One channel, one connection: both sides see the same client port.
    const sides = await sql.rows(`SELECT observation_point AS op, count(DISTINCT client_port) AS conns, min(request_type) AS method, min(process_id_0) AS pid0, max(process_id_0) AS pid0b, min(process_id_1) AS pid1, max(process_id_1) AS pid1b
      FROM l7_flow_log WHERE ${where} GROUP BY 1 ORDER BY 1`);
    const c = sides[0]!, s = sides[1]!;
    assert.deepEqual([c.op, Number(c.conns), c.method], ['c-p', 1, 'POST']);
    assert.deepEqual([s.op, Number(s.conns), s.method], ['s-p', 1, 'POST']);
    // The process a row knows is the one it was seen in: the client's on c-p, the server's on s-p.
    assert.deepEqual([Number(c.pid0), Number(c.pid0b)], [grpcClient.pid, grpcClient.pid]);
    assert.deepEqual([Number(s.pid1), Number(s.pid1b)], [grpcServer.peer.pid, grpcServer.peer.pid]);
    // The client waits for at least as long as the server works on the same call.
    const pairs = await sql.rows(`SELECT c.request_id, c.response_duration AS cd, s.response_duration AS sd FROM l7_flow_log c
      JOIN l7_flow_log s ON s.client_port = c.client_port AND s.request_id = c.request_id AND s.observation_point = 's-p'
      WHERE c.server_port = ${grpcServer.port} AND s.server_port = ${grpcServer.port} AND c.observation_point = 'c-p' ORDER BY 1`);
    assert.equal(pairs.length, 8);
    for (const p of pairs) assert.ok(Number(p.cd) >= Number(p.sd) && Number(p.sd) > 0 && Number(p.cd) < 2_000_000, `stream ${p.request_id}: client ${p.cd} µs, server ${p.sd} µs`);
  });

  test('gRPC RED aggregates in application.1m: the server\'s from the calls, the client\'s from its rows', async () => {
    await agent.stop();
    const red = await sql.rows(`SELECT observation_point AS op, endpoint, sum(request) AS req, sum(response) AS resp, sum(client_error) AS ce,
      sum(server_error) AS se, sum(rrt_count) AS measured FROM flow_metrics."application.1m" WHERE server_port = ${grpcServer.port} AND l7_protocol = 'gRPC'
      GROUP BY 1, 2 ORDER BY 1, 2`);
    const actual = red.map((r) => [r.op, r.endpoint, Number(r.req), Number(r.resp), Number(r.ce), Number(r.se), Number(r.measured)]);
    // Every call answered and timed; errors by class as the rows say.
    const aggregate = (op: string, statuses: Array<[method: string, status: string]>) => ['Lookup', 'SayHello'].map((m) => {
      const mine = statuses.filter(([method]) => method === m);
      return [op, `${GREETER}/${m}`, mine.length, mine.length, mine.filter(([, st]) => st === 'client_error').length, mine.filter(([, st]) => st === 'server_error').length, mine.length];
    });
    const server = aggregate('s-p', CALLS.map(([call, , status]) => [call.split(':')[0]!, status]));
    const clientRows = await sql.rows(`SELECT endpoint, response_status FROM l7_flow_log WHERE server_port = ${grpcServer.port} AND observation_point = 'c-p'`);
    const client = aggregate('c-p', clientRows.map((r) => [String(r.endpoint).slice(GREETER.length + 1), String(r.response_status)]));
    assert.deepEqual(actual, [...client, ...server]);
  });
});
