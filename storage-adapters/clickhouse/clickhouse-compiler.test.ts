/** The compiled SQL, pinned; clickhouse.test.ts runs the same shapes on a real server. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findTable } from '../../schema/index.ts';
import { compileFragment, floatLiteral, literal } from './clickhouse-compiler.ts';
import { mergeTreeDdl, quoteLiteral } from './clickhouse-types.ts';

const l7 = findTable('flow_log.l7_flow_log')!;
const app = findTable('flow_metrics.application.1m')!;

test('filtered scan: time range, key predicates repeated on the key expression, limit', () => {
  const sql = compileFragment({ prefix: '' }, {
    table: l7, columns: ['time', 'endpoint'], limit: 10,
    timeRange: { startUs: 1_700_000_000_000_000n, endUs: 1_700_000_060_000_000n },
    filters: [
      { column: 'pod_id_1', op: 'in', values: [3, 4] },
      { column: 'endpoint', op: 'is null' },
      { column: 'server_port', op: '!=', value: 80 },
      { column: 'l7_protocol', op: 'not in', values: [20] },
    ],
  });
  assert.equal(sql, 'SELECT `time`, `endpoint` FROM `flow_log`.`l7_flow_log` WHERE `time` >= 1700000000000000 AND `time` < 1700000060000000'
    + ' AND `pod_id_1` IN (3, 4) AND ifNull(`pod_id_1`, 0) IN (3, 4)'
    + " AND `endpoint` IS NULL AND ifNull(`endpoint`, '') = ''"
    + ' AND `server_port` != 80 AND `l7_protocol` NOT IN (20) LIMIT 10');
});

test('no columns means every column; empty IN lists are constant; a prefix names the database', () => {
  const sql = compileFragment({ prefix: 'staging_' }, { table: app, columns: [], filters: [{ column: 'pod_id', op: 'in', values: [] }, { column: 'pod_id', op: 'not in', values: [] }] });
  assert.ok(sql.startsWith('SELECT `time`, `region_id`, '), sql);
  assert.ok(sql.endsWith(' FROM `staging_flow_metrics`.`application.1m` WHERE 0 AND 1'), sql);
});

test('unknown columns are a typed error, not SQL', () => {
  assert.throws(() => compileFragment({ prefix: '' }, { table: l7, columns: ['nosuch'], filters: [] }), { name: 'StoreError', sqlstate: '42703' });
});

test('literals: strings escape quote and backslash; floats 18.16 cannot parse are spelled as bytes', () => {
  assert.equal(quoteLiteral("it's a \\ path"), "'it\\'s a \\\\ path'");
  assert.equal(literal(2n ** 64n - 1n), '18446744073709551615');
  assert.equal(literal(true), '1');
  assert.equal(literal(3, 'float64'), '3');
  assert.equal(literal(0.1), '0.1');
  assert.equal(floatLiteral(-1.5e308), '-1.5e+308');
  assert.equal(floatLiteral(5e-324), "reinterpretAsFloat64(unhex('0100000000000000'))");
  assert.equal(floatLiteral(Infinity), "reinterpretAsFloat64(unhex('000000000000F07F'))");
  assert.equal(floatLiteral(-0), "reinterpretAsFloat64(unhex('0000000000000080'))");
});

test('DDL: µs Int64 time, Nullable columns, day partitions, key columns through ifNull', () => {
  const ddl = mergeTreeDdl({ prefix: '' }, l7);
  assert.ok(ddl.startsWith('CREATE TABLE IF NOT EXISTS `flow_log`.`l7_flow_log` (`time` Int64, `region_id_0` Nullable(UInt32), '), ddl);
  assert.ok(ddl.includes('`start_time` Nullable(Int64)'));
  assert.ok(ddl.endsWith("ENGINE = MergeTree PARTITION BY toYYYYMMDD(toDateTime(intDiv(`time`, 1000000), 'UTC')) ORDER BY (ifNull(`l7_protocol`, 0), ifNull(`pod_id_1`, 0), ifNull(`endpoint`, ''), `time`)"), ddl);
});
