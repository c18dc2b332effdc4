/**
 * The server against a hand-built byte-level client: message order, pipelining, partial
 * frames, portals, errors, transaction status, cancel and bad input.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { codes, dataRow, errorFields, fe, RawClient, type BackendMessage } from './testing/raw-client.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

let fx: FixtureServer;
before(async () => { fx = await startFixtureServer(); });
after(async () => { await fx.close(); });

const status = (msgs: BackendMessage[]) => String.fromCharCode(msgs.at(-1)!.body[0]!);
const err = (msgs: BackendMessage[]) => errorFields(msgs.find((m) => m.code === 'E')!.body);
const rows = (msgs: BackendMessage[]) => msgs.filter((m) => m.code === 'D').map((m) => dataRow(m.body));
const tag = (msgs: BackendMessage[]) => msgs.filter((m) => m.code === 'C').map((m) => m.body.toString('utf8', 0, m.body.length - 1));

describe('pg wire protocol', () => {
  it('answers SSLRequest with N, then starts up with the usual ParameterStatus set', async () => {
    const c = await RawClient.connect(fx.port);
    c.send(fe.gssEncRequest());
    assert.equal((await c.readBytes(1)).toString(), 'N');
    c.send(fe.sslRequest());
    assert.equal((await c.readBytes(1)).toString(), 'N');
    c.send(fe.startup({ user: 'u1', database: 'flow_log', application_name: 'probe', options: '-c search_path=flow_log' }));
    const msgs = await c.readUntil('Z');
    assert.equal(msgs[0]!.code, 'R');
    assert.equal(msgs[0]!.body.readInt32BE(0), 0);
    const params = Object.fromEntries(msgs.filter((m) => m.code === 'S').map((m) => {
      const [k, v] = m.body.toString('utf8').split('\0');
      return [k, v];
    }));
    assert.equal(params.server_version, '15.0 (MetaFlow)');
    assert.equal(params.client_encoding, 'UTF8');
    assert.equal(params.server_encoding, 'UTF8');
    assert.equal(params.DateStyle, 'ISO, MDY');
    assert.equal(params.TimeZone, 'UTC');
    assert.equal(params.integer_datetimes, 'on');
    assert.equal(params.standard_conforming_strings, 'on');
    assert.equal(params.IntervalStyle, 'postgres');
    assert.equal(params.is_superuser, 'off');
    assert.equal(params.session_authorization, 'u1');
    assert.equal(params.application_name, 'probe');
    assert.ok(msgs.some((m) => m.code === 'K' && m.body.length === 8));
    assert.equal(status(msgs), 'I');
    c.send(fe.query('SHOW search_path'));
    assert.deepEqual(rows(await c.readUntil('Z')), [['flow_log']]);
    c.end();
  });

  it('runs several statements in one Query and reports positions in the whole text', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    c.send(fe.query("SELECT 1 AS a; SELECT 'x;y' AS b -- ;\n;"));
    const msgs = await c.readUntil('Z');
    assert.equal(codes(msgs), 'TDCTDCZ');
    assert.deepEqual(rows(msgs), [['1'], ['x;y']]);
    assert.deepEqual(tag(msgs), ['SELECT 1', 'SELECT 1']);
    c.send(fe.query('SELECT 1; SELECT * FROM nosuch; SELECT 2'));
    const failed = await c.readUntil('Z');
    assert.equal(codes(failed), 'TDCEZ');
    assert.equal(err(failed).C, '42P01');
    assert.equal(err(failed).P, '25');
    c.send(fe.query(' -- nothing\n '));
    assert.equal(codes(await c.readUntil('Z')), 'IZ');
    c.end();
  });

  it('serves a pipelined extended-protocol batch sent one byte at a time', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    const batch = Buffer.concat([
      fe.parse('s1', 'SELECT $1::int4 AS n, $2 AS t'), fe.describe('S', 's1'),
      fe.bind('', 's1', ['42', 'héllo']), fe.describe('P', ''), fe.execute('', 0),
      fe.bind('p2', 's1', ['7', null]), fe.execute('p2', 0), fe.sync(),
    ]);
    for (const byte of batch) c.send(Buffer.of(byte));
    const msgs = await c.readUntil('Z');
    assert.equal(codes(msgs), '1tT2TDC2DCZ');
    const pd = msgs[1]!.body;
    assert.deepEqual([pd.readInt16BE(0), pd.readInt32BE(2), pd.readInt32BE(6)], [2, 23, 25]);
    assert.deepEqual(rows(msgs), [['42', 'héllo'], ['7', null]]);
    c.end();
  });

  it('answers up to a Flush without waiting for Sync', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    c.send(fe.parse('f', 'SELECT 1'), fe.flush());
    assert.equal((await c.next())?.code, '1');
    c.send(fe.describe('S', 'f'), fe.flush());
    assert.equal(codes([(await c.next())!, (await c.next())!]), 'tT');
    c.send(fe.sync());
    assert.equal(codes(await c.readUntil('Z')), 'Z');
    c.end();
  });

  it('suspends a portal at Execute row limits and resumes it', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    c.send(fe.parse('', 'SELECT * FROM series(250)'), fe.bind('', '', []), fe.execute('', 100), fe.execute('', 100), fe.execute('', 100), fe.sync());
    const msgs = await c.readUntil('Z');
    const shape = codes(msgs).replace(/D+/g, (d) => `D${d.length}`);
    assert.equal(shape, '12D100sD100sD50CZ');
    assert.deepEqual(tag(msgs), ['SELECT 50']);
    assert.deepEqual(rows(msgs).at(-1), ['250', 'row 250']);
    c.end();
  });

  it('skips to Sync after an error and keeps the connection usable', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    c.send(fe.parse('', 'SELECT nope FROM services'), fe.bind('', '', []), fe.execute('', 0), fe.sync());
    const msgs = await c.readUntil('Z');
    assert.equal(codes(msgs), 'EZ');
    assert.equal(err(msgs).C, '42703');
    assert.equal(err(msgs).P, '8');
    assert.equal(err(msgs).S, 'ERROR');
    c.send(fe.parse('', 'SELECT $1::int4'), fe.bind('', '', ['1', '2']), fe.execute('', 0), fe.sync());
    assert.match(err(await c.readUntil('Z')).M, /supplies 2 parameters, but prepared statement "" requires 1/);
    c.send(fe.parse('dup', 'SELECT 1'), fe.parse('dup', 'SELECT 2'), fe.sync());
    assert.equal(err(await c.readUntil('Z')).C, '42P05');
    c.send(fe.bind('', 'dup', []), fe.execute('', 0), fe.close('S', 'dup'), fe.bind('', 'dup', []), fe.sync());
    const reuse = await c.readUntil('Z');
    assert.equal(codes(reuse), '2DC3EZ');
    assert.equal(err(reuse).C, '26000');
    c.end();
  });

  it('reports transaction status I/T/E and refuses statements in a failed transaction', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    c.send(fe.query('BEGIN'));
    assert.equal(status(await c.readUntil('Z')), 'T');
    c.send(fe.query('SELECT * FROM nosuch'));
    assert.equal(status(await c.readUntil('Z')), 'E');
    c.send(fe.query('SELECT 1'));
    const refused = await c.readUntil('Z');
    assert.equal(err(refused).C, '25P02');
    c.send(fe.query('COMMIT'));
    const commit = await c.readUntil('Z');
    assert.deepEqual(tag(commit), ['ROLLBACK']);
    assert.equal(status(commit), 'I');
    c.send(fe.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ; SAVEPOINT a; RELEASE a; COMMIT'));
    const ok = await c.readUntil('Z');
    assert.deepEqual(tag(ok), ['BEGIN', 'SAVEPOINT', 'RELEASE', 'COMMIT']);
    assert.equal(status(ok), 'I');
    c.send(fe.query("SET client_encoding = 'LATIN1'"));
    assert.equal(err(await c.readUntil('Z')).C, '22023');
    c.send(fe.query("SET application_name = 'x1'; DISCARD ALL; DEALLOCATE ALL; SET TIME ZONE 'UTC'"));
    const set = await c.readUntil('Z');
    assert.deepEqual(tag(set), ['SET', 'DISCARD ALL', 'DEALLOCATE ALL', 'SET']);
    const reported = set.filter((m) => m.code === 'S').map((m) => m.body.toString('utf8').split('\0').slice(0, 2).join('='));
    assert.deepEqual(reported.slice(0, 1), ['application_name=x1']);
    assert.ok(reported.includes('application_name='), 'DISCARD ALL resets application_name and reports it');
    c.end();
  });

  it('sends binary results per column and takes binary parameters', async () => {
    const { client: c } = await RawClient.ready(fx.port);
    const int4 = Buffer.alloc(4);
    int4.writeInt32BE(-5);
    c.send(fe.parse('', 'SELECT $1::int4 AS a, $2::text AS b', [23, 25]), fe.bind('', '', [int4, 'z'], [1, 0], [1, 0]), fe.describe('P', ''), fe.execute('', 0), fe.sync());
    const msgs = await c.readUntil('Z');
    const desc = msgs.find((m) => m.code === 'T')!.body;
    // Field "a": name\0, table oid(4), attnum(2), type oid(4), size(2), typmod(4), format(2).
    assert.equal(desc.readInt16BE(2 + 2 + 4 + 2 + 4 + 2 + 4), 1);
    const row = msgs.find((m) => m.code === 'D')!.body;
    assert.equal(row.readInt32BE(2), 4);
    assert.equal(row.readInt32BE(6), -5);
    assert.equal(row.toString('utf8', 14), 'z');
    c.end();
  });

  it('cancels a running statement via CancelRequest with 57014 and stays usable', async () => {
    const { client: c, pid, key } = await RawClient.ready(fx.port);
    c.send(fe.query('SELECT sleep(30)'));
    await new Promise((r) => setTimeout(r, 200));
    const wrongKey = await RawClient.connect(fx.port);
    wrongKey.send(fe.cancel(pid, key ^ 1));
    const canceller = await RawClient.connect(fx.port);
    const started = Date.now();
    canceller.send(fe.cancel(pid, key));
    const msgs = await c.readUntil('Z', 3000);
    assert.ok(Date.now() - started < 2000);
    assert.equal(err(msgs).C, '57014');
    assert.equal(err(msgs).M, 'canceling statement due to user request');
    c.send(fe.query('SELECT 1'));
    assert.equal(codes(await c.readUntil('Z')), 'TDCZ');
    c.end();
  });

  it('answers a garbage message with 08P01, closes that connection and keeps serving others', async () => {
    const { client: bad } = await RawClient.ready(fx.port);
    const { client: good } = await RawClient.ready(fx.port);
    bad.send(Buffer.from([0xff, 0, 0, 0, 8, 1, 2, 3, 4]));
    const e = await bad.next();
    assert.equal(e?.code, 'E');
    assert.equal(errorFields(e!.body).C, '08P01');
    assert.equal(errorFields(e!.body).S, 'FATAL');
    assert.equal(await bad.next(), null);
    const http = await RawClient.connect(fx.port);
    http.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    const httpErr = await http.next();
    assert.equal(errorFields(httpErr!.body).C, '08P01');
    assert.equal(await http.next(), null);
    const huge = await RawClient.ready(fx.port);
    huge.client.send(Buffer.from([0x51, 0x7f, 0xff, 0xff, 0xff]));
    assert.equal(errorFields((await huge.client.next())!.body).C, '08P01');
    good.send(fe.query('SELECT 1'));
    assert.equal(codes(await good.readUntil('Z')), 'TDCZ');
    good.end();
  });

  it('rejects a startup without user and an unsupported protocol version', async () => {
    const c = await RawClient.connect(fx.port);
    c.send(fe.startup({ database: 'x' }));
    assert.equal(errorFields((await c.next())!.body).C, '28000');
    const v2 = await RawClient.connect(fx.port);
    v2.send(fe.startup({ user: 'x' }, 131072));
    assert.equal(errorFields((await v2.next())!.body).C, '0A000');
  });

  it('refuses connections beyond maxConnections with 53300', async () => {
    const small = await startFixtureServer(undefined, 1);
    try {
      const { client: first } = await RawClient.ready(small.port);
      const second = await RawClient.connect(small.port);
      second.send(fe.startup({ user: 'x' }));
      assert.equal(errorFields((await second.next())!.body).C, '53300');
      assert.equal(await second.next(), null);
      first.send(fe.query('SELECT 1'));
      assert.equal(codes(await first.readUntil('Z')), 'TDCZ');
      first.end();
    } finally {
      await small.close();
    }
  });

  it('negotiates down a client asking for protocol 3.2 with _pq_ options', async () => {
    const c = await RawClient.connect(fx.port);
    c.send(fe.startup({ user: 'x', '_pq_.something': 'on' }, 196610));
    const msgs = await c.readUntil('Z');
    const v = msgs.find((m) => m.code === 'v')!.body;
    assert.equal(v.readInt32BE(0), 0);
    assert.equal(v.readInt32BE(4), 1);
    assert.equal(v.toString('utf8', 8, v.length - 1), '_pq_.something');
    c.end();
  });
});
