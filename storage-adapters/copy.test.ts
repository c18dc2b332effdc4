import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { generateL7Batch } from '../lib/testing/l7-data.ts';
import { postArrow, postJson, startTestServer, storeRows, tempDir } from '../lib/testing/server.ts';
import { parseSince } from '../bin/commands/copy.ts';

const METAFLOW = fileURLToPath(new URL('../bin/metaflow', import.meta.url));

test('copy moves rows and dictionaries, remapping IDs the target already uses', async () => {
  const src = tempDir();
  const dst = tempDir();
  try {
    // Source: 1000 rows and a labelled pod. Target: other names first, so the same names get other IDs there.
    const s = await startTestServer({ dataDir: src.path });
    assert.equal((await postArrow(s.base, 'flow_log.l7_flow_log', generateL7Batch({ rows: 1000, seed: 1 }))).status, 200);
    assert.equal((await postJson(s.base, '/v1/ingest/resources', [{ type: 'pod', name: 'svc-1-0-7f9c9e377', namespace: 'ns-1', labels: { app: 'one' } }])).status, 200);
    const want = await storeRows(s, `SELECT l.request_id, d.name FROM flow_log.l7_flow_log l JOIN flow_tag.resource_dict d ON d.type = 'pod' AND d.id = l.pod_id_1 ORDER BY 1`);
    await s.stop();
    let t = await startTestServer({ dataDir: dst.path });
    assert.equal((await postArrow(t.base, 'flow_log.l7_flow_log', generateL7Batch({ rows: 10, seed: 99, topo: undefined, startUs: 1_600_000_000_000_000n }))).status, 200);
    await t.stop();

    const r = spawnSync(METAFLOW, ['copy', '--from', `duckdb://${src.path}`, '--to', `duckdb://${dst.path}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /ok +flow_log\.l7_flow_log: 1,000 rows read, 1,000 added to the target/);
    assert.match(r.stdout, /IDs remapped/);

    t = await startTestServer({ dataDir: dst.path });
    try {
      const got = await storeRows(t, `SELECT l.request_id, d.name FROM flow_log.l7_flow_log l JOIN flow_tag.resource_dict d ON d.type = 'pod' AND d.id = l.pod_id_1
        WHERE l.time >= make_timestamp(1700000000000000) ORDER BY 1`);
      assert.deepEqual(got, want, 'every row names the same pod after the copy');
      const labels = await storeRows(t, `SELECT c.value FROM flow_tag.custom_tag c JOIN flow_tag.resource_dict d ON d.type = c.type AND d.id = c.id WHERE d.name = 'svc-1-0-7f9c9e377' AND c.key = 'k8s.label.app'`);
      assert.deepEqual(labels, [['one']]);
    } finally {
      await t.stop();
    }
    // --since keeps only newer rows.
    const again = spawnSync(METAFLOW, ['copy', '--from', `duckdb://${src.path}`, '--to', `duckdb://${dst.path}`, '--since', '1700000000.5'], { encoding: 'utf8' });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /l7_flow_log: 500 rows read, 500 added/);
  } finally {
    src.remove();
    dst.remove();
  }
});

test('--since accepts RFC 3339, Unix seconds and durations', () => {
  assert.equal(parseSince('2026-01-01T00:00:00Z'), 1767225600000000n);
  assert.equal(parseSince('1700000000.5'), 1700000000500000n);
  assert.equal(parseSince('2h', 10_000_000), (10_000_000n - 7_200_000n) * 1000n);
  assert.throws(() => parseSince('yesterday'), /not a time/);
});
