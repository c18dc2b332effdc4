// End to end through the ingest path: the agent replays each recorded capture (known outcomes
// in protocols/fixtures/README.md) into a real MetaFlow server, and the rows, the RED
// aggregates and the flow tables are read back from the store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import pg from 'pg';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, storeRows, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { PcapSource } from './capture/pcap.ts';
import { Agent } from './agent.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'protocols', 'fixtures');

/** Per capture: rows per l7_protocol and per response_status, as the sessions were driven. */
const KNOWN: Record<string, { protocols: Record<string, number>; status: Record<string, number> }> = {
  'http1.pcap': { protocols: { HTTP: 12 }, status: { ok: 9, client_error: 1, server_error: 1, timeout: 1 } },
  'http2.pcap': { protocols: { HTTP2: 2, gRPC: 5 }, status: { ok: 4, client_error: 3 } },
  'redis.pcap': { protocols: { Redis: 14 }, status: { ok: 12, server_error: 2 } },
  'mysql.pcap': { protocols: { MySQL: 21 }, status: { ok: 15, server_error: 2, unknown: 4 } },
  'postgres.pcap': { protocols: { PostgreSQL: 9 }, status: { ok: 7, client_error: 2 } },
  'dns.pcap': { protocols: { DNS: 6 }, status: { ok: 4, client_error: 2 } },
  'kafka.pcap': { protocols: { Kafka: 18 }, status: { ok: 14, server_error: 4 } },
  'dubbo.pcap': { protocols: { Dubbo: 6 }, status: { ok: 3, server_error: 2, unknown: 1 } },
};

let server: TestServer;
const q = (sql: string) => storeRows(server, sql);
const num = (v: unknown) => Number(v);

before(async () => {
  server = await startTestServer();
  const log = createLogger('warn');
  for (const file of Object.keys(KNOWN)) {
    const agent = new Agent({ source: new PcapSource(join(fixtures, file)), server: server.base, log, healthLogMs: 0 });
    await agent.start();
    await agent.done;
    const health = await agent.stop();
    assert.equal(health.droppedRows + health.rejectedRows, 0, `${file}: nothing dropped or rejected`);
  }
});
after(async () => { await server?.stop(); });

test('l7_flow_log: every capture lands with its known protocols and outcomes', async () => {
  const want = new Map<string, number>();
  const wantStatus: Record<string, number> = {};
  for (const k of Object.values(KNOWN)) {
    for (const [p, n] of Object.entries(k.protocols)) want.set(p, (want.get(p) ?? 0) + n);
    for (const [s, n] of Object.entries(k.status)) wantStatus[s] = (wantStatus[s] ?? 0) + n;
  }
  const got = await q(`SELECT l7_protocol, count(*) FROM flow_log.l7_flow_log GROUP BY 1`);
  // The store keeps enum codes: 20 HTTP, 21 HTTP2, 40 Dubbo, 41 gRPC, 60 MySQL, 61 PostgreSQL, 80 Redis, 100 Kafka, 120 DNS.
  const names: Record<number, string> = { 20: 'HTTP', 21: 'HTTP2', 40: 'Dubbo', 41: 'gRPC', 60: 'MySQL', 61: 'PostgreSQL', 80: 'Redis', 100: 'Kafka', 120: 'DNS' };
  assert.deepEqual(new Map(got.map(([p, n]) => [names[num(p)]!, num(n)])), want);
  const statusNames: Record<number, string> = { 0: 'ok', 2: 'timeout', 3: 'server_error', 4: 'client_error', 5: 'unknown' };
  const status = await q(`SELECT response_status, count(*) FROM flow_log.l7_flow_log GROUP BY 1`);
  assert.deepEqual(Object.fromEntries(status.map(([s, n]) => [statusNames[num(s)]!, num(n)]).sort()), Object.fromEntries(Object.entries(wantStatus).sort()));
});

