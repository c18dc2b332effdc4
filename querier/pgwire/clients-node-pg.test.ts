/**
 * node-postgres (`pg`) against the wire server: simple and extended protocol, text and
 * binary results, errors with position/hint, notices, cancel, and password/SCRAM auth.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { fe } from './testing/raw-client.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

let fx: FixtureServer;
before(async () => { fx = await startFixtureServer(); });
after(async () => { await fx.close(); });

async function withClient<T>(config: pg.ClientConfig, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ host: '127.0.0.1', port: fx.port, user: 'grafana', database: 'flow_log', ...config });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

describe('node-postgres', () => {
  it('runs simple queries, including several in one call', async () => {
    await withClient({}, async (c) => {
      const r = await c.query('SELECT * FROM services');
      assert.equal(r.command, 'SELECT');
      assert.equal(r.rowCount, 3);
      assert.deepEqual(r.rows[2], { id: 3, name: 'ledger, "main"', port: 5432, active: false, rps: null });
      assert.deepEqual(r.fields.map((f) => [f.name, f.dataTypeID]), [['id', 23], ['name', 25], ['port', 23], ['active', 16], ['rps', 701]]);
      const multi = (await c.query('SELECT 1 AS a; SELECT 2 AS b')) as unknown as pg.QueryResult[];
      assert.deepEqual(multi.map((x) => x.rows[0]), [{ a: 1 }, { b: 2 }]);
    });
  });

  it('binds parameters in the extended protocol and parses typed results', async () => {
    await withClient({}, async (c) => {
      const byId = await c.query('SELECT id, name FROM services WHERE id = $1', [2]);
      assert.deepEqual(byId.rows, [{ id: 2, name: 'cart' }]);
      const when = new Date('2024-05-06T07:08:09.123Z');
      const r = await c.query(
        'SELECT $1::int8 AS a, $2::timestamptz AS b, $3 AS c, $4::numeric AS d, $5::bool AS e, $6::bytea AS f, $7::int4[] AS g, $8::float8 AS h, $9::int4 AS n',
        ['9007199254740993', when, 'héllo', '-1.50', true, Buffer.from([1, 2, 255]), [1, 2, 3], 0.1, null],
      );
      assert.deepEqual(r.rows[0], { a: '9007199254740993', b: when, c: 'héllo', d: '-1.50', e: true, f: Buffer.from([1, 2, 255]), g: [1, 2, 3], h: 0.1, n: null });
      const prepared = { name: 'by-id', text: 'SELECT name FROM services WHERE id = $1' };
      assert.equal((await c.query({ ...prepared, values: [1] })).rows[0].name, 'frontend');
      assert.equal((await c.query({ ...prepared, values: [3] })).rows[0].name, 'ledger, "main"');
    });
  });

  it('receives binary results when asked', async () => {
    // `binary` is a real pg client option that @types/pg does not declare.
    await withClient({ binary: true } as pg.ClientConfig, async (c) => {
      const r = await c.query({ text: 'SELECT b, i2, i4, i8, f8, t, ts FROM typed', values: [] });
      assert.deepEqual(r.rows[0], { b: true, i2: -32768, i4: 2147483647, i8: '9007199254740993', f8: 0.1, t: 'héllo', ts: new Date('2023-11-14T22:13:20.123Z') });
      assert.deepEqual(r.rows[1], { b: null, i2: null, i4: null, i8: null, f8: null, t: null, ts: null });
    });
  });

  it('surfaces SQLSTATE, position and hint, then keeps the connection usable', async () => {
    await withClient({}, async (c) => {
      await assert.rejects(c.query('SELECT nmae FROM services'), (e: pg.DatabaseError) =>
        e.code === '42703' && e.position === '8' && e.hint === 'Perhaps you meant to reference the column "services.name".');
      await assert.rejects(c.query('SELECT * FROM nosuch WHERE id = $1', [1]), (e: pg.DatabaseError) => e.code === '42P01' && e.position === '15');
      await assert.rejects(c.query('INSERT INTO services VALUES (4)'), (e: pg.DatabaseError) => e.code === '25006');
      await assert.rejects(c.query('SELECT * FROM series(200000)'), (e: pg.DatabaseError) => e.code === '54000' && !!e.hint);
      assert.equal((await c.query('SELECT 1 AS ok')).rows[0].ok, 1);
    });
  });

  it('delivers notices beside the result', async () => {
    await withClient({}, async (c) => {
      const notices: string[] = [];
      c.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}`));
      const r = await c.query('SELECT notice()');
      assert.deepEqual(r.rows, [{ notice: 'done' }]);
      assert.deepEqual(notices, ['WARNING 01000 default LIMIT 10000 applied']);
    });
  });

  it('cancels a running query with the key from BackendKeyData', async () => {
    await withClient({}, async (c) => {
      const { processID, secretKey } = c as unknown as { processID: number; secretKey: number };
      const running = c.query('SELECT sleep(30)');
      await new Promise((r) => setTimeout(r, 150));
      const s = connect(fx.port, '127.0.0.1', () => s.end(fe.cancel(processID, secretKey)));
      await assert.rejects(running, (e: pg.DatabaseError) => e.code === '57014');
      assert.equal((await c.query('SELECT 2 AS n')).rows[0].n, 2);
    });
  });

  it('keeps transaction status across BEGIN/COMMIT and serves several clients at once', async () => {
    await withClient({}, async (c) => {
      await c.query('BEGIN');
      await assert.rejects(c.query('SELECT * FROM nosuch'));
      await assert.rejects(c.query('SELECT 1'), (e: pg.DatabaseError) => e.code === '25P02');
      await c.query('ROLLBACK');
      assert.equal((await c.query('SELECT 3 AS n')).rows[0].n, 3);
    });
    const pool = new pg.Pool({ host: '127.0.0.1', port: fx.port, user: 'u', database: 'flow_log', max: 4 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => pool.query('SELECT $1::int4 AS i', [i])));
    assert.deepEqual(results.map((r) => r.rows[0].i), Array.from({ length: 20 }, (_, i) => i));
    await pool.end();
  });
});

describe('node-postgres authentication', () => {
  for (const method of ['password', 'scram-sha-256'] as const) {
    it(`authenticates with ${method} and refuses a wrong password with 28P01`, async () => {
      const server = await startFixtureServer({ method, users: { alice: 's3cret' } });
      try {
        const ok = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'alice', password: 's3cret', database: 'flow_log' });
        await ok.connect();
        assert.equal((await ok.query('SELECT 1 AS n')).rows[0].n, 1);
        await ok.end();
        for (const [user, password] of [['alice', 'wrong'], ['mallory', 's3cret']]) {
          const bad = new pg.Client({ host: '127.0.0.1', port: server.port, user, password, database: 'flow_log' });
          await assert.rejects(bad.connect(), (e: pg.DatabaseError) => e.code === '28P01' && e.message === `password authentication failed for user "${user}"`);
        }
      } finally {
        await server.close();
      }
    });
  }
});
