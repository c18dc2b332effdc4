// The agent bundle (scripts/agent-bundle.mjs): built when missing or stale, reused otherwise,
// runnable with plain node, and bin/metaflow falls back to tsx when it cannot be built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../scripts/agent-bundle.mjs', import.meta.url));
const METAFLOW = fileURLToPath(new URL('./metaflow', import.meta.url));

function bundleIn(cacheDir: string, ...args: string[]): { status: number | null; path: string; stderr: string } {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8', env: { ...process.env, METAFLOW_CACHE_DIR: cacheDir } });
  return { status: r.status, path: r.stdout.trim(), stderr: r.stderr };
}

test('the bundle is built once, reused while fresh, rebuilt when a source is newer', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const first = bundleIn(dir);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(first.path, join(dir, 'agent', 'agent.mjs'));
  const inputs = readFileSync(`${first.path}.inputs`, 'utf8').split('\n');
  assert.ok(inputs.includes('bin/agent-main.ts') && inputs.includes(join('agent', 'capture', 'ebpf.ts')), 'inputs list the agent sources');

  const future = new Date(Math.floor(Date.now() / 1000) * 1000 + 3600_000); // newer than every source
  utimesSync(first.path, future, future);
  assert.equal(bundleIn(dir).status, 0);
  assert.equal(statSync(first.path).mtimeMs, future.getTime(), 'a fresh bundle is not rebuilt');

  utimesSync(first.path, new Date(0), new Date(0)); // older than every source
  assert.equal(bundleIn(dir).status, 0);
  assert.ok(statSync(first.path).mtimeMs > Date.now() - 600_000, 'a stale bundle is rebuilt');
});

test('the bundle runs on plain node and finds the native addon from the sources\' places', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-bundle-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const { path } = bundleIn(dir);
  const help = spawnSync(process.execPath, [path, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: metaflow agent --server/);
  const text = readFileSync(path, 'utf8');
  assert.ok(!text.includes('import.meta.url)(') && text.includes(JSON.stringify(new URL('../agent/capture/native-addon.ts', import.meta.url).href)),
    'native-addon.ts keeps its own URL inside the bundle');
  const usage = spawnSync(process.execPath, [path, '--source', 'nope'], { encoding: 'utf8' });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^metaflow agent: --source must be one of/);
});

test('bin/metaflow agent falls back to tsx when the bundle cannot be built', () => {
  const r = spawnSync(METAFLOW, ['agent', '--source', 'nope'], { encoding: 'utf8', env: { ...process.env, METAFLOW_CACHE_DIR: '/dev/null/metaflow' } });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /cannot build the agent bundle \(.*\)\nmetaflow: running the agent through tsx\nmetaflow agent: --source must be one of/);
});
