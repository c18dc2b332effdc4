import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { TABLES, findTable, queryFields, customTag, suggestFields, suggestTables, ingestFields, enumCode, enumLabel, RESOURCES, scopedKey } from './index.ts';
import { renderSchemaDoc } from './docs.ts';

test('docs/schema.md is current (regenerate with npm run schema:docs)', () => {
  const committed = readFileSync(new URL('../docs/schema.md', import.meta.url), 'utf8');
  assert.equal(committed, renderSchemaDoc());
});

test('every table the design names exists', () => {
  for (const n of ['flow_log.l7_flow_log', 'flow_log.l4_flow_log', 'flow_metrics.application.1s', 'flow_metrics.application.1m',
    'flow_metrics.application_map.1s', 'flow_metrics.application_map.1m', 'flow_metrics.network.1s', 'flow_metrics.network.1m',
    'flow_metrics.network_map.1s', 'flow_metrics.network_map.1m', 'prometheus.samples']) {
    assert.ok(findTable(n), n);
  }
  assert.equal(findTable('l7_flow_log', ['flow_log'])?.fullName, 'flow_log.l7_flow_log');
  assert.equal(findTable('l7_flow_log'), undefined);
});

test('column names are unique per table and every tag/metric is fully described', () => {
  for (const t of TABLES) {
    const names = t.columns.map((c) => c.name);
    assert.equal(new Set(names).size, names.length, t.fullName);
    for (const c of t.columns) {
      if (c.role === 'tag') assert.ok(c.encoding, `${t.fullName}.${c.name} encoding`);
      if (c.role === 'metric') assert.ok(c.aggregation, `${t.fullName}.${c.name} aggregation`);
      if (c.side !== undefined) assert.ok(t.sided, `${t.fullName}.${c.name} side on a one-sided table`);
    }
    for (const k of t.sortKey) assert.ok(names.includes(k), `${t.fullName} sort key ${k}`);
  }
});

test('resource tags: both sides on two-sided tables, query names and IDs', () => {
  const l7 = findTable('flow_log.l7_flow_log')!;
  const f = queryFields(l7);
  for (const r of ['host', 'gprocess', 'pod_cluster', 'pod_node', 'pod_ns', 'pod_group', 'pod', 'pod_service', 'region', 'az']) {
    for (const s of [0, 1]) {
      assert.equal(f.get(`${r}_${s}`)?.view, 'name', `${r}_${s}`);
      assert.equal(f.get(`${r}_id_${s}`)?.view, 'id');
      assert.equal(f.get(`${r}_${s}`)?.column.type, 'uint32');
    }
  }
  const app = queryFields(findTable('flow_metrics.application.1m')!);
  assert.equal(app.get('pod_service')?.view, 'name');
  assert.equal(app.get('pod_service_1'), undefined);
  assert.equal(f.get('l7_protocol')?.view, 'enum-name');
  assert.equal(f.get('response_duration')?.column.aggregation, 'delay');
  assert.equal(app.get('rrt_max')?.column.aggregation, 'max');
  assert.equal(app.get('request')?.column.aggregation, 'counter');
});

test('custom tags resolve through the side-matching resource columns', () => {
  const l7 = findTable('flow_log.l7_flow_log')!;
  const ref = customTag(l7, 'k8s.label.app_1')!;
  assert.equal(ref.key, 'k8s.label.app');
  assert.equal(ref.side, 1);
  assert.equal(ref.via[0]!.name, 'pod_id_1');
  assert.equal(customTag(l7, 'k8s.label.app'), undefined, 'two-sided tables need a side');
  assert.equal(customTag(l7, 'pod_1'), undefined);
  const app = findTable('flow_metrics.application.1m')!;
  assert.equal(customTag(app, 'k8s.label.app')!.via[0]!.name, 'pod_id');
});

test('suggestions name the nearest valid names', () => {
  assert.ok(suggestFields(findTable('flow_log.l7_flow_log')!, 'respnse_duration').includes('response_duration'));
  assert.ok(suggestTables('l7_flow_logs').includes('l7_flow_log'));
});

test('ingest fields take names for resources and enums', () => {
  const f = ingestFields(findTable('flow_log.l7_flow_log')!);
  assert.equal(f.get('pod_1')?.convert, 'resource');
  assert.equal(f.get('pod_id_1'), undefined, 'IDs never travel on the wire');
  assert.equal(f.get('l7_protocol')?.convert, 'enum');
  assert.equal(f.get('response_duration')?.convert, 'value');
});

test('enums round-trip and scoped keys separate same-named resources', () => {
  assert.equal(enumCode('l7_protocol', 'HTTP'), 20);
  assert.equal(enumCode('l7_protocol', 'http'), 20);
  assert.equal(enumLabel('l7_protocol', 41), 'gRPC');
  assert.equal(enumCode('l7_protocol', 'nope'), undefined);
  assert.deepEqual(RESOURCES.pod.scope, ['pod_cluster', 'pod_ns']);
  assert.notEqual(scopedKey(['c', 'a'], 'web-0'), scopedKey(['c', 'b'], 'web-0'));
});
