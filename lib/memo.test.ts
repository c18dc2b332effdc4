import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoizeText } from './memo.ts';

test('memoizeText computes once per text, keeps undefined answers too, and stays bounded', () => {
  const calls: string[] = [];
  const f = memoizeText((s) => { calls.push(s); return s === 'none' ? undefined : s.length; }, 2);
  assert.equal(f('abc'), 3);
  assert.equal(f('abc'), 3);
  assert.equal(f('none'), undefined);
  assert.equal(f('none'), undefined);
  assert.deepEqual(calls, ['abc', 'none']);
  f('x'); // a third text pushes out the first
  f('abc');
  assert.deepEqual(calls, ['abc', 'none', 'x', 'abc']);
});

test('memoizeText keeps nothing when the function throws', () => {
  let n = 0;
  const f = memoizeText(() => { n++; throw new Error('bad'); });
  assert.throws(() => f('q'), /bad/);
  assert.throws(() => f('q'), /bad/);
  assert.equal(n, 2);
});
