// The evaluator's kernels and the parser's function table must name the same functions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUNCTIONS } from '../functions.ts';
import { FUNCTION_KERNELS } from './functions/index.ts';

test('every function in the parser table has a kernel', () => {
  const missing = [...FUNCTIONS.keys()].filter((n) => !(n in FUNCTION_KERNELS));
  assert.deepEqual(missing, []);
});

test('every kernel is a function the parser knows', () => {
  const unknown = Object.keys(FUNCTION_KERNELS).filter((n) => !FUNCTIONS.has(n));
  assert.deepEqual(unknown, []);
});
