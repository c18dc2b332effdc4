/**
 * psql against the wire server: -c with one and several statements, error output with the
 * caret under the position, a script with a transaction, and SCRAM login. psql's default
 * sslmode=prefer also exercises the SSLRequest → 'N' fallback.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { probe, requireTool, runTool } from './testing/client-tools.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

const hasPsql = probe('psql', ['--version']);
let fx: FixtureServer;
before(async () => { fx = await startFixtureServer(); });
after(async () => { await fx.close(); });

const psql = (port: number, args: string[], env: Record<string, string> = {}) =>
  runTool('psql', ['-X', '-h', '127.0.0.1', '-p', String(port), '-U', 'analyst', '-d', 'flow_log', ...args], { env: { PGSSLMODE: 'prefer', ...env }, timeoutMs: 30_000 });

describe('psql', () => {
  it('runs -c queries in unaligned and aligned output', async (t) => {
    if (!requireTool(t, hasPsql, 'psql', 'postgresql-client-15')) return;
    const r = await psql(fx.port, ['-A', '-t', '-c', 'SELECT * FROM services']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1|frontend|8080|t|12.5\n2|cart|7070|t|0.1\n3|ledger, "main"|5432|f|\n');
    const aligned = await psql(fx.port, ['-c', 'SELECT ts, iv, ta FROM typed LIMIT 1']);
    assert.match(aligned.stdout, /2023-11-14 22:13:20\.123456\+00 \| 1 year 2 mons 3 days 04:05:06\.5 \| \{a,"b c",NULL,"NULL",""\}/);
    assert.match(aligned.stdout, /\(1 row\)/);
  });

  it('shows every result of a multi-statement -c', async (t) => {
    if (!requireTool(t, hasPsql, 'psql', 'postgresql-client-15')) return;
    const r = await psql(fx.port, ['-A', '-t', '-c', "SELECT 1 AS a; SELECT 'two' AS b; SHOW server_version"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '1\ntwo\n15.0 (MetaFlow)\n');
  });

  it('prints errors with the line, a caret under the position and the hint', async (t) => {
    if (!requireTool(t, hasPsql, 'psql', 'postgresql-client-15')) return;
    const r = await psql(fx.port, ['-c', 'SELECT id, nmae FROM services']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, [
      'ERROR:  column "nmae" does not exist',
      'LINE 1: SELECT id, nmae FROM services',
      '                   ^',
      'HINT:  Perhaps you meant to reference the column "services.name".',
      '',
    ].join('\n'));
  });

  it('runs a script with a transaction and stops at the first error when asked', async (t) => {
    if (!requireTool(t, hasPsql, 'psql', 'postgresql-client-15')) return;
    const script = "BEGIN;\nSET application_name = 'etl';\nSHOW application_name;\nSELECT name FROM services WHERE id = 2;\nCOMMIT;\nSELECT * FROM nosuch;\nSELECT 'not reached';\n";
    const r = await runTool('psql', ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(fx.port), '-U', 'analyst', '-d', 'flow_log'], { input: script, timeoutMs: 30_000 });
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'BEGIN\nSET\netl\ncart\nCOMMIT\n');
    assert.match(r.stderr, /ERROR: {2}relation "nosuch" does not exist\nLINE 1: SELECT \* FROM nosuch;\n {22}\^/);
  });

  it('logs in with SCRAM-SHA-256 and is refused with a wrong password', async (t) => {
    if (!requireTool(t, hasPsql, 'psql', 'postgresql-client-15')) return;
    const server = await startFixtureServer({ method: 'scram-sha-256', users: { analyst: 'pa55' } });
    try {
      const ok = await psql(server.port, ['-A', '-t', '-c', 'SELECT 1'], { PGPASSWORD: 'pa55' });
      assert.equal(ok.stdout, '1\n', ok.stderr);
      const bad = await psql(server.port, ['-c', 'SELECT 1'], { PGPASSWORD: 'nope' });
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /password authentication failed for user "analyst"/);
    } finally {
      await server.close();
    }
  });
});
