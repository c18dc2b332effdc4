import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addColumnsSql, parseTimestamp, timeLayoutSql, timestampLiteral } from './postgres-types.ts';
import { compileFragment } from './postgres-compiler.ts';
import { findTable } from '../../schema/index.ts';

test('timestamptz text parses to exact µs in any offset', () => {
  assert.equal(parseTimestamp('2023-11-14 22:13:20.123456+00'), 1_700_000_000_123_456n);
  assert.equal(parseTimestamp('2023-11-15 00:13:20.123456+02'), 1_700_000_000_123_456n);
  assert.equal(parseTimestamp('2023-11-14 16:43:20.1-05:30'), 1_700_000_000_100_000n);
  assert.equal(parseTimestamp('1970-01-01 00:00:00.000001+00'), 1n);
  assert.equal(parseTimestamp('1969-12-31 23:59:59.999999+00'), -1n);
  assert.throws(() => parseTimestamp('yesterday'), /unexpected timestamp/);
});

test('timestamp literals are exact to the µs', () => {
  assert.equal(timestampLiteral(1_700_000_000_123_456n), "timestamptz '2023-11-14 22:13:20.123456+00'");
  assert.equal(timestampLiteral(-1n), "timestamptz '1969-12-31 23:59:59.999999+00'");
});

test('compiled SQL quotes names and literals, integer division stays integral', () => {
  const l7 = findTable('flow_log.l7_flow_log')!;
  assert.equal(compileFragment({ table: l7, columns: ['endpoint'], filters: [{ column: 'endpoint', op: '=', value: "it's" }, { column: 'pod_id_1', op: 'in', values: [] }],
    timeRange: { startUs: 1n }, limit: 3 }),
  `SELECT "endpoint" FROM "flow_log"."l7_flow_log" WHERE "time" >= timestamptz '1970-01-01 00:00:00.000001+00' AND "endpoint" = 'it''s' AND FALSE LIMIT 3`);
  // sum(bigint) is numeric in PostgreSQL: integer division must not keep the fraction.
  const int = (name: string) => ({ kind: 'column' as const, name, type: 'int' as const });
  assert.equal(compileFragment({ table: l7, columns: [], filters: [], select: [{ name: 'q', expr: { kind: 'call', fn: '/', args: [int('a'), int('b')], type: 'int' } }] }),
    'SELECT div("a", "b") AS "q" FROM "flow_log"."l7_flow_log"');
});

test('DDL: missing columns are added; hypertables with TimescaleDB, BRIN without', () => {
  const m = findTable('flow_metrics.application.1m')!;
  const have = new Set(m.columns.map((c) => c.name).filter((n) => n !== 'rrt_sum'));
  assert.deepEqual(addColumnsSql(m, have), ['ALTER TABLE "flow_metrics"."application.1m" ADD COLUMN "rrt_sum" double precision']);
  assert.equal(timeLayoutSql(m, true), `SELECT create_hypertable('"flow_metrics"."application.1m"', 'time', if_not_exists => TRUE, migrate_data => TRUE)`);
  assert.equal(timeLayoutSql(m, false), 'CREATE INDEX IF NOT EXISTS "application.1m_time_brin" ON "flow_metrics"."application.1m" USING brin ("time")');
});