test('l7_flow_log: HTTP codes, endpoints, trace context and the host tag', async () => {
  const codes = await q(`SELECT response_code, count(*) FROM flow_log.l7_flow_log WHERE l7_protocol = 20 GROUP BY 1 ORDER BY 1 NULLS LAST`);
  assert.deepEqual(codes.map(([c, n]) => [c === null ? null : num(c), num(n)]), [[200, 7], [204, 1], [304, 1], [404, 1], [500, 1], [null, 1]]);
  const [[endpoint, status]] = await q(`SELECT endpoint, response_status FROM flow_log.l7_flow_log WHERE l7_protocol = 20 AND response_code IS NULL`);
  assert.deepEqual([endpoint, num(status)], ['/slow', 2]);
  const [[trace, xr]] = await q(`SELECT trace_id, x_request_id_0 FROM flow_log.l7_flow_log WHERE trace_id <> '' AND l7_protocol = 20`);
  assert.deepEqual([trace, xr], ['0af7651916cd43dd8448eb211c80319c', 'req-42']);
  const grpc = await q(`SELECT endpoint, response_code, count(*) FROM flow_log.l7_flow_log WHERE l7_protocol = 41 GROUP BY 1, 2 ORDER BY 1`);
  assert.deepEqual(grpc.map((r) => r.map(num).map((v, i) => (i === 0 ? r[0] : v))), [['/helloworld.Greeter/Missing', 5, 2], ['/helloworld.Greeter/SayHello', 0, 3]]);
  const hosts = await q(`SELECT DISTINCT d.name FROM flow_log.l7_flow_log l JOIN flow_tag.resource_dict d ON d.type = 'host' AND d.id = l.host_id_1`);
  assert.deepEqual(hosts, [[hostname()]], 'loopback traffic is this host');
  const [[durOk]] = await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE response_status IN (0, 3, 4) AND response_duration > 0 AND response_duration < 5000000 AND epoch_us(time) = epoch_us(end_time)`);
  const [[answered]] = await q(`SELECT count(*) FROM flow_log.l7_flow_log WHERE response_status IN (0, 3, 4)`);
  assert.equal(num(durOk), num(answered), 'durations within bounds; time is the response time');
});

test('application 1s/1m and application_map: RED totals equal the request log, windows aligned', async () => {
  const [[req, resp, cerr, serr, tmo, rrtCount, rrtSum, rrtMax]] = await q(`SELECT count(*),
      count(*) FILTER (WHERE response_status IN (0, 3, 4) OR (response_status = 5 AND response_duration > 0)),
      count(*) FILTER (WHERE response_status = 4), count(*) FILTER (WHERE response_status = 3), count(*) FILTER (WHERE response_status = 2),
      count(*) FILTER (WHERE response_status <> 2 AND response_duration > 0),
      sum(response_duration) FILTER (WHERE response_status <> 2), max(response_duration) FILTER (WHERE response_status <> 2)
    FROM flow_log.l7_flow_log`);
  const expected = [req, resp, cerr, serr, tmo, rrtCount, rrtSum, rrtMax].map(num);
  const known = (k: string) => Object.values(KNOWN).reduce((n, x) => n + (x.status[k] ?? 0), 0);
  const requests = Object.values(KNOWN).reduce((n, x) => n + Object.values(x.protocols).reduce((a, b) => a + b, 0), 0);
  // Unanswered requests (timeouts, one-way 'unknown') have no response.
  assert.deepEqual(expected.slice(0, 5), [requests, requests - known('timeout') - known('unknown'), known('client_error'), known('server_error'), known('timeout')]);
  for (const [table, unit] of [['application.1s', 1e6], ['application.1m', 60e6], ['application_map.1s', 1e6], ['application_map.1m', 60e6]] as const) {
    const [[r, s, c, e, t, n, sum, max, misaligned]] = await q(`SELECT sum(request), sum(response), sum(client_error), sum(server_error), sum(timeout),
        sum(rrt_count), sum(rrt_sum), max(rrt_max), count(*) FILTER (WHERE epoch_us(time) % ${unit} <> 0) FROM flow_metrics."${table}"`);
    assert.deepEqual([r, s, c, e, t, n, sum, max].map(num), expected, table);
    assert.equal(num(misaligned), 0, `${table}: rows on window boundaries`);
  }
  const ep = await q(`SELECT endpoint, sum(request), sum(client_error) FROM flow_metrics."application.1m" WHERE l7_protocol = 20 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3`);
  assert.deepEqual(ep.map(([a, b, c]) => [a, num(b), num(c)]), [['/hello', 3, 0], ['/chunked', 2, 0], ['/echo', 2, 0]]);
  const [[edges]] = await q(`SELECT count(*) FROM flow_metrics."application_map.1m" WHERE host_id_0 IS NOT NULL AND host_id_1 IS NOT NULL`);
  assert.ok(num(edges) > 0);
});

test('l4_flow_log and network: one row per connection, bytes both ways, flows opened and closed', async () => {
  const [[flows, tcp, tx, rx, bad]] = await q(`SELECT count(*), count(*) FILTER (WHERE protocol = 6), sum(byte_tx), sum(byte_rx),
      count(*) FILTER (WHERE end_time < start_time OR server_port = 0 OR ip_0 = '') FROM flow_log.l4_flow_log`);
  assert.ok(num(tcp) >= 20 && num(flows) > num(tcp), `tcp ${tcp}, all ${flows}`);
  assert.equal(num(bad), 0);
  const ports = await q(`SELECT DISTINCT server_port FROM flow_log.l4_flow_log ORDER BY 1`);
  assert.ok(ports.length >= 8, JSON.stringify(ports));
  for (const table of ['network_map.1s', 'network_map.1m']) {
    const [[t, r]] = await q(`SELECT sum(byte_tx), sum(byte_rx) FROM flow_metrics."${table}"`);
    assert.deepEqual([num(t), num(r)], [num(tx), num(rx)], table);
  }
  const [[nt, nr, opened, closed]] = await q(`SELECT sum(byte_tx), sum(byte_rx), sum(new_flow), sum(closed_flow) FROM flow_metrics."network.1m"`);
  assert.deepEqual([num(nt), num(nr)], [num(rx), num(tx)], 'single-sided rows are the server view');
  assert.ok(num(opened) >= num(tcp) && num(closed) >= num(tcp) - 2, `opened ${opened} closed ${closed} tcp ${tcp}`);
});

test('through SQL over the PostgreSQL wire protocol, as a user reads it: names, not codes', async () => {
  const client = new pg.Client({ host: '127.0.0.1', port: server.pgPort, database: 'flow_log', user: 'metaflow' });
  await client.connect();
  try {
    const byProtocol = await client.query('SELECT l7_protocol, count(*) AS n FROM l7_flow_log GROUP BY 1 ORDER BY 1');
    const want = new Map<string, number>();
    for (const k of Object.values(KNOWN)) for (const [p, n] of Object.entries(k.protocols)) want.set(p, (want.get(p) ?? 0) + n);
    assert.deepEqual(new Map(byProtocol.rows.map((r) => [r.l7_protocol, Number(r.n)])), want);
    const hosts = await client.query('SELECT DISTINCT host_1 FROM l7_flow_log');
    assert.deepEqual(hosts.rows, [{ host_1: hostname() }]);
    const slow = await client.query(`SELECT response_status, response_code FROM l7_flow_log WHERE l7_protocol = 'HTTP' AND endpoint = '/slow'`);
    assert.deepEqual(slow.rows, [{ response_status: 'timeout', response_code: null }]);
    const red = await client.query(`SELECT endpoint, sum(request) AS r, sum(client_error) AS c FROM flow_metrics."application.1m"
      WHERE l7_protocol = 'gRPC' GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(red.rows.map((r) => [r.endpoint, Number(r.r), Number(r.c)]), [['/helloworld.Greeter/Missing', 2, 2], ['/helloworld.Greeter/SayHello', 3, 0]]);
  } finally { await client.end(); }
});
