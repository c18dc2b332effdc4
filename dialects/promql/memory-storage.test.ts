import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStorage } from './memory-storage.ts';
import { STALE_NAN, isStaleAt, staleFlags } from './storage.ts';

function store(): MemoryStorage {
  const m = new MemoryStorage();
  for (let t = 0; t < 10; t++) {
    m.append({ __name__: 'up', job: 'api' }, t * 1000, t);
    m.append({ __name__: 'up', job: 'db' }, t * 1000, t * 2);
  }
  m.append({ __name__: 'up', job: 'api' }, 10_000, STALE_NAN);
  m.append({ __name__: 'down', job: 'api' }, 0, NaN);
  m.commit();
  return m;
}

test('select filters by all matchers, regexes anchored, missing label as empty', () => {
  const m = store();
  const names = (ms: Parameters<MemoryStorage['select']>[1]) => m.select({ start: 0, end: 20_000 }, ms).map((s) => `${s.labels.__name__}/${s.labels.job}`).sort();
  assert.deepEqual(names([{ type: '=', name: '__name__', value: 'up' }]), ['up/api', 'up/db']);
  assert.deepEqual(names([{ type: '=~', name: 'job', value: 'a' }]), []);
  assert.deepEqual(names([{ type: '=~', name: 'job', value: 'a.*' }]), ['down/api', 'up/api']);
  assert.deepEqual(names([{ type: '!~', name: '__name__', value: 'up' }]), ['down/api']);
  assert.deepEqual(names([{ type: '=', name: 'zone', value: '' }, { type: '!=', name: 'job', value: 'api' }]), ['up/db']);
  assert.deepEqual(names([{ type: '=~', name: 'job', value: '(?i:API)' }]), ['down/api', 'up/api']);
});

test('select trims to the hinted time range, both ends inclusive', () => {
  const [s] = store().select({ start: 2000, end: 4000 }, [{ type: '=', name: 'job', value: 'db' }]);
  assert.deepEqual(Array.from(s.timestampsMs), [2000, 3000, 4000]);
  assert.deepEqual(Array.from(s.values), [4, 6, 8]);
});

test('staleness markers keep their bit pattern and differ from ordinary NaN', () => {
  const m = store();
  const [api] = m.select({ start: 10_000, end: 10_000 }, [{ type: '=', name: '__name__', value: 'up' }, { type: '=', name: 'job', value: 'api' }]);
  assert.equal(api.values.length, 1);
  assert.ok(isStaleAt(api.values, 0));
  const [down] = m.select({ start: 0, end: 0 }, [{ type: '=', name: '__name__', value: 'down' }]);
  assert.ok(Number.isNaN(down.values[0]));
  assert.ok(!isStaleAt(down.values, 0));
});

test('out-of-order appends are sorted and the last write for a timestamp wins', () => {
  const m = new MemoryStorage();
  const l = { __name__: 'x' };
  m.append(l, 3000, 3); m.append(l, 1000, 1); m.append(l, 2000, 2); m.append(l, 1000, 10);
  const [s] = m.select({ start: 0, end: 5000 }, []);
  assert.deepEqual(Array.from(s.timestampsMs), [1000, 2000, 3000]);
  assert.deepEqual(Array.from(s.values), [10, 2, 3]);
  m.clear();
  assert.equal(m.select({ start: 0, end: 5000 }, []).length, 0);
});

test('staleFlags marks only StaleNaN samples and allocates nothing without them', () => {
  // Written element by element: a JS array literal of doubles would canonicalise the NaN bits.
  const vs = new Float64Array(5);
  vs[0] = 1; vs[1] = NaN; vs[2] = STALE_NAN; vs[3] = 2; vs[4] = STALE_NAN;
  assert.deepEqual(Array.from(staleFlags(vs)!), [0, 0, 1, 0, 1]);
  assert.equal(staleFlags(new Float64Array([1, NaN, 3])), null);
  // A view into a larger buffer reads its own samples.
  assert.deepEqual(Array.from(staleFlags(vs.subarray(2, 4))!), [1, 0]);
});
