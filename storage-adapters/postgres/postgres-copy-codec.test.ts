/**
 * The binary COPY codec against bytes fixed before it was rewritten for speed (that encoder's
 * output is what the round trips through real PostgreSQL 15 in postgres.test.ts checked):
 * every column type with NULLs, extremes, unicode, µs timestamps around both epochs, uint64 as
 * numeric(20,0), and dictionary-encoded strings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Dictionary, Field, Int32, makeData, RecordBatch, Schema, Struct, Utf8, vectorFromArray, type Data } from 'apache-arrow';
import { arrowType, type ColumnType, type TableDef } from '../../schema/index.ts';
import { columnCodecs, copyChunks, putNumeric } from './postgres-copy-codec.ts';

const VALUES: Record<ColumnType, unknown[]> = {
  timestamp: [1n, 1_700_000_000_123_456n, null, -1n, 946_684_800_000_000n, -62_135_596_800_000_000n, 253_402_300_799_999_999n],
  int8: [-128, 127, null, 0, -1, 1, 5], int16: [-32768, 32767, null, 0, -1, 256, 7], int32: [-2147483648, 2147483647, null, 0, -1, 65536, 9],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, null, 0n, -1n, 4294967296n, -4294967297n],
  uint8: [0, 255, null, 1, 128, 2, 3], uint16: [0, 65535, null, 1, 32768, 2, 3], uint32: [0, 4294967295, null, 1, 2147483648, 2, 3],
  uint64: [0n, 18446744073709551615n, null, 9999n, 10000n, 100000000n, 9007199254740993n],
  float64: [-1.5e308, 5e-324, null, 0, -0, Infinity, 0.1], bool: [true, false, null, true, true, false, true],
  string: ['', 'ünïcødé ✓ 日本語 🚀', null, 'a', 'x'.repeat(300), 'tab\there', 'end'],
};
function column(type: ColumnType, values: unknown[]): Data {
  if (type === 'string') return vectorFromArray(values as Array<string | null>, new Utf8()).data[0]!;
  if (type === 'bool') return vectorFromArray(values as Array<boolean | null>, arrowType('bool')).data[0]!;
  const n = values.length;
  const Ctor = { int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float64: Float64Array, timestamp: BigInt64Array }[type as 'uint8']!;
  const data = new (Ctor as unknown as new (n: number) => { [i: number]: unknown })(n);
  const bits = new Uint8Array((n + 7) >> 3);
  let nulls = 0;
  values.forEach((v, i) => { if (v === null) nulls++; else { data[i] = v; bits[i >> 3]! |= 1 << (i & 7); } });
  return makeData({ type: arrowType(type), length: n, nullCount: nulls, nullBitmap: bits, data } as never);
}
const TYPES = Object.keys(VALUES) as ColumnType[];
const table: TableDef = { database: 'probe', name: 'codec', fullName: 'probe.codec', description: '', sided: false, sortKey: [],
  columns: [...TYPES.map((t) => ({ name: `c_${t}`, type: t, role: 'metric' as const, description: '' })), { name: 'c_dict', type: 'string' as ColumnType, role: 'metric' as const, description: '' }] };
function fixture(): RecordBatch {
  const children = TYPES.map((t) => column(t, VALUES[t]));
  const dtype = new Dictionary(new Utf8(), new Int32());
  children.push(makeData({ type: dtype, length: 7, nullCount: 1, nullBitmap: Uint8Array.of(0b1111011), data: Int32Array.of(0, 1, 0, 2, 2, 1, 0), dictionary: vectorFromArray(['pod-a', 'ünï', 'pod-c'], new Utf8()) } as never));
  const fields = table.columns.map((c, i) => new Field(c.name, children[i]!.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: 7, children }));
}

/** PGCOPY bytes of fixture() as the earlier encoder wrote them. */
const EXPECTED = [
  '5047434f50590aff0d0a000000000000000000000d00000008fffca2fec4c8200100000002ff80000000028000000000',
  '048000000000000008800000000000000000000002000000000004000000000000000800000000000000000000000800',
  '0000000000000000000008ffeab36d48e1acf000000001010000000000000005706f642d61000d000000080002ad22dc',
  'e8424000000002007f000000027fff000000047fffffff000000087fffffffffffffff0000000200ff000000040000ff',
  'ff0000000800000000ffffffff00000012000500040000000007341a5802e103bb064f00000008000000000000000100',
  '000001000000001ec3bc6ec3af63c3b864c3a920e29c9320e697a5e69cace8aa9e20f09f9a8000000005c3bc6ec3af00',
  '0dffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'ffffffffff000d00000008fffca2fec4c81fff0000000200000000000200000000000400000000000000080000000000',
  '00000000000002000100000004000000010000000800000000000000010000000a0001000000000000270f0000000800',
  '000000000000000000000101000000016100000005706f642d63000d00000008000000000000000000000002ffff0000',
  '0002ffff00000004ffffffff00000008ffffffffffffffff000000020080000000040000800000000008000000008000',
  '00000000000c00020001000000000001000000000008800000000000000000000001010000012c787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878',
  '78787800000005706f642d63000d00000008ff1fe2ffc59c600000000002000100000002010000000004000100000000',
  '0008000000010000000000000002000200000004000000020000000800000000000000020000000e0003000200000000',
  '000100000000000000087ff0000000000000000000010000000008746162096865726500000005c3bc6ec3af000d0000',
  '00080380e70b913b7fff000000020005000000020007000000040000000900000008fffffffeffffffff000000020003',
  '0000000400000003000000080000000000000003000000100004000300000000232f07c8156203e1000000083fb99999',
  '9999999a000000010100000003656e6400000005706f642d61ffff',
].join('');

