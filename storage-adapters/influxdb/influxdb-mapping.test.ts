import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTable } from '../../schema/index.ts';
import { compileFragment } from './influxdb-compiler.ts';
import { resolveClaims } from './influxdb-dictionary.ts';
import { escapeKey, fieldValue, fromInflux, nsToUs, parseJson } from './influxdb-types.ts';
import { slotKey, SlotBook, SlotDraft } from './influxdb-writer.ts';

const l7 = findTable('flow_log.l7_flow_log')!;

test('tag predicates and the time range go to InfluxQL; field predicates and a limit behind them stay in JS', () => {
  const q = compileFragment({ table: l7, columns: ['endpoint'], timeRange: { startUs: 5n, endUs: 7n }, limit: 10, filters: [
    { column: 'pod_id_1', op: '!=', value: 3 }, { column: 'l7_protocol', op: 'in', values: [1, 2] },
    { column: 'endpoint', op: '=', value: "it's" }, { column: 'pod_id_0', op: '>', value: 1 },
  ] });
  assert.equal(q.influxql, `SELECT "_row", "endpoint"::field, "pod_id_0"::tag FROM "flow_log.l7_flow_log" WHERE time >= 5000 AND time < 7000 ` +
    `AND ("pod_id_1" != '3' AND "pod_id_1" != '') AND ("l7_protocol" = '1' OR "l7_protocol" = '2')`);
  assert.deepEqual(q.residual.map((p) => p.column), ['endpoint', 'pod_id_0']);
  const pushed = compileFragment({ table: l7, columns: ['time'], filters: [{ column: 'pod_id_1', op: 'is null' }], limit: 4 });
  assert.equal(pushed.influxql, `SELECT "_row" FROM "flow_log.l7_flow_log" WHERE "pod_id_1" = '' LIMIT 4`);
});

test('claims resolve earliest first, deterministically, whatever order they are read in', () => {
  const c = (time: bigint, claimant: string, id: number, key: string) => ({ type: 'pod', id, key, name: key, claimant, time });
  const claims = [c(3n, 'a', 1, 'x'), c(1n, 'b', 1, 'y'), c(2n, 'a', 2, 'y'), c(2n, 'a', 3, 'z'), c(2n, 'b', 3, 'w'), c(4n, 'b', 4, 'w')];
  const want = [[1, 'y'], [3, 'z'], [4, 'w']];
  assert.deepEqual(resolveClaims(claims).map((e) => [e.id, e.key]), want);
  assert.deepEqual(resolveClaims([...claims].reverse()).map((e) => [e.id, e.key]), want);
});

test('64-bit integers survive JSON; uint64 round-trips through int64 fields', () => {
  const v = parseJson('{"values":[[1700000000123456789,9223372036854775807,-1,5e-324,"12345678901234567890",1.2345678901234567]]}').values[0];
  assert.deepEqual(v, ['1700000000123456789', '9223372036854775807', -1, 5e-324, '12345678901234567890', 1.2345678901234567]);
  assert.equal(fieldValue('uint64', 18446744073709551615n), '-1i');
  assert.equal(fromInflux('uint64', false, -1), 18446744073709551615n);
  assert.equal(nsToUs('1700000000123456999'), 1_700_000_000_123_456n);
  assert.equal(nsToUs(-1), -1n);
  assert.equal(escapeKey('a b,c=d'), 'a\\ b\\,c\\=d');
  assert.throws(() => fieldValue('float64', Infinity), /cannot store/);
});

test('slots count rows per series and µs; a failed write gives its slots back', () => {
  const book = new SlotBook(2);
  const [s1, s2] = [slotKey('m,a=1', '5'), slotKey('m,a=1', '6')];
  assert.notEqual(s1, s2);
  const d1 = new SlotDraft(book);
  assert.deepEqual([d1.next(s1), d1.next(s1), d1.next(s2)], [0, 1, 0]);
  const lost = new SlotDraft(book);
  assert.equal(lost.next(s1), 0, 'a draft only builds on committed ones (the adapter runs write calls one at a time)');
  d1.commit();
  const d2 = new SlotDraft(book);
  assert.equal(d2.next(s1), 2);
  d2.commit();
  assert.equal(new SlotDraft(book).next(s2), 1);
  const full = new SlotDraft(new SlotBook());
  for (let i = 0; i < 1000; i++) full.next(s1);
  assert.throws(() => full.next(s1), /more than 1000 rows/);
});
