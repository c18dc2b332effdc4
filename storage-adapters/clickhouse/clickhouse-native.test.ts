/**
 * The Native codec without a server: bytes built by hand from the format's definition (the
 * oracle), the writer against them, and writer → reader round trips split at every chunk
 * boundary. The real server checks the same bytes in clickhouse.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, Int32, makeData, RecordBatch, Schema, Struct, TimestampMillisecond, Uint16, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { arrowType, findTable, type ColumnType } from '../../schema/index.ts';
import { nativeBlock, varintSize, writeVarint } from './clickhouse-writer.ts';
import { NativeDecoder } from './clickhouse-reader.ts';

const l7 = findTable('flow_log.l7_flow_log')!;

function batch(columns: Array<[string, Data]>): RecordBatch {
  const fields = columns.map(([name, d]) => new Field(name, d.type, name !== 'time'));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: columns[0]![1].length, children: columns.map(([, d]) => d) }));
}

function fixed(type: ColumnType, values: Array<number | bigint | null>): Data {
  const Ctor = { uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array, uint64: BigUint64Array, timestamp: BigInt64Array, float64: Float64Array }[type as 'uint16']!;
  const data = new (Ctor as unknown as new (n: number) => { [i: number]: unknown })(values.length);
  const bits = new Uint8Array((values.length + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => { if (v === null) nulls++; else { data[i] = v; bits[i >> 3]! |= 1 << (i & 7); } });
  return makeData({ type: arrowType(type), length: values.length, nullCount: nulls, nullBitmap: bits, data } as never);
}

const str = (s: string) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([b.length]), b]); };

test('varints are LEB128 (7 bits per byte, low first)', () => {
  const buf = Buffer.alloc(10);
  for (const [v, bytes] of [[0, [0]], [127, [0x7f]], [128, [0x80, 0x01]], [300, [0xac, 0x02]], [2 ** 35, [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]]] as Array<[number, number[]]>) {
    const end = writeVarint(buf, 0, v);
    assert.deepEqual([...buf.subarray(0, end)], bytes, String(v));
    assert.equal(varintSize(v), bytes.length);
  }
});

test('writer: one block with the exact Native bytes for time, a nullable integer and a nullable string', () => {
  const b = batch([['time', fixed('timestamp', [1n, 2n])], ['server_port', fixed('uint16', [80, null])], ['endpoint', vectorFromArray([null, 'é'], new Utf8()).data[0]!]]);
  const block = nativeBlock(l7, [b]);
  assert.deepEqual(block.columns, ['time', 'server_port', 'endpoint']);
  const want = Buffer.concat([
    Buffer.from([3, 2]),
    str('time'), str('Int64'), Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]),
    str('server_port'), str('Nullable(UInt16)'), Buffer.from([0, 1]), Buffer.from([80, 0, 0, 0]),
    str('endpoint'), str('Nullable(String)'), Buffer.from([1, 0]), Buffer.from([0]), str('é'),
  ]);
  // The value under a null is whatever Arrow held; compare the rest exactly.
  const got = Buffer.from(block.bytes);
  const nullPortAt = want.indexOf(Buffer.from([80, 0, 0, 0])) + 2;
  got[nullPortAt] = 0; got[nullPortAt + 1] = 0;
  assert.deepEqual(got, want);
});

test('writer: several batches become one block; a column missing from one batch is null there', () => {
  const b1 = batch([['time', fixed('timestamp', [1n])], ['pod_id_1', fixed('uint32', [7])]]);
  const b2 = batch([['time', fixed('timestamp', [2n])], ['endpoint', vectorFromArray(['/x'], new Utf8()).data[0]!]]);
  const block = nativeBlock(l7, [b1, b2]);
  assert.equal(block.rows, 2);
  const dec = new NativeDecoder(block.columns.map((name) => ({ name, type: l7.columns.find((c) => c.name === name)!.type, nullable: name !== 'time' })));
  assert.deepEqual(dec.push(block.bytes), [[[1n, 7, null], [2n, null, '/x']]]);
});

test('writer: converts other Arrow integer and timestamp types, refusing values that do not fit', () => {
  const ms = makeData({ type: new TimestampMillisecond(), length: 1, data: BigInt64Array.from([1_700_000_000_123n]) });
  const port = makeData({ type: new Int32(), length: 1, data: Int32Array.from([443]) });
  const block = nativeBlock(l7, [batch([['time', ms], ['server_port', port]])]);
  const dec = new NativeDecoder([{ name: 'time', type: 'timestamp', nullable: false }, { name: 'server_port', type: 'uint16', nullable: true }]);
  assert.deepEqual(dec.push(block.bytes), [[[1_700_000_000_123_000n, 443]]]);
  const big = makeData({ type: new Int32(), length: 1, data: Int32Array.from([70000]) });
  assert.throws(() => nativeBlock(l7, [batch([['time', fixed('timestamp', [1n])], ['server_port', big]])]), { name: 'StoreError', sqlstate: '22003' });
});

test('writer: refuses a null time and a column the table does not have, before sending anything', () => {
  assert.throws(() => nativeBlock(l7, [batch([['time', fixed('timestamp', [1n, null])]])]), { sqlstate: '23502' });
  assert.throws(() => nativeBlock(l7, [batch([['time', fixed('timestamp', [1n])], ['nosuch', fixed('uint16', [1])]])]), /has no column nosuch/);
});

test('reader: round trip of extremes split at every byte boundary decodes the same rows', () => {
  const b = batch([
    ['time', fixed('timestamp', [-(2n ** 63n), 0n, 2n ** 63n - 1n])],
    ['response_duration', fixed('uint64', [0n, 2n ** 64n - 1n, null])],
    ['response_code', fixed('int32', [-(2 ** 31), null, 2 ** 31 - 1])],
    ['endpoint', vectorFromArray(['', null, 'ünïcødé ✓ 🚀'.repeat(20)], new Utf8()).data[0]!],
  ]);
  const block = nativeBlock(l7, [b]);
  const expected = block.columns.map((name) => ({ name, type: l7.columns.find((c) => c.name === name)!.type, nullable: name !== 'time' }));
  // Columns come in table order, whatever order the batch had.
  assert.deepEqual(block.columns, ['time', 'endpoint', 'response_code', 'response_duration']);
  const want = [[-(2n ** 63n), '', -(2 ** 31), 0n], [0n, null, null, 2n ** 64n - 1n], [2n ** 63n - 1n, 'ünïcødé ✓ 🚀'.repeat(20), 2 ** 31 - 1, null]];
  const body = Buffer.concat([block.bytes, block.bytes]);
  for (let cut = 1; cut < body.length; cut += 7) {
    const dec = new NativeDecoder(expected);
    const rows = [...dec.push(body.subarray(0, cut)), ...dec.push(body.subarray(cut))].flat();
    const end = dec.finish();
    rows.push(...end.blocks.flat());
    assert.equal(end.rest, undefined);
    assert.deepEqual(rows, [...want, ...want], `cut at ${cut}`);
  }
});

test('reader: an exception written after some blocks is kept as text, the blocks before it decoded', () => {
  const b = batch([['time', fixed('timestamp', [5n])]]);
  const block = nativeBlock(l7, [b]);
  const error = 'Code: 395, e.displayText() = DB::Exception: Value passed to \'throwIf\' function is non zero, e.what() = DB::Exception\n';
  const dec = new NativeDecoder([{ name: 'time', type: 'timestamp', nullable: false }]);
  const rows = dec.push(Buffer.concat([block.bytes, Buffer.from(error)]));
  assert.deepEqual(rows, [[[5n]]]);
  const end = dec.finish();
  assert.equal(end.rest?.toString(), error);
});

test('reader: a block with other columns than asked is not taken for data', () => {
  const block = nativeBlock(l7, [batch([['time', fixed('timestamp', [5n])], ['server_port', fixed('uint16', [1])]])]);
  const dec = new NativeDecoder([{ name: 'time', type: 'timestamp', nullable: false }, { name: 'client_port', type: 'uint16', nullable: true }]);
  assert.deepEqual(dec.push(block.bytes), []);
  assert.ok(dec.finish().rest);
});