const encode = (b: RecordBatch, rowsPerChunk?: number) => Buffer.concat([...copyChunks(b.numRows, columnCodecs(table, b).codecs, rowsPerChunk)]).toString('hex');

/** fixture() without its dictionary-encoded column. */
function plainFixture(): RecordBatch {
  const b = fixture();
  return b.select(table.columns.filter((c) => c.name !== 'c_dict').map((c) => c.name));
}

test('binary COPY bytes are unchanged for every column type, NULLs and extremes', () => {
  assert.equal(encode(fixture()), EXPECTED);
});

test('chunking does not change the bytes', () => {
  for (const rows of [1, 2, 3, 6, 7]) assert.equal(encode(fixture(), rows), EXPECTED, `${rows} rows per chunk`);
});

// Dictionary columns are left out: lib/arrow-read's stringCodes still indexes sliced indices from data.offset.
test('a sliced batch encodes as its rows would on their own', () => {
  const whole = plainFixture();
  const rowsOf = (lo: number, hi: number) => {
    const head = EXPECTED.slice(0, 38); // signature, flags, extension length
    const tail = 'ffff';
    // Rebuild the expected stream of rows lo..hi from per-row encodings of the whole batch.
    const rows = [...copyChunks(whole.numRows, columnCodecs(table, whole).codecs, 1)].map((c) => c.toString('hex'));
    rows[0] = rows[0]!.slice(head.length);
    rows[rows.length - 1] = rows[rows.length - 1]!.slice(0, -tail.length);
    return head + rows.slice(lo, hi).join('') + tail;
  };
  assert.equal(encode(whole.slice(2, 6)), rowsOf(2, 6));
  assert.equal(encode(whole.slice(1, 2)), rowsOf(1, 2));
});

test('binary numeric: base-10000 digits, weight and zero, also above 2^53', () => {
  const enc = (v: bigint) => {
    const view = new DataView(new ArrayBuffer(32));
    const end = putNumeric(view, 0, Number(v >> 32n), Number(v & 0xffffffffn));
    return [...new Uint8Array(view.buffer, 0, end)];
  };
  assert.deepEqual(enc(0n), [0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0]);
  // 123456789 = 1|2345|6789: three digits, weight 2.
  assert.deepEqual(enc(123456789n), [0, 0, 0, 14, 0, 3, 0, 2, 0, 0, 0, 0, 0, 1, 0x09, 0x29, 0x1a, 0x85]);
  // 2^64-1 = 1844|6744|0737|0955|1615; trailing zero digits stay, as before: 10^16 = 1|0000|0000|0000|0000.
  const digits = (v: bigint) => { const b = enc(v); return Array.from({ length: b[5]! }, (_, k) => b[12 + 2 * k]! * 256 + b[13 + 2 * k]!); };
  assert.deepEqual(digits(2n ** 64n - 1n), [1844, 6744, 737, 955, 1615]);
  assert.deepEqual(digits(10n ** 16n), [1, 0, 0, 0, 0]);
  assert.deepEqual(digits(2n ** 53n + 1n), [9007, 1992, 5474, 993]);
});
