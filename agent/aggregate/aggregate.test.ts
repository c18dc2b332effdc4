// RED and flow aggregation over the recorded captures (known outcomes in
// ../protocols/fixtures/README.md), plus the window rules of the rollup itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readPcapEvents } from '../capture/pcap.ts';
import type { PayloadEvent } from '../capture/source.ts';
import { L7Pipeline } from '../l7-pipeline.ts';
import type { IngestRow } from '../ship/arrow-batch.ts';
import { ApplicationAggregator } from './application.ts';
import { FlowAggregator } from './flows.ts';
import { Rollup } from './rollup.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'protocols', 'fixtures');

function totals(rows: IngestRow[], by: string): Map<string, Record<string, number>> {
  const m = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const k = String(r[by]);
    const t = m.get(k) ?? {};
    for (const c of ['request', 'response', 'client_error', 'server_error', 'timeout', 'rrt_count']) t[c] = (t[c] ?? 0) + Number(r[c]);
    t.rrt_max = Math.max(t.rrt_max ?? 0, Number(r.rrt_max));
    m.set(k, t);
  }
  return m;
}

test('rollup: counters add, max takes the max, windows close after the grace, late rows are kept', () => {
  const r = new Rollup('flow_metrics.application.1s', 1, [{ name: 'request', kind: 'sum' }, { name: 'rrt_max', kind: 'max' }], 2);
  const tags = () => ({ endpoint: '/a' });
  r.add(100.2, 'a', tags, { request: 1, rrt_max: 5 });
  r.add(100.9, 'a', tags, { request: 1, rrt_max: 9 });
  r.add(101.0, 'a', tags, { request: 1, rrt_max: 1 });
  assert.deepEqual(r.close(102.9), [], 'window [100,101) waits for its 2 s grace');
  assert.deepEqual(r.close(103), [{ endpoint: '/a', time: 100_000_000, request: 2, rrt_max: 9 }]);
  r.add(100.5, 'a', tags, { request: 1, rrt_max: 3 });
  assert.equal(r.lateRows, 1);
  assert.deepEqual(r.closeAll().map((x) => [x.time, x.request]), [[101_000_000, 1], [100_000_000, 1]]);
  assert.equal(r.openWindows, 0);
});

test('application RED from the HTTP/1 capture: 12 requests, 11 responses, one 404, one 500, one timeout', async () => {
  const pipeline = new L7Pipeline({ signalSource: 'Packet', timeoutMs: 5000 });
  const rows = [...pipeline.process(await readPcapEvents(join(fixtures, 'http1.pcap'))), ...pipeline.flush()];
  const agg = new ApplicationAggregator();
  agg.add(rows.map((row) => ({ row, client: { host: 'laptop' }, server: { host: 'web', pod: 'web-0', pod_ns: 'shop' } })));
  const out = new Map(agg.closeAll().map((m) => [m.table, m.rows]));
  const all1s = totals(out.get('flow_metrics.application.1s')!, 'l7_protocol').get('HTTP')!;
  assert.deepEqual({ ...all1s, rrt_max: undefined }, { request: 12, response: 11, client_error: 1, server_error: 1, timeout: 1, rrt_count: 11, rrt_max: undefined });
  const maxDuration = Math.max(...rows.map((r) => r.response_status === 'timeout' ? 0 : r.response_duration));
  assert.equal(all1s.rrt_max, maxDuration);
  for (const t of ['application.1m', 'application_map.1s', 'application_map.1m']) {
    assert.deepEqual(totals(out.get(`flow_metrics.${t}`)!, 'l7_protocol').get('HTTP'), all1s, t);
  }
  const byEndpoint = totals(out.get('flow_metrics.application.1m')!, 'endpoint');
  assert.equal(byEndpoint.get('/hello')!.request, 3);
  assert.equal(byEndpoint.get('/echo')!.request, 2);
  assert.equal(byEndpoint.get('/missing')!.client_error, 1);
  assert.equal(byEndpoint.get('/error')!.server_error, 1);
  assert.equal(byEndpoint.get('/slow')!.timeout, 1);
  const one = out.get('flow_metrics.application_map.1m')![0]!;
  assert.equal(one.host_0, 'laptop');
  assert.equal(one.pod_1, 'web-0');
  assert.equal(out.get('flow_metrics.application.1m')![0]!.pod, 'web-0', 'single-sided rows carry the server side');
});

test('flows from the HTTP/1 capture: one l4 row per connection, bytes match the payloads', async () => {
  const events = await readPcapEvents(join(fixtures, 'http1.pcap'));
  const seen: Array<[string, number]> = [];
  const flows = new FlowAggregator({ signalSource: 'Packet', tagger: (ip, pid) => { seen.push([ip, pid]); return { host: ip === '127.0.0.1' ? 'lo' : 'other' }; } });
  flows.add(events);
  const last = events[events.length - 1]!.timestampNs;
  const out = new Map(flows.closeAll(last).map((m) => [m.table, m.rows]));
  const opens = events.filter((e) => e.kind === 'open').length;
  const l4 = out.get('flow_log.l4_flow_log')!;
  assert.ok(opens >= 5);
  assert.equal(l4.length, opens);
  const payloads = events.filter((e): e is PayloadEvent => e.kind === 'payload');
  const sum = (dir: string) => payloads.filter((e) => e.direction === dir).reduce((n, e) => n + e.byteCount, 0);
  assert.equal(l4.reduce((n, r) => n + Number(r.byte_tx), 0), sum('egress'));
  assert.equal(l4.reduce((n, r) => n + Number(r.byte_rx), 0), sum('ingress'));
  assert.ok(l4.every((r) => r.protocol === 'TCP' && r.host_1 === 'lo' && Number(r.duration) >= 0 && Number(r.client_port) > Number(r.server_port)));
  const net1s = out.get('flow_metrics.network.1s')!;
  const sumCol = (rows: IngestRow[], c: string) => rows.reduce((n, r) => n + Number(r[c]), 0);
  assert.equal(sumCol(net1s, 'new_flow'), opens);
  assert.equal(sumCol(net1s, 'closed_flow'), events.filter((e) => e.kind === 'close').length);
  assert.equal(sumCol(net1s, 'byte_tx'), sum('ingress'), 'single-sided: tx is what the server sent');
  assert.equal(sumCol(out.get('flow_metrics.network_map.1m')!, 'byte_tx'), sum('egress'));
  assert.equal(sumCol(out.get('flow_metrics.network_map.1m')!, 'packet_tx'), payloads.filter((e) => e.direction === 'egress').length);
});
