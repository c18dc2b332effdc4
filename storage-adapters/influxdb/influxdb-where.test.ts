/** The pushed WHERE → column predicates, and the calls refused (no server needed). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallExpr, Expr } from '../fragment.ts';
import { refusesCall, wherePredicates } from './influxdb-where.ts';

const col = (name: string, type: Expr['type'] = 'text'): Expr => ({ kind: 'column', name, type });
const lit = (value: number | string | boolean | null, type: Expr['type'] = 'text'): Expr => ({ kind: 'literal', value, type });
const call = (fn: string, args: Expr[]): CallExpr => ({ kind: 'call', fn, args, type: 'bool' });

test('conjunctions of column tests become predicates; a literal on the left is flipped', () => {
  assert.deepEqual(wherePredicates(call('and', [call('=', [col('pod'), lit('web')]), call('<', [lit(5, 'int'), col('d', 'int')]), call('is_null', [col('e')])])), [
    { column: 'pod', op: '=', value: 'web' }, { column: 'd', op: '>', value: 5 }, { column: 'e', op: 'is null' },
  ]);
  assert.deepEqual(wherePredicates(call('not_in', [col('c', 'int'), lit(1, 'int'), lit(2, 'int')])), [{ column: 'c', op: 'not in', values: [1, 2] }]);
  assert.deepEqual(wherePredicates(lit(false, 'bool')), [{ column: 'time', op: 'in', values: [] }], 'FALSE keeps no row');
});

test('OR, NOT, patterns and column-to-column comparisons stay in the querier', () => {
  assert.equal(refusesCall(call('or', [call('=', [col('a'), lit('x')]), call('=', [col('b'), lit('y')])])), true);
  assert.equal(refusesCall(call('not', [call('=', [col('a'), lit('x')])])), true);
  assert.equal(refusesCall(call('like', [col('a'), lit('x%')])), true);
  assert.equal(refusesCall(call('=', [col('a'), col('b')])), true);
  assert.equal(refusesCall(call('in', [col('a'), lit('x'), lit(null)])), true);
  assert.equal(refusesCall(call('=', [col('a'), lit('x')])), false);
});
