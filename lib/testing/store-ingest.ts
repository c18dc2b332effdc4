/**
 * End to end through a configured store: a MetaFlow server started with `--storage URL`
 * ingests generated l7 rows over HTTP; the rows must be in the store with IDs that decode,
 * through the store's own dictionary, to the names that were sent. Switching stores is then
 * a config change and nothing else.
 */
import assert from 'node:assert/strict';
import { findTable } from '../../schema/index.ts';
import { generateL7Batch, topology } from './l7-data.ts';
import { postArrow, startTestServer, tempDir } from './server.ts';

export async function ingestThroughStore(storage: string, expectKind: string): Promise<void> {
  const dir = tempDir();
  const server = await startTestServer({ dataDir: dir.path, flags: { storage } });
  try {
    const rows = 300;
    const sent = generateL7Batch({ rows, seed: 11, topo: topology(50, 10, 250) });
    const r = await postArrow(server.base, 'flow_log.l7_flow_log', sent);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const health = await (await fetch(`${server.base}/v1/health`)).json() as { status: string; store: { kind: string } };
    assert.equal(health.status, 'ok', JSON.stringify(health));
    assert.equal(health.store.kind, expectKind);
    const l7 = findTable('flow_log.l7_flow_log')!;
    const stored: unknown[][] = [];
    for await (const b of server.adapter.execute({ table: l7, columns: ['request_id', 'pod_id_1', 'endpoint'], filters: [] })) stored.push(...b.rows);
    assert.equal(stored.length, rows);
    const names = new Map((await server.adapter.dictionaries.entries('pod')).map((e) => [e.id, e.name]));
    for (const [requestId, podId, endpoint] of stored) {
      const i = Number(requestId);
      assert.equal(names.get(Number(podId)), sent.getChild('pod_1')!.get(i), `pod of row ${i}`);
      assert.equal(endpoint, sent.getChild('endpoint')!.get(i), `endpoint of row ${i}`);
    }
  } finally {
    await server.stop();
    dir.remove();
  }
}
