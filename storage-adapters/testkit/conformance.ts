/**
 * The conformance suite every adapter runs against a real store. An adapter's test file calls
 * `adapterConformance` with a factory for fresh, empty stores; the suite owns the assertions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, Bool, type Data } from 'apache-arrow';
import { arrowType, DICTIONARY_TABLES, findTable, TABLES, type ColumnType, type TableDef } from '../../schema/index.ts';
import type { PlanFragment, StorageAdapter } from '../adapter.ts';
import { twoWriterAgreement } from './two-writers.ts';

export interface AdapterFixture {
  /** A fresh adapter over an empty store (not yet opened). */
  create(): Promise<StorageAdapter>;
  /** A second adapter over the same store as `adapter` (reopen after close). */
  reopen(adapter: StorageAdapter): Promise<StorageAdapter>;
  /** Args for `testkit/dictionary-worker.ts`, which opens this store in another process. */
  workerArgs(adapter: StorageAdapter): string[];
  /** Creates, in the store behind `adapter`, `table` with only some of its columns (an older layout). */
  createOlderLayout?(adapter: StorageAdapter, table: TableDef, keep: string[]): Promise<void>;
}

async function rowsOf(adapter: StorageAdapter, f: PlanFragment): Promise<unknown[][]> {
  const out: unknown[][] = [];
  for await (const b of adapter.execute(f)) out.push(...b.rows);
  return out;
}

/** Every storage type with extreme values, nulls and unicode, keyed by a probe table's columns. */
const EXTREMES: Partial<Record<ColumnType, unknown[]>> = {
  uint8: [0, 255, null], uint16: [0, 65535, null], uint32: [0, 4294967295, null],
  int32: [-2147483648, 2147483647, null], uint64: [0n, 18446744073709551615n, null],
  float64: [-1.5e308, 5e-324, null], string: ['', 'ünïcødé ✓ 日本語 🚀', null],
  timestamp: [1n, 1_700_000_000_123_456n, null],
};

function column(type: ColumnType, values: unknown[]): Data {
  if (type === 'string') return vectorFromArray(values as Array<string | null>, new Utf8()).data[0]!;
  if (type === 'bool') return vectorFromArray(values as Array<boolean | null>, new Bool()).data[0]!;
  const n = values.length;
  const Ctor = { uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array, uint64: BigUint64Array, float64: Float64Array, timestamp: BigInt64Array }[type as 'uint8']!;
  const data = new (Ctor as unknown as new (n: number) => ArrayLike<unknown> & { [i: number]: unknown })(n);
  const bits = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => { if (v === null) nulls++; else { data[i] = v; bits[i >> 3]! |= 1 << (i & 7); } });
  return makeData({ type: arrowType(type), length: n, nullCount: nulls, nullBitmap: bits, data } as never);
}

