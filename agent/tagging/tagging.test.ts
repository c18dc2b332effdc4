// AutoTagging: /proc parsing (this process, and a process tree laid out in a temp dir), and
// Kubernetes tags from recorded API list responses served by a local fake API server that
// checks the service account token like the real one.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../lib/testing/server.ts';
import { containerIdFromCgroup, parseStatStartTicks, ProcReader } from './proc.ts';
import { inClusterConfig, KubeApiError } from './k8s/client.ts';
import { K8sWatcher } from './k8s/watcher.ts';
import { AutoTagger } from './auto-tagger.ts';
import type { ResourceRecord } from '../ship/sender.ts';
import { startFakeKubeApi, type FakeKubeApi } from './k8s/fake-api.ts';

const CHECKOUT_CID = '8c3b1f0e5a7d9e2c4b6a8f0d1e3c5b7a9f1d3e5c7b9a1f3d5e7c9b1a3f5d7e9c';

let fake: FakeKubeApi;
let apiBase = '';
before(async () => { fake = await startFakeKubeApi(); apiBase = fake.base; });
after(async () => { await fake.close(); });

test('stat start time and container ids from the cgroup layouts of docker, containerd, CRI-O and kubepods', () => {
  assert.equal(parseStatStartTicks('4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 1000 200'), 987654);
  const id = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);
  assert.equal(containerIdFromCgroup(`0::/system.slice/docker-${id}.scope\n`), id);
  assert.equal(containerIdFromCgroup(`12:pids:/kubepods/besteffort/pod3f1c2a4e-8b1d/${id}\n11:cpu:/kubepods/besteffort/pod3f1c2a4e-8b1d/${id}`), id);
  assert.equal(containerIdFromCgroup(`0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod3f1c.slice/cri-containerd-${id}.scope`), id);
  assert.equal(containerIdFromCgroup(`0::/kubepods.slice/kubepods-pod3f1c.slice/crio-${id}.scope`), id);
  assert.equal(containerIdFromCgroup('0::/docker/' + id), id);
  assert.equal(containerIdFromCgroup('0::/user.slice/user-1000.slice/session-2.scope\n4:memory:/process_api/3b147186a6b6c3eeda5fb37c1f0c0781'), undefined);
});

test('this process from the real /proc: name, command line, start time', () => {
  const p = new ProcReader().get(process.pid)!;
  assert.equal(p.pid, process.pid);
  assert.ok(p.cmdline[0]!.endsWith('node') || p.cmdline[0] === process.execPath, p.cmdline.join(' '));
  assert.ok(p.startTicks > 0);
  assert.equal(new ProcReader().get(2 ** 22 + 7), undefined, 'a pid that does not exist');
  const tagger = new AutoTagger({ hostname: 'box-1', localIps: ['10.0.0.5'] });
  assert.deepEqual(tagger.side('127.0.0.1', process.pid), { host: 'box-1', gprocess: `${p.comm}[${process.pid}]` });
  assert.deepEqual(tagger.side('10.0.0.5', 0), { host: 'box-1' });
  assert.deepEqual(tagger.side('203.0.113.9', 0), {});
  // A process that exited before its rows were tagged keeps the name the capture saw.
  const gone = 2 ** 22 + 7;
  assert.deepEqual(tagger.side('127.0.0.1', gone), { host: 'box-1' }, 'no name without /proc or a captured comm');
  const curl = tagger.side('127.0.0.1', gone, 'curl');
  assert.deepEqual(curl, { host: 'box-1', gprocess: `curl[${gone}]` });
  assert.equal(tagger.side('127.0.0.1', gone, 'curl'), curl, 'the same tags object for the same exited process');
  assert.deepEqual(tagger.side('127.0.0.1', process.pid, 'other'), { host: 'box-1', gprocess: `${p.comm}[${process.pid}]` }, '/proc wins while the process lives');
});

