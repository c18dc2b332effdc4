import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateL7Batch } from '../lib/testing/l7-data.ts';
import { plainColumns, timestampText } from './plain-rows.ts';
import { dashboardQueries, DIALECTS, firstDifference } from './dashboard-queries.ts';

test('timestampText keeps every microsecond, before and after the epoch', () => {
  assert.equal(timestampText(1_700_000_000_123_456n), '2023-11-14 22:13:20.123456+00');
  assert.equal(timestampText(1_700_000_000_000_001n), '2023-11-14 22:13:20.000001+00');
  assert.equal(timestampText(-1n), '1969-12-31 23:59:59.999999+00');
});

test('plainColumns: names as strings, times as exact µs, dictionary columns marked as tags', () => {
  const batch = generateL7Batch({ rows: 3, seed: 7, startUs: 1_700_000_000_000_000n, dictionaries: true });
  const cols = new Map(plainColumns(batch).map((c) => [c.name, c]));
  assert.equal(cols.get('time')!.kind, 'time');
  assert.equal(cols.get('time')!.values(2), 1_700_000_000_002_000n);
  assert.equal(cols.get('pod_1')!.kind, 'string');
  assert.equal(typeof cols.get('pod_1')!.values(0), 'string');
  assert.equal(cols.get('pod_1')!.tagLike, true);
  assert.equal(cols.get('endpoint')!.tagLike, false);
  assert.equal(cols.get('request_id')!.kind, 'uint64');
  assert.equal(cols.get('response_duration')!.kind, 'bigint');
  assert.equal(cols.get('response_code')!.kind, 'int');
});

test('firstDifference: same answers in different spellings are equal, a changed value or row count is not', () => {
  const ours = [['2023-11-14 22:13:00+00', 'svc-0', '12', '0.30000000000000004']];
  assert.equal(firstDifference(ours, [[1_699_999_980_000_000n, 'svc-0', 12, 0.3]]), undefined);
  assert.equal(firstDifference([['2023-11-14T22:13:20.000001Z']], [[1_700_000_000_000_001]]), undefined);
  assert.match(firstDifference(ours, [[1_699_999_980_000_000n, 'svc-0', 13, 0.3]])!, /^row 0 of 1 \/ 1/);
  assert.match(firstDifference(ours, [])!, /^row 0 of 1 \/ 0/);
  assert.match(firstDifference([['2023-11-14 22:13:00.000001+00']], [[1_699_999_980_000_000]])!, /row 0/);
});

test('dashboard queries: a native query for every store, names quoted as literals', () => {
  const qs = dashboardQueries("svc-'0", 'pod-1');
  assert.equal(qs.length, 5);
  for (const d of Object.values(DIALECTS)) for (const q of qs) assert.ok(q.native(d).includes(d.l7), q.name);
  assert.ok(qs[1]!.metaflow.includes("'svc-''0'"));
  assert.ok(qs[1]!.native(DIALECTS.postgres).includes("name = 'svc-''0'"));
});