export function adapterConformance(name: string, fixture: AdapterFixture): void {
  const l7 = findTable('flow_log.l7_flow_log')!;

  test(`${name}: open is idempotent and data survives a reopen`, async () => {
    const a = await fixture.create();
    await a.open(TABLES, DICTIONARY_TABLES);
    await a.open(TABLES, DICTIONARY_TABLES);
    const time = column('timestamp', [1_700_000_000_000_001n]);
    const fields = [new Field('time', time.type, false)];
    await a.write(l7, [new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 1, children: [time] }))]);
    await a.close();
    const b = await fixture.reopen(a);
    await b.open(TABLES, DICTIONARY_TABLES);
    assert.equal((await b.stats())['flow_log.l7_flow_log']!.rows, 1);
    await b.close();
  });

  if (fixture.createOlderLayout) {
    test(`${name}: open upgrades a table created by an older version`, async () => {
      const a = await fixture.create();
      await fixture.createOlderLayout!(a, l7, ['time', 'endpoint']);
      await a.open(TABLES, DICTIONARY_TABLES);
      const rows = await rowsOf(a, { table: l7, columns: ['time', 'endpoint', 'response_duration', 'pod_id_1'], filters: [] });
      assert.deepEqual(rows, []);
      await a.close();
    });
  }

  test(`${name}: every column type round-trips with nulls, unicode, extremes and µs timestamps`, async () => {
    const a = await fixture.create();
    await a.open(TABLES, DICTIONARY_TABLES);
    const picks: Array<[string, ColumnType]> = [['time', 'timestamp'], ['protocol', 'uint8'], ['server_port', 'uint16'], ['pod_id_1', 'uint32'],
      ['response_code', 'int32'], ['response_duration', 'uint64'], ['endpoint', 'string'], ['start_time', 'timestamp']];
    const n = 3;
    const datas = picks.map(([col, type]) => column(type, col === 'time' ? [1n, 1_700_000_000_123_456n, 1_700_000_000_123_457n] : EXTREMES[type]!));
    const fields = picks.map(([col], i) => new Field(col, datas[i]!.type, col !== 'time'));
    await a.write(l7, [new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: datas }))]);
    const rows = await rowsOf(a, { table: l7, columns: picks.map(([c]) => c), filters: [] });
    const sorted = rows.sort((x, y) => Number((x[0] as bigint) - (y[0] as bigint)));
    for (let r = 0; r < n; r++) {
      picks.forEach(([col, type], c) => {
        const want = col === 'time' ? [1n, 1_700_000_000_123_456n, 1_700_000_000_123_457n][r] : EXTREMES[type]![r];
        const got = sorted[r]![c];
        if (typeof want === 'bigint' && typeof got === 'number') assert.equal(BigInt(got), want, `${col} row ${r}`);
        else assert.deepEqual(got, want, `${col} row ${r}`);
      });
    }
    // Filters and time ranges select exactly.
    const hit = await rowsOf(a, { table: l7, columns: ['endpoint'], filters: [{ column: 'server_port', op: '=', value: 65535 }], timeRange: { startUs: 1_700_000_000_123_456n, endUs: 1_700_000_000_123_457n } });
    assert.deepEqual(hit, [['ünïcødé ✓ 日本語 🚀']]);
    const nulls = await rowsOf(a, { table: l7, columns: ['time'], filters: [{ column: 'endpoint', op: 'is null' }] });
    assert.deepEqual(nulls, [[1_700_000_000_123_457n]]);
    // A sliced batch (Data with an offset: bitmaps count from it, byte buffers are already cut)
    // writes exactly its own rows.
    const later = [2_000_000_000_000_001n, 2_000_000_000_000_002n, 2_000_000_000_000_003n];
    const datas2 = picks.map(([col, type]) => column(type, col === 'time' ? later : EXTREMES[type]!));
    await a.write(l7, [new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: datas2 })).slice(1)]);
    const sliced = (await rowsOf(a, { table: l7, columns: picks.map(([c]) => c), filters: [], timeRange: { startUs: later[0]!, endUs: later[2]! + 1n } }))
      .sort((x, y) => Number((x[0] as bigint) - (y[0] as bigint)));
    assert.equal(sliced.length, 2, 'only the rows of the slice');
    for (let r = 0; r < 2; r++) {
      picks.forEach(([col, type], c) => {
        const want = col === 'time' ? later[r + 1] : EXTREMES[type]![r + 1];
        const got = sliced[r]![c];
        if (typeof want === 'bigint' && typeof got === 'number') assert.equal(BigInt(got), want, `sliced ${col} row ${r}`);
        else assert.deepEqual(got, want, `sliced ${col} row ${r}`);
      });
    }
    await a.close();
  });

  test(`${name}: dictionary claims insert only conflict-free entries`, async () => {
    const a = await fixture.create();
    await a.open(TABLES, DICTIONARY_TABLES);
    const d = a.dictionaries;
    await d.claim([{ type: 'pod', id: 1, key: 'a/x', name: 'x' }, { type: 'pod', id: 2, key: 'a/y', name: 'y' }]);
    // Same id, other key: refused. Same key, other id: refused. Other type: independent.
    await d.claim([{ type: 'pod', id: 1, key: 'a/z', name: 'z' }, { type: 'pod', id: 9, key: 'a/x', name: 'x' }, { type: 'host', id: 1, key: 'h', name: 'h' }]);
    assert.deepEqual((await d.entries('pod')).map((e) => [e.id, e.key]), [[1, 'a/x'], [2, 'a/y']]);
    assert.deepEqual((await d.findByKeys('pod', ['a/y', 'a/z'])).map((e) => e.id), [2]);
    assert.equal(await d.maxId('pod'), 2);
    assert.equal(await d.maxId('region'), 0);
    await d.putCustomTags([{ type: 'pod', id: 1, key: 'k8s.label.app', value: 'v1' }]);
    await d.putCustomTags([{ type: 'pod', id: 1, key: 'k8s.label.app', value: 'v2' }]);
    assert.deepEqual(await d.customTags('pod'), [{ type: 'pod', id: 1, key: 'k8s.label.app', value: 'v2' }]);
    await a.close();
  });

  test(`${name}: two writer processes agree on every dictionary ID`, async () => {
    const a = await fixture.create();
    await a.open(TABLES, DICTIONARY_TABLES);
    await a.close();
    await twoWriterAgreement(fixture.workerArgs(a));
  });
}
