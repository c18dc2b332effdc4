/**
 * pgbench with custom scripts (-n -f) in the simple, extended and prepared protocols: a
 * parameterised lookup and an explicit transaction, a few hundred transactions each, none
 * failed. The fixture handler counts what it executed, so the test knows the statements
 * really reached it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { probe, requireTool, runTool } from './testing/client-tools.ts';
import { startFixtureServer, type FixtureServer } from './testing/fixture-server.ts';

const hasPgbench = probe('pgbench', ['--version']);
let fx: FixtureServer;
let dir: string;
before(async () => {
  fx = await startFixtureServer();
  dir = mkdtempSync(join(tmpdir(), 'metaflow-pgbench-'));
  writeFileSync(join(dir, 'lookup.sql'), '\\set id random(1, 3)\nSELECT id, name FROM services WHERE id = :id;\n');
  writeFileSync(join(dir, 'tx.sql'), 'BEGIN;\nSELECT * FROM services LIMIT 2;\nSHOW TimeZone;\nEND;\n');
});
after(async () => {
  await fx.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('pgbench', () => {
  for (const mode of ['simple', 'extended', 'prepared']) {
    it(`-M ${mode} runs 300 transactions without failures`, async (t) => {
      if (!requireTool(t, hasPgbench, 'pgbench', 'postgresql-15 (pgbench)')) return;
      const before = fx.handler.executed.length;
      const r = await runTool('pgbench', [
        '-h', '127.0.0.1', '-p', String(fx.port), '-U', 'bench', '-n', '-M', mode, '-c', '2', '-t', '150',
        '-f', join(dir, 'lookup.sql'), '-f', join(dir, 'tx.sql'), 'flow_log',
      ], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /number of transactions actually processed: 300\/300/);
      assert.match(r.stdout, /number of failed transactions: 0 \(0\.000%\)/);
      const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
      assert.ok(tps > 0, r.stdout);
      // Each transaction runs exactly one handler statement; BEGIN/SHOW/END stay in the server.
      assert.equal(fx.handler.executed.length - before, 300);
    });
  }
});
