// The agent inside a (recorded) Kubernetes cluster: its watcher lists the API server with the
// service account token, and the resources with their labels reach the server's dictionaries
// through /v1/ingest/resources, where queries resolve k8s.label.* tags.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, storeRows, type TestServer } from '../lib/testing/server.ts';
import { createLogger } from '../lib/log.ts';
import { PcapSource } from './capture/pcap.ts';
import { Agent } from './agent.ts';
import { startFakeKubeApi, type FakeKubeApi } from './tagging/k8s/fake-api.ts';

const pcap = join(dirname(fileURLToPath(import.meta.url)), 'protocols', 'fixtures', 'http1.pcap');
let server: TestServer | undefined;
let api: FakeKubeApi | undefined;
after(async () => { await server?.stop(); await api?.close(); });

test('Kubernetes resources and labels reach the server beside the rows', async () => {
  server = await startTestServer();
  api = await startFakeKubeApi();
  const agent = new Agent({
    source: new PcapSource(pcap), server: server.base, log: createLogger('warn'), healthLogMs: 0,
    k8s: { config: { baseUrl: api.base, token: api.token }, cluster: 'prod-eu', refreshMs: 60_000 },
  });
  await agent.start();
  await agent.done;
  const h = await agent.stop();
  assert.equal(h.rejectedRows, 0);
  assert.ok(api.requests.includes(`GET /api/v1/pods Bearer ${api.token}`));
  const labels = await storeRows(server, `SELECT d.type, d.name, t.key, t.value FROM flow_tag.custom_tag t
    JOIN flow_tag.resource_dict d ON d.type = t.type AND d.id = t.id
    WHERE t.key IN ('k8s.label.app', 'k8s.label.env') ORDER BY 1, 2`);
  assert.deepEqual(labels, [
    ['pod', 'checkout-7d9c5b8f6-x2lqp', 'k8s.label.app', 'checkout'],
    ['pod', 'redis-0', 'k8s.label.app', 'redis'],
    ['pod_group', 'checkout', 'k8s.label.app', 'checkout'],
    ['pod_group', 'redis', 'k8s.label.app', 'redis'],
    ['pod_ns', 'shop', 'k8s.label.env', 'prod'],
    ['pod_service', 'checkout', 'k8s.label.app', 'checkout'],
    ['pod_service', 'redis', 'k8s.label.app', 'redis'],
  ]);
  const [[rows]] = await storeRows(server, 'SELECT count(*) FROM flow_log.l7_flow_log');
  assert.equal(Number(rows), 12);
});
