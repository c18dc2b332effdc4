/**
 * Debian's python3-psycopg2 and python3-psycopg (3) against the wire server, through
 * `testing/psycopg_check.py`, which reports what the drivers parsed as JSON.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { DEBIAN_PYTHON, probe, requireTool, runTool } from './testing/client-tools.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

const script = fileURLToPath(new URL('./testing/psycopg_check.py', import.meta.url));
const has = (module: string) => probe(DEBIAN_PYTHON, ['-c', `import ${module}`]);
const hasPsycopg2 = has('psycopg2');
const hasPsycopg3 = has('psycopg');

let fx: FixtureServer;
before(async () => { fx = await startFixtureServer(); });
after(async () => { await fx.close(); });

async function check(driver: string): Promise<Record<string, unknown>> {
  const r = await runTool(DEBIAN_PYTHON, [script, driver, String(fx.port)], { timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** The first `typed` row as the drivers parse it; bytea/uuid differ between the two drivers. */
const typedRow = (bytea: string, uuid: string) => [
  ['bool', 'True'], ['int', '-32768'], ['int', '2147483647'], ['int', '9007199254740993'], ['float', '1.5'], ['float', '0.1'],
  ['Decimal', '12345678901234567890.000123'], ['str', 'héllo'], ['str', 'varchar'], ['datetime', '2023-11-14 22:13:20.123456+00:00'],
  ['datetime', '2023-11-14 22:13:20.123456'], ['date', '2024-02-29'], ['timedelta', '428 days, 4:05:06.500000'],
  ['dict', "{'a': [1, 2], 'b': 'x'}"], ['dict', "{'k': True}"], [bytea, '0001feff'], [uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'],
  ['int', '4294967295'], ['list', "['a', 'b c', None, 'NULL', '']"], ['list', '[1, None, -3]'],
];
const nullRow = Array.from({ length: 20 }, () => ['NoneType', 'None']);

describe('python clients', () => {
  it('psycopg2: typed results, parameters, implicit transactions, errors', async (t) => {
    if (!requireTool(t, hasPsycopg2, 'psycopg2 for /usr/bin/python3', 'python3-psycopg2')) return;
    const out = await check('psycopg2');
    assert.equal(out.server_version, 150000);
    assert.deepEqual(out.typed, [typedRow('memoryview', 'str'), nullRow]);
    assert.deepEqual(out.param, [[2, 'cart']]);
    assert.equal(out.status_in_tx, 2, 'psycopg2 opened a transaction with BEGIN (TRANSACTION_STATUS_INTRANS)');
    assert.deepEqual(out.error, { sqlstate: '42P01', position: '15', hint: null, message: 'relation "nosuch" does not exist' });
    assert.equal(out.app, 'pytest');
  });

  it('psycopg 3: text and binary results and parameters, pipeline mode, cancel', async (t) => {
    if (!requireTool(t, hasPsycopg3, 'psycopg (3) for /usr/bin/python3', 'python3-psycopg')) return;
    const out = await check('psycopg');
    assert.equal(out.server_version, 150000);
    assert.deepEqual(out.typed_text, [typedRow('bytes', 'UUID'), nullRow]);
    assert.deepEqual(out.typed_binary, [typedRow('bytes', 'UUID'), nullRow]);
    const echoed = [
      ['int', '7'], ['str', 'x'], ['float', '2.5'], ['Decimal', '-1.25'], ['datetime', '2024-01-02 03:04:05.678901+00:00'],
      ['UUID', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'], ['list', '[1, None, 3]'], ['bytes', '00ff'], ['bool', 'True'], ['NoneType', 'None'],
    ];
    assert.deepEqual(out.echo_text, echoed);
    assert.deepEqual(out.echo_binary, echoed);
    assert.deepEqual(out.error, { sqlstate: '42703', position: '8', hint: 'Perhaps you meant to reference the column "services.name".', message: 'column "nmae" does not exist' });
    assert.deepEqual(out.pipeline, ['frontend', 'cart', 'ledger, "main"']);
    assert.equal(out.cancel, '57014');
    assert.equal(out.after_cancel, 1);
    assert.equal(out.tx_status, 'INTRANS');
    assert.equal(out.tx_status_after, 'IDLE');
  });
});
