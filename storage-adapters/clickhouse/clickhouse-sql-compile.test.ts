/** What the ClickHouse dialect refuses and how it spells PostgreSQL's semantics (no server needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallExpr, Expr } from '../fragment.ts';
import { compileAggregate, compileExpr, refusesAggregate, refusesCall } from './clickhouse-sql.ts';

const col = (name: string, type: Expr['type'] = 'int'): Expr => ({ kind: 'column', name, type });
const lit = (value: number | string | null, type: Expr['type'] = 'int'): Expr => ({ kind: 'literal', value, type });
const call = (fn: string, args: Expr[], type: Expr['type'] = 'bool'): CallExpr => ({ kind: 'call', fn, args, type });

test('calls ClickHouse would answer differently are refused', () => {
  assert.equal(refusesCall(call('~*', [col('e', 'text'), lit('x', 'text')])), true);
  assert.equal(refusesCall(call('/', [col('a', 'float'), col('b', 'float')], 'float')), true, 'inf instead of division by zero');
  assert.equal(refusesCall(call('/', [col('a', 'float'), lit(0, 'float')], 'float')), true);
  assert.equal(refusesCall(call('/', [col('a', 'float'), lit(7, 'float')], 'float')), false);
  assert.equal(refusesCall(call('in', [col('a'), lit(1), lit(null)])), true, 'NULL in an IN list');
  assert.equal(refusesCall(call('date_trunc', [lit('month', 'text'), col('time', 'timestamp')], 'timestamp')), true);
  assert.equal(refusesCall(call('sqrt', [col('a', 'float')], 'float')), true);
  assert.equal(refusesAggregate({ fn: 'stddev_samp', args: [col('a')], distinct: false, filter: null, type: 'float' }), true);
  assert.equal(refusesAggregate({ fn: 'sum', args: [col('a')], distinct: true, filter: null, type: 'int' }), true);
  assert.equal(refusesAggregate({ fn: 'count', args: [col('a')], distinct: true, filter: null, type: 'int' }), false);
});

test('three-valued AND, NULL IN, floor buckets and -If aggregates', () => {
  assert.equal(compileExpr(call('and', [col('a', 'bool'), col('b', 'bool')])),
    'multiIf(ifNull(`a` = 0, 0) OR ifNull(`b` = 0, 0), 0, isNull(`a`) OR isNull(`b`), CAST(NULL AS Nullable(UInt8)), 1)');
  assert.equal(compileExpr(call('not_in', [col('a'), lit(1), lit(2)])), 'if(isNull(`a`), CAST(NULL AS Nullable(UInt8)), `a` NOT IN (1, 2))');
  assert.match(compileExpr(call('date_trunc', [lit('minute', 'text'), col('time', 'timestamp')], 'timestamp')), /intDiv\(\(`time` - toInt64\(0\)\), toInt64\(60000000\)\) - if\(/);
  assert.equal(compileAggregate({ fn: 'count_star', args: [], distinct: false, filter: call('=', [col('s', 'text'), lit('ok', 'text')]), type: 'int' }), "countIf(ifNull((`s` = 'ok'), 0))");
  assert.equal(compileAggregate({ fn: 'min', args: [col('time', 'timestamp')], distinct: false, filter: null, type: 'timestamp' }), 'min(toNullable(`time`))');
  assert.throws(() => compileExpr(call('~*', [col('e', 'text'), lit('x', 'text')])), /cannot run/);
});
