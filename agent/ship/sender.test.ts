// The sender against a real MetaFlow server: batches land, dictionary-encoded tags decode to
// the same names, an absent server fills a bounded queue that drops the oldest batches, a
// server that comes back gets the retried batches, and a rejected batch is not retried.
import type { ResourceType } from '../../schema/index.ts';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { DataType } from 'apache-arrow';
import { findTable } from '../../schema/index.ts';
import { startTestServer, storeRows, type TestServer } from '../../lib/testing/server.ts';
import { rowsToBatch, UnknownColumnError } from './arrow-batch.ts';
import { Sender } from './sender.ts';
import { freePort } from '../../lib/testing/ports.ts';

const servers: TestServer[] = [];
after(async () => { for (const s of servers) await s.stop(); });


const row = (i: number) => ({
  time: 1_700_000_000_000_000 + i * 1000, pod_1: `pod-${i % 3}`, pod_ns_1: 'shop', l7_protocol: 'HTTP',
  endpoint: `/e/${i % 5}`, response_code: 200 + (i % 2) * 300, response_duration: 100 + i, response_status: i % 2 ? 'server_error' : 'ok',
});

test('tags are dictionary-encoded, values keep their types, unknown columns fail early', () => {
  const t = findTable('flow_log.l7_flow_log')!;
  const b = rowsToBatch(t, [row(0), row(1), row(3)]);
  assert.ok(DataType.isDictionary(b.schema.fields.find((f) => f.name === 'pod_1')!.type));
  assert.ok(DataType.isDictionary(b.schema.fields.find((f) => f.name === 'l7_protocol')!.type));
  assert.ok(DataType.isUtf8(b.schema.fields.find((f) => f.name === 'endpoint')!.type));
  assert.equal(b.getChild('pod_1')!.data[0]!.dictionary!.length, 2, 'pod-0 and pod-1 once each');
  assert.equal(b.getChild('response_duration')!.get(2), 103n);
  assert.deepEqual(b.schema.fields.map((f) => f.name).includes('pod_0'), false, 'unused columns are not sent');
  assert.throws(() => rowsToBatch(t, [{ pod_name: 'x' }]), UnknownColumnError);
});

test('rows flushed by size and by time land in the store with their names', async () => {
  const server = await startTestServer();
  servers.push(server);
  const sender = new Sender({ server: server.base, flushRows: 100, flushIntervalMs: 200 });
  sender.add('flow_log.l7_flow_log', Array.from({ length: 250 }, (_, i) => row(i)));
  // 200 rows go out by size at once; 50 wait for the timer (no flush() call here).
  assert.equal(sender.stats().bufferedRows, 50);
  const deadline = Date.now() + 15_000;
  while (sender.stats().sentRows < 250 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const s = sender.stats();
  assert.equal(s.sentRows, 250);
  assert.equal(s.sentBatches, 3);
  const got = await storeRows(server, `SELECT d.name, count(*), sum(response_code) FROM flow_log.l7_flow_log l
    JOIN flow_tag.resource_dict d ON d.type = 'pod' AND d.id = l.pod_id_1 GROUP BY 1 ORDER BY 1`);
  assert.deepEqual(got.map((r) => [r[0], Number(r[1])]), [['pod-0', 84], ['pod-1', 83], ['pod-2', 83]]);
  sender.addResources([{ type: 'pod', name: 'pod-0', namespace: 'shop', labels: { app: 'cart' } }]);
  assert.equal(await sender.flush(), true);
  const tags = await storeRows(server, `SELECT key, value FROM flow_tag.custom_tag WHERE type = 'pod'`);
  assert.deepEqual(tags, [['k8s.label.app', 'cart']]);
  await sender.stop();
});

test('an absent server: the queue stays bounded, drops the oldest, and retries until it is back', async () => {
  const port = await freePort();
  // maxBatchRows = flushRows: batches stay small, so the byte bound on the queue is what acts.
  const sender = new Sender({ server: `http://127.0.0.1:${port}`, flushRows: 50, maxBatchRows: 50, maxQueueBytes: 20_000, initialBackoffMs: 20, maxBackoffMs: 100 });
  for (let k = 0; k < 40; k++) sender.add('flow_log.l7_flow_log', Array.from({ length: 50 }, (_, i) => row(k * 50 + i)));
  const s = sender.stats();
  assert.ok(s.queuedBytes <= 20_000 + 8000, `queue bounded: ${s.queuedBytes}`);
  assert.ok(s.droppedBatches > 0 && s.droppedRows === s.droppedBatches * 50, JSON.stringify(s));
  assert.equal(s.queuedBatches + s.droppedBatches, 40);
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(sender.stats().retries >= 2, 'retried with backoff');
  assert.match(sender.stats().lastError, /ECONNREFUSED/);
  const server = await startTestServer({ flags: { http_port: port } });
  servers.push(server);
  assert.equal(await sender.flush(5000), true);
  const [[n]] = await storeRows(server, 'SELECT count(*) FROM flow_log.l7_flow_log');
  assert.equal(Number(n), s.queuedBatches * 50);
  // The newest rows survived; the oldest were dropped.
  const [[maxDur]] = await storeRows(server, 'SELECT max(response_duration) FROM flow_log.l7_flow_log');
  assert.equal(Number(maxDur), 100 + 40 * 50 - 1);
  await sender.stop();
});

test('rows that arrive while a request is on the wire go out together in fewer, larger batches', async () => {
  const server = await startTestServer();
  servers.push(server);
  const sender = new Sender({ server: server.base, flushRows: 50, maxBatchRows: 1000, flushIntervalMs: 60_000 });
  sender.add('flow_log.l7_flow_log', Array.from({ length: 50 }, (_, i) => row(i)));
  assert.equal(sender.stats().queuedBatches, 1, 'the first 50 rows are on the wire');
  // 2,450 more rows before that request can finish: two batches of 1,000 (the cap), 450 buffered.
  for (let k = 1; k < 50; k++) sender.add('flow_log.l7_flow_log', Array.from({ length: 50 }, (_, i) => row(k * 50 + i)));
  assert.deepEqual([sender.stats().queuedBatches, sender.stats().bufferedRows], [3, 450]);
  assert.equal(await sender.flush(5000), true);
  const s = sender.stats();
  assert.deepEqual([s.sentBatches, s.sentRows, s.droppedRows], [4, 2500, 0]);
  const [[n, maxDur]] = await storeRows(server, 'SELECT count(*), max(response_duration) FROM flow_log.l7_flow_log');
  assert.deepEqual([Number(n), Number(maxDur)], [2500, 100 + 2499]);
  await sender.stop();
});

test('a batch the server rejects (4xx) is counted and not retried', async () => {
  const server = await startTestServer();
  servers.push(server);
  const sender = new Sender({ server: server.base, initialBackoffMs: 10 });
  // A type the server does not know, past the compile-time check on purpose, to provoke a 400.
  sender.addResources([{ type: 'planet' as ResourceType, name: 'mars' }]);
  sender.add('flow_log.l7_flow_log', [row(1)]);
  assert.equal(await sender.flush(3000), true);
  const s = sender.stats();
  assert.equal(s.rejectedBatches, 1);
  assert.equal(s.retries, 0);
  assert.equal(s.sentRows, 1);
  assert.match(s.lastError, /400.*BAD_RESOURCE/);
  await sender.stop();
});
