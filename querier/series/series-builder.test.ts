import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeriesCollector } from './series-builder.ts';
import { isStaleAt } from '../../dialects/promql/storage.ts';

const A = { __name__: 'm', job: 'a' };
const B = { __name__: 'm', job: 'b' };

/** A validity mask (bit set = value present) with the given rows NULL. */
function mask(n: number, nulls: number[]): Uint8Array {
  const m = new Uint8Array((n + 7) >> 3).fill(0xff);
  for (const i of nulls) m[i >> 3]! &= ~(1 << (i & 7));
  return m;
}

test('runs from several batches are joined per series, in the requested ID order', () => {
  const c = new SeriesCollector();
  // Batch 0: A A B B; batch 1: A B B (timestamps in µs, as the store returns them).
  const b0 = c.addBatch(BigInt64Array.of(1000n, 2000n, 1000n, 2000n), Float64Array.of(1, 2, 10, 20), null);
  c.addRun(1, A, b0, 0, 2);
  c.addRun(2, B, b0, 2, 4);
  const b1 = c.addBatch(BigInt64Array.of(3000n, 3000n, 4000n), Float64Array.of(3, 30, 40), null);
  c.addRun(1, undefined, b1, 0, 1);
  c.addRun(2, undefined, b1, 1, 3);
  const out = c.finish([2, 3, 1]);
  assert.deepEqual(out.map((s) => s.labels), [B, A]);
  assert.deepEqual([...out[0]!.timestampsMs], [1, 2, 3, 4]);
  assert.deepEqual([...out[0]!.values], [10, 20, 30, 40]);
  assert.deepEqual([...out[1]!.timestampsMs], [1, 2, 3]);
  assert.deepEqual([...out[1]!.values], [1, 2, 3]);
});

test('int64 timestamps convert exactly, including before 1970 and sub-millisecond', () => {
  const c = new SeriesCollector();
  const us = [-1_500_000_000_123_456n, -1n, 0n, 1_795_627_725_000_500n, 2n ** 52n + 1n];
  const b = c.addBatch(BigInt64Array.from(us), new Float64Array(us.length), null);
  c.addRun(1, A, b, 0, us.length);
  const [s] = c.finish([1]);
  assert.deepEqual([...s!.timestampsMs], us.map((u) => Number(u) / 1000));
});

test('plain arrays (adapters without typed columns) give the same series', () => {
  const c = new SeriesCollector();
  const b = c.addBatch([1000n, 2000n], [5, 6], null);
  c.addRun(1, A, b, 0, 2);
  const [s] = c.finish([1]);
  assert.deepEqual([...s!.timestampsMs], [1, 2]);
  assert.deepEqual([...s!.values], [5, 6]);
});

test('NULL values become StaleNaN markers, distinct from an ordinary NaN', () => {
  const c = new SeriesCollector();
  const b = c.addBatch(BigInt64Array.of(1000n, 2000n, 3000n), Float64Array.of(1, 0, NaN), mask(3, [1]));
  c.addRun(1, A, b, 0, 3);
  const [s] = c.finish([1]);
  assert.equal(isStaleAt(s!.values, 0), false);
  assert.equal(isStaleAt(s!.values, 1), true);
  assert.equal(isStaleAt(s!.values, 2), false);
  assert.ok(Number.isNaN(s!.values[2]));
});

test('out-of-order samples are sorted and the last write of a timestamp wins; markers survive the sort', () => {
  const c = new SeriesCollector();
  const b = c.addBatch(BigInt64Array.of(3000n, 1000n, 2000n, 1000n, 4000n, 1000n), Float64Array.of(3, 1, 2, 11, 0, 4), mask(6, [2, 4]));
  c.addRun(1, A, b, 0, 4);
  c.addRun(2, B, b, 4, 5);
  c.addRun(1, undefined, b, 5, 6); // a later run of series 1, again at t=1ms
  const [a, bb] = c.finish([1, 2]);
  assert.deepEqual([...a!.timestampsMs], [1, 2, 3]);
  assert.equal(a!.values[0], 4);
  assert.equal(isStaleAt(a!.values, 1), true);
  assert.equal(a!.values[2], 3);
  assert.deepEqual([...bb!.timestampsMs], [4]);
  assert.equal(isStaleAt(bb!.values, 0), true);
});
