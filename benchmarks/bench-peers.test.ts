import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateL7Batch } from '../lib/testing/l7-data.ts';
import { plainColumns, timestampText } from './plain-rows.ts';
import { dashboardQueries, DIALECTS, firstDifference } from './dashboard-queries.ts';
import { benchRows, plainTable, resourceTagNames } from './encoding-forms.ts';
import { tempDir } from '../lib/testing/server.ts';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { DICTIONARY_TABLES, TABLES, findTable } from '../schema/index.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';

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

test('SmartEncoding forms: the plain rows differ from the stored ones only in the resource tags, which carry the names', async () => {
  const dir = tempDir('metaflow-encoding-forms-');
  const adapter = new DuckDBAdapter(dir.path);
  try {
    await adapter.open(TABLES, DICTIONARY_TABLES);
    const l7 = findTable('flow_log.l7_flow_log')!;
    const plain = plainTable(l7);
    const tags = resourceTagNames(l7, plain);
    assert.ok(tags.has('pod_1') && tags.has('host_0') && !tags.has('endpoint'));
    assert.deepEqual(plain.sortKey, ['l7_protocol', 'pod_1', 'endpoint']);
    const forms = benchRows(300, l7, plain, new ResourceEncoder(adapter.dictionaries), 'test')[Symbol.asyncIterator]();
    const { value: { stored, flat } } = await forms.next();
    assert.equal(flat.numRows, 300);
    let compared = 0;
    for (const f of flat.schema.fields) {
      if (tags.has(f.name)) {
        const idColumn = l7.columns.find((c) => c.name === f.name.replace(/_([01])$/, '_id_$1'))!;
        const type = idColumn.encoding?.kind === 'resource' ? idColumn.encoding.resource : '';
        const nameOf = new Map((await adapter.dictionaries.entries()).filter((e) => e.type === type).map((e) => [e.id, e.name]));
        const ids = stored.getChild(idColumn.name)!;
        for (let i = 0; i < 300; i += 37) {
          const id = ids.get(i) as number | null;
          assert.equal(flat.getChild(f.name)!.get(i), id === null ? null : nameOf.get(Number(id)), `${f.name} row ${i}`);
          compared++;
        }
      } else {
        assert.equal(flat.getChild(f.name)!.data[0], stored.getChild(f.name)!.data[0], f.name);
      }
    }
    assert.ok(compared > 0);
  } finally {
    await adapter.close();
    dir.remove();
  }
});
