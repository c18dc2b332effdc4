/**
 * Test harness for the InfluxDB store: starts Debian's `influxd` (1.x) with its own config in
 * a temp dir, on free 127.0.0.1 ports, waits for /ping and stops it after the test file.
 * When influxd is missing, tests skip with the reason, except under CI=true, where they fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from './server.ts';
import { freePort } from './ports.ts';

const INFLUXD = process.env.METAFLOW_TEST_INFLUXD ?? '/usr/bin/influxd';

function config(dir: string, httpPort: number, rpcPort: number, auth: boolean): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${dir}/meta"
[data]
  dir = "${dir}/data"
  wal-dir = "${dir}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  auth-enabled = ${auth}
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[logging]
  level = "warn"
`;
}

export interface InfluxServer { base: string; stop(): Promise<void> }

/** With `auth`, the server requires credentials and has one admin user, `admin`/`admin`. */
export async function startInfluxd(options: { auth?: boolean } = {}): Promise<InfluxServer> {
  const dir = tempDir('metaflow-influxd-');
  const [httpPort, rpcPort] = [await freePort(), await freePort()];
  const file = join(dir.path, 'influxdb.conf');
  writeFileSync(file, config(dir.path, httpPort, rpcPort, options.auth ?? false));
  let log = '';
  const child: ChildProcess = spawn(INFLUXD, ['run', '-config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (d) => { log = (log + d).slice(-4000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // A test process that dies must not leave its influxd behind.
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard);
  const stop = async () => {
    process.off('exit', orphanGuard);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    dir.remove();
  };
  const base = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) { await stop(); throw new Error(`influxd exited (${child.exitCode}): ${log}`); }
    try {
      if ((await fetch(`${base}/ping`)).status === 204) {
        // With no user yet, InfluxDB lets anyone create the first admin.
        if (options.auth) await fetch(`${base}/query`, { method: 'POST', body: new URLSearchParams({ q: `CREATE USER admin WITH PASSWORD 'admin' WITH ALL PRIVILEGES` }) });
        return { base, stop };
      }
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) { await stop(); throw new Error(`influxd did not answer /ping within 20 s: ${log}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Runs `define(server)` with a running influxd (stopped after the file) to declare the tests;
 * without influxd, one test that fails under CI=true and skips elsewhere.
 */
export async function withInfluxd(name: string, define: (server: { base: string; database(): string }) => void): Promise<void> {
  if (!existsSync(INFLUXD)) {
    const reason = `${INFLUXD} not found (apt-get install influxdb)`;
    if (process.env.CI === 'true') test(`${name}: influxd is required in CI`, () => { throw new Error(reason); });
    else test(name, { skip: reason }, () => undefined);
    return;
  }
  const server = await startInfluxd();
  after(() => server.stop());
  let n = 0;
  define({ base: server.base, database: () => `metaflow_test_${n++}` });
}