test('in-cluster configuration from the service account mount, or why there is none', () => {
  const dir = tempDir();
  try {
    assert.match(inClusterConfig({}, dir.path) as string, /not in a Kubernetes cluster/);
    assert.match(inClusterConfig({ KUBERNETES_SERVICE_HOST: '10.96.0.1' }, dir.path) as string, /no service account token/);
    writeFileSync(join(dir.path, 'token'), 'sa-token-123\n');
    writeFileSync(join(dir.path, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    assert.deepEqual(inClusterConfig({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, dir.path), {
      baseUrl: 'https://[fd00::1]:6443', token: 'sa-token-123', ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
  } finally { dir.remove(); }
});

test('Kubernetes: pods by IP and container, services by selector and cluster IP, workloads, labels as resources', async () => {
  let sent: ResourceRecord[] = [];
  const watcher = new K8sWatcher({ config: { baseUrl: apiBase, token: 'sa-token-123' }, cluster: 'prod-eu', onResources: (r) => { sent = r; } });
  await watcher.refresh();
  assert.ok(fake.requests.some((r) => r === 'GET /api/v1/pods Bearer sa-token-123'));
  const idx = watcher.index!;
  assert.deepEqual(idx.byPodIp.get('10.244.0.17'), {
    pod_cluster: 'prod-eu', pod_ns: 'shop', pod: 'checkout-7d9c5b8f6-x2lqp', pod_node: 'node-a', host: 'node-a', pod_group: 'checkout', pod_service: 'checkout',
  });
  assert.equal(idx.byPodIp.get('fd00:10:244:1::5')!.pod, 'redis-0', 'second pod IP (dual stack)');
  assert.equal(idx.byPodIp.get('10.244.1.5')!.pod_group, 'redis', 'StatefulSet owns its pods directly');
  assert.equal(idx.byPodIp.get('10.244.1.5')!.pod_service, 'redis', 'a headless service still selects');
  assert.equal(idx.byPodIp.get('192.168.49.2'), undefined, 'hostNetwork pods do not claim the node IP');
  assert.deepEqual(idx.byNodeIp.get('192.168.49.2'), { pod_cluster: 'prod-eu', pod_node: 'node-a', host: 'node-a' });
  assert.equal(idx.byContainerId.get('9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0')!.pod, 'kube-proxy-9xk2m');
  assert.deepEqual(idx.byServiceIp.get('10.96.120.7'), { pod_cluster: 'prod-eu', pod_ns: 'shop', pod_service: 'checkout' });
  assert.equal(idx.byServiceIp.has('None'), false);
  const pod = sent.find((r) => r.type === 'pod' && r.name === 'checkout-7d9c5b8f6-x2lqp')!;
  assert.deepEqual(pod, { type: 'pod', name: 'checkout-7d9c5b8f6-x2lqp', namespace: 'shop', cluster: 'prod-eu',
    labels: { app: 'checkout', tier: 'backend', 'pod-template-hash': '7d9c5b8f6' }, annotations: { 'prometheus.io/scrape': 'true' } });
  assert.deepEqual(sent.find((r) => r.type === 'pod_group' && r.name === 'checkout')!.labels, { app: 'checkout', tier: 'backend' });
  assert.equal(sent.find((r) => r.type === 'pod_ns' && r.name === 'shop')!.labels!.env, 'prod');
  assert.equal(sent.find((r) => r.type === 'pod_service' && r.name === 'checkout')!.annotations!.team, 'payments');
  assert.equal(sent.filter((r) => r.type === 'pod_node').length, 2);

  // A process in the checkout container, laid out as /proc would show it.
  const root = tempDir();
  try {
    const dir = join(root.path, '4321');
    mkdirSync(dir);
    writeFileSync(join(dir, 'stat'), '4321 (checkout) S 1 4321 4321 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5555 0 0');
    writeFileSync(join(dir, 'comm'), 'checkout\n');
    writeFileSync(join(dir, 'cmdline'), '/app/checkout\x00--port\x008080\x00');
    writeFileSync(join(dir, 'cgroup'), `0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3f1c2a4e.slice/cri-containerd-${CHECKOUT_CID}.scope\n`);
    const tagger = new AutoTagger({ hostname: 'node-a', localIps: [], proc: new ProcReader(root.path), k8s: () => watcher.index });
    const tagged = tagger.side('10.96.120.7', 4321);
    assert.deepEqual(tagged, { pod_cluster: 'prod-eu', pod_ns: 'shop', pod: 'checkout-7d9c5b8f6-x2lqp', pod_node: 'node-a', host: 'node-a', pod_group: 'checkout', pod_service: 'checkout', gprocess: 'checkout[4321]' });
    assert.deepEqual(tagger.side('10.244.1.5', 0).pod, 'redis-0');
  } finally { root.remove(); }
});

test('Kubernetes API errors are typed and name the resource and reason; the last good index stays', async () => {
  const bad = new K8sWatcher({ config: { baseUrl: apiBase, token: 'wrong' }, cluster: 'c' });
  await assert.rejects(bad.refresh(), (e: unknown) => e instanceof KubeApiError && e.status === 401 && /Unauthorized/.test(e.message));
  const w = new K8sWatcher({ config: { baseUrl: apiBase, token: 'sa-token-123' }, cluster: 'c' });
  await w.refresh();
  fake.forbidPods = true;
  try {
    await assert.rejects(w.refresh(), /\/api\/v1\/pods: HTTP 403 pods is forbidden: User "system:serviceaccount:metaflow:default" cannot list/);
    assert.equal(w.index!.byPodIp.get('10.244.0.17')!.pod_ns, 'shop');
  } finally { fake.forbidPods = false; }
});
