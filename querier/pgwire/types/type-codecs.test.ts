/**
 * Type codecs against PostgreSQL 15 itself: every text and hex value below is what a real
 * PostgreSQL 15.18 server sent for `SELECT <expr>` in text and in binary result format
 * (captured once from Debian's postgresql-15 over its Unix socket with `testing/raw-client.ts`:
 * Parse, Bind with result format 0 or 1, Execute, Sync). Encoding our JS value must give
 * exactly those bytes, and decoding them must give the JS value back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pgType, TypeOid } from './type-registry.ts';
import { parseInterval } from './interval-codec.ts';

type Case = [expr: string, oid: number, value: unknown, text: string, hex: string];

const ts = (iso: string, micros: number) => BigInt(Date.parse(iso)) * 1000n + BigInt(micros);

const cases: Case[] = [
  ["'12345.678'::numeric", TypeOid.numeric, '12345.678', '12345.678', '0003000100000003000109291a7c'],
  ["'-0.0001'::numeric", TypeOid.numeric, '-0.0001', '-0.0001', '0001ffff400000040001'],
  ["'0'::numeric", TypeOid.numeric, '0', '0', '0000000000000000'],
  ["'1e20'::numeric", TypeOid.numeric, '100000000000000000000', '100000000000000000000', '00010005000000000001'],
  ["'0.00'::numeric", TypeOid.numeric, '0.00', '0.00', '0000000000000002'],
  ["'NaN'::numeric", TypeOid.numeric, 'NaN', 'NaN', '00000000c0000000'],
  ['0.1::float8', TypeOid.float8, 0.1, '0.1', '3fb999999999999a'],
  ['1e-7::float8', TypeOid.float8, 1e-7, '1e-07', '3e7ad7f29abcaf48'],
  ['1e21::float8', TypeOid.float8, 1e21, '1e+21', '444b1ae4d6e2ef50'],
  ['123456789012345678::float8', TypeOid.float8, 123456789012345678, '1.2345678901234568e+17', '437b69b4ba630f35'],
  ["'-0'::float8", TypeOid.float8, -0, '-0', '8000000000000000'],
  ['1e15::float8', TypeOid.float8, 1e15, '1e+15', '430c6bf526340000'],
  ['123456789012345::float8', TypeOid.float8, 123456789012345, '123456789012345', '42dc12218377de40'],
  ["'Infinity'::float8", TypeOid.float8, Infinity, 'Infinity', '7ff0000000000000'],
  ['0.1::float4', TypeOid.float4, Math.fround(0.1), '0.1', '3dcccccd'],
  ['1e-7::float4', TypeOid.float4, Math.fround(1e-7), '1e-07', '33d6bf95'],
  ['3.4e38::float4', TypeOid.float4, Math.fround(3.4e38), '3.4e+38', '7f7fc99e'],
  ['1234567::float4', TypeOid.float4, 1234567, '1.234567e+06', '4996b438'],
  ['123456.7::float4', TypeOid.float4, Math.fround(123456.7), '123456.7', '47f1205a'],
  ["'2023-11-14 22:13:20.123456+00'::timestamptz", TypeOid.timestamptz, ts('2023-11-14T22:13:20.123Z', 456), '2023-11-14 22:13:20.123456+00', '0002ad22dce84240'],
  ["'1999-12-31 23:59:59.999999+00'::timestamptz", TypeOid.timestamptz, ts('1999-12-31T23:59:59.999Z', 999), '1999-12-31 23:59:59.999999+00', 'ffffffffffffffff'],
  ["'2023-11-14 22:13:20'::timestamp", TypeOid.timestamp, ts('2023-11-14T22:13:20Z', 0), '2023-11-14 22:13:20', '0002ad22dce66000'],
  ["'2024-02-29'::date", TypeOid.date, '2024-02-29', '2024-02-29', '00002279'],
  ["'1970-01-01'::date", TypeOid.date, '1970-01-01', '1970-01-01', 'ffffd533'],
  ["'1 year 2 mons 3 days 04:05:06.5'::interval", TypeOid.interval, { months: 14, days: 3, microseconds: 14_706_500_000n }, '1 year 2 mons 3 days 04:05:06.5', '000000036c9361a0000000030000000e'],
  ["'-1 days +02:00:00'::interval", TypeOid.interval, { months: 0, days: -1, microseconds: 7_200_000_000n }, '-1 days +02:00:00', '00000001ad274800ffffffff00000000'],
  ["'-3 mons -00:00:01'::interval", TypeOid.interval, { months: -3, days: 0, microseconds: -1_000_000n }, '-3 mons -00:00:01', 'fffffffffff0bdc000000000fffffffd'],
  ["'0'::interval", TypeOid.interval, { months: 0, days: 0, microseconds: 0n }, '00:00:00', '00000000000000000000000000000000'],
  ["'-1 year -2 mons'::interval", TypeOid.interval, { months: -14, days: 0, microseconds: 0n }, '-1 years -2 mons', '000000000000000000000000fffffff2'],
  ["'a0eebc99-...'::uuid", TypeOid.uuid, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'a0eebc999c0b4ef8bb6d6bb9bd380a11'],
  ["'\\x0001feff'::bytea", TypeOid.bytea, Buffer.from([0, 1, 0xfe, 0xff]), '\\x0001feff', '0001feff'],
  ['\'{a,"b c",NULL,"NULL",""}\'::text[]', TypeOid.textArray, ['a', 'b c', null, 'NULL', ''], '{a,"b c",NULL,"NULL",""}',
    '0000000100000001000000190000000500000001000000016100000003622063ffffffff000000044e554c4c00000000'],
  ["'{1,NULL,-3}'::int4[]", TypeOid.int4Array, [1, null, -3], '{1,NULL,-3}', '00000001000000010000001700000003000000010000000400000001ffffffff00000004fffffffd'],
  ["'{}'::int4[]", TypeOid.int4Array, [], '{}', '000000000000000000000017'],
  ['\'{"k": true}\'::jsonb', TypeOid.jsonb, '{"k": true}', '{"k": true}', '017b226b223a20747275657d'],
  ['true', TypeOid.bool, true, 't', '01'],
  ['(-32768)::int2', TypeOid.int2, -32768, '-32768', '8000'],
  ['9007199254740993::int8', TypeOid.int8, 9007199254740993n, '9007199254740993', '0020000000000001'],
  ['4294967295::oid', TypeOid.oid, 4294967295, '4294967295', 'ffffffff'],
];

describe('type codecs match PostgreSQL 15 output', () => {
  for (const [expr, oid, value, text, hex] of cases) {
    it(expr, () => {
      const { codec } = pgType(oid)!;
      assert.equal(codec.encodeText(value), text, 'text output');
      assert.equal(Buffer.from(codec.encodeBinary(value)).toString('hex'), hex, 'binary output');
      assert.deepEqual(codec.decodeText(text), value, 'text input');
      assert.deepEqual(codec.decodeBinary(Buffer.from(hex, 'hex')), value, 'binary input');
    });
  }
});

describe('type codec input edge cases', () => {
  it('accepts the timestamp spellings clients send and applies zone offsets', () => {
    const { codec } = pgType(TypeOid.timestamptz)!;
    const want = ts('2024-01-02T03:04:05.678Z', 901);
    for (const s of ['2024-01-02 03:04:05.678901+00', '2024-01-02T03:04:05.678901Z', '2024-01-02 05:04:05.678901+02', '2024-01-02 05:34:05.678901+02:30', '2024-01-01 22:04:05.678901-05']) {
      assert.equal(codec.decodeText(s), want, s);
    }
    assert.equal(codec.encodeText(new Date('2024-01-02T03:04:05.678Z')), '2024-01-02 03:04:05.678+00');
  });

  it('takes a date with a time or zone suffix, as JDBC sends it', () => {
    const { codec } = pgType(TypeOid.date)!;
    for (const s of ['2024-02-29 +00', '2024-02-29 00:00:00', '2024-02-29T00:00:00Z', '2024-02-29 -05:30']) assert.equal(codec.decodeText(s), '2024-02-29', s);
    assert.throws(() => codec.decodeText('2024-02-29 x'), { sqlstate: '22P02' });
  });

  it('rejects bad text with 22P02 and short binary with 22P03', () => {
    assert.throws(() => pgType(TypeOid.int4)!.codec.decodeText('12x'), { sqlstate: '22P02', message: 'invalid input syntax for type integer: "12x"' });
    assert.throws(() => pgType(TypeOid.int4)!.codec.decodeText('2147483648'), { sqlstate: '22P02' });
    assert.throws(() => pgType(TypeOid.int8)!.codec.decodeBinary(Buffer.alloc(4)), { sqlstate: '22P03' });
    assert.throws(() => pgType(TypeOid.uuid)!.codec.decodeText('not-a-uuid'), { sqlstate: '22P02' });
    assert.throws(() => pgType(TypeOid.textArray)!.codec.decodeText('{a,"b}'), { sqlstate: '22P02' });
  });

  it('parses postgres-style and ISO 8601 intervals', () => {
    assert.deepEqual(parseInterval('1 day 02:00:00'), { months: 0, days: 1, microseconds: 7_200_000_000n });
    assert.deepEqual(parseInterval('3 mons ago'), { months: -3, days: 0, microseconds: -0n });
    assert.deepEqual(parseInterval('P1Y2M3DT4H5M6.5S'), { months: 14, days: 3, microseconds: 14_706_500_000n });
    assert.deepEqual(parseInterval('90 minutes'), { months: 0, days: 0, microseconds: 5_400_000_000n });
  });

  it('round-trips nested text arrays and escapes quotes and backslashes', () => {
    const { codec } = pgType(TypeOid.textArray)!;
    const v = [['a"b', 'c\\d'], ['', null]];
    const text = codec.encodeText(v);
    assert.equal(text, '{{"a\\"b","c\\\\d"},{"",NULL}}');
    assert.deepEqual(codec.decodeText(text), v);
  });
});
