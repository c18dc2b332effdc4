// The function registry against what the parser enforces and what the test scripts call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUNCTIONS, arity, argType } from '../functions.ts';
import { parse } from './index.ts';
import { loadTestScripts } from './corpus.ts';

const sample: Record<string, string> = { scalar: '1', vector: 'x', matrix: 'x[5m]', string: '"s"' };

test('every registered function parses with its declared argument types and count', () => {
  for (const fn of FUNCTIONS.values()) {
    const { min, max } = arity(fn);
    const counts = [min, Math.min(max, fn.argTypes.length + 1)].filter((n, i, a) => a.indexOf(n) === i);
    for (const n of counts) {
      const args = Array.from({ length: n }, (_, i) => sample[argType(fn, i)]);
      const call = parse(`${fn.name}(${args.join(', ')})`) as { kind: string; returnType: string };
      assert.equal(call.kind, 'Call', fn.name);
      assert.equal(call.returnType, fn.returnType, fn.name);
    }
  }
});

test('wrong argument counts and types are parse errors', () => {
  for (const fn of FUNCTIONS.values()) {
    const { min, max } = arity(fn);
    const ok = Array.from({ length: min }, (_, i) => sample[argType(fn, i)]);
    if (min > 0) assert.throws(() => parse(`${fn.name}(${ok.slice(1).join(', ')})`), /argument\(s\) in call/, fn.name);
    if (max !== Infinity) {
      const tooMany = Array.from({ length: max + 1 }, (_, i) => (fn.argTypes.length > 0 ? sample[argType(fn, i)] : 'x'));
      assert.throws(() => parse(`${fn.name}(${tooMany.join(', ')})`), /argument\(s\) in call/, fn.name);
    }
    fn.argTypes.forEach((t, i) => {
      const wrong = t === 'string' ? 'x' : '"s"';
      const args = ok.length > i ? [...ok] : Array.from({ length: i + 1 }, (_, j) => sample[argType(fn, j)]);
      args[i] = wrong;
      assert.throws(() => parse(`${fn.name}(${args.join(', ')})`), /expected type/, `${fn.name} arg ${i}`);
    });
  }
});

test('the registry holds every Prometheus 2.42 function and all the test scripts call', () => {
  assert.equal(FUNCTIONS.size, 70);
  const called = new Set<string>();
  for (const { expr } of loadTestScripts().exprs) for (const m of expr.matchAll(/([a-z_][a-z0-9_]*)\s*\(/g)) called.add(m[1]!);
  const keywords = new Set(['sum', 'avg', 'count', 'min', 'max', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'start', 'end', 'bool', 'and', 'or', 'unless']);
  for (const name of called) if (!keywords.has(name)) assert.ok(FUNCTIONS.has(name), name);
});
