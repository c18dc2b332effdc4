import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateL7Batch } from '../../lib/testing/l7-data.ts';
import { postArrow, startTestServer, storeRows, tempDir } from '../../lib/testing/server.ts';

const METAFLOW = fileURLToPath(new URL('../metaflow', import.meta.url));

function run(args: string[], until?: RegExp): Promise<{ code: number | null; out: string; err: string; kill(): void; ready: Promise<string> }> {
  return new Promise((resolve) => {
    const p = spawn(METAFLOW, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, METAFLOW_LOG_LEVEL: 'info' } });
    let out = '';
    let err = '';
    let readyResolve: (s: string) => void;
    const ready = new Promise<string>((r) => (readyResolve = r));
    const check = () => { const m = until && (out + err).match(until); if (m) readyResolve(m[0]); };
    p.stdout.on('data', (d) => { out += d; check(); });
    p.stderr.on('data', (d) => { err += d; check(); });
    const handle = { code: null as number | null, get out() { return out; }, get err() { return err; }, kill: () => p.kill('SIGTERM'), ready };
    p.on('exit', (code) => { handle.code = code; readyResolve(''); resolve(handle); });
    if (until) ready.then(() => resolve(handle));
  });
}

test('data and dictionary IDs survive a restart', async () => {
  const dir = tempDir();
  try {
    const first = await startTestServer({ dataDir: dir.path });
    assert.equal((await postArrow(first.base, 'flow_log.l7_flow_log', generateL7Batch({ rows: 500, seed: 1 }))).status, 200);
    const ids = await storeRows(first, 'SELECT request_id, pod_id_1, pod_ns_id_0 FROM flow_log.l7_flow_log ORDER BY request_id');
    await first.stop();
    const second = await startTestServer({ dataDir: dir.path });
    try {
      assert.deepEqual(await storeRows(second, 'SELECT request_id, pod_id_1, pod_ns_id_0 FROM flow_log.l7_flow_log ORDER BY request_id'), ids);
      // The same names sent again after the restart get the same IDs.
      assert.equal((await postArrow(second.base, 'flow_log.l7_flow_log', generateL7Batch({ rows: 500, seed: 1, startUs: 1_900_000_000_000_000n }))).status, 200);
      const again = await storeRows(second, `SELECT request_id, pod_id_1, pod_ns_id_0 FROM flow_log.l7_flow_log WHERE time >= make_timestamp(1900000000000000) ORDER BY request_id`);
      assert.deepEqual(again, ids);
    } finally {
      await second.stop();
    }
  } finally {
    dir.remove();
  }
});

test('a second server on the same data directory gets a clear error', async () => {
  const dir = tempDir();
  const first = await startTestServer({ dataDir: dir.path });
  try {
    const second = await run(['server', '--data-dir', dir.path, '--http-port', '0', '--pg-port', '0']);
    assert.equal(second.code, 1);
    assert.match(second.err, /data directory is in use by another process \(pid \d+\)/);
    // The first one is unharmed.
    assert.equal((await postArrow(first.base, 'flow_log.l7_flow_log', generateL7Batch({ rows: 10, seed: 2 }))).status, 200);
  } finally {
    await first.stop();
    dir.remove();
  }
});

test('metaflow start serves health and stops cleanly on SIGTERM', async () => {
  const dir = tempDir();
  try {
    const p = await run(['start', '--data-dir', dir.path, '--http-port', '0', '--pg-port', '0'], /curl (http:\/\/127\.0\.0\.1:\d+)\/v1\/health/);
    const base = (await p.ready).match(/http:\/\/127\.0\.0\.1:\d+/)![0];
    const health = await fetch(`${base}/v1/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
    p.kill();
    // The in-process agent detaches its eBPF programs on the way out, which takes seconds here.
    for (let i = 0; i < 600 && p.code === null; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(p.code, 0, p.err);
  } finally {
    dir.remove();
  }
});
