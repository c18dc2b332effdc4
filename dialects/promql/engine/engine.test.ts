import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../parser/index.ts';
import { MemoryStorage } from '../memory-storage.ts';
import { STALE_NAN, type LabelMatcher, type SelectHints, type Series, type SeriesStore } from '../storage.ts';
import { instantQuery, rangeQuery, PromQLEvalError } from './index.ts';

const MIN = 60_000;

function data(): MemoryStorage {
  const m = new MemoryStorage();
  for (let i = 0; i <= 10; i++) {
    m.append({ __name__: 'req', job: 'b', inst: '1' }, i * MIN, i * 10);
    m.append({ __name__: 'req', job: 'a', inst: '1' }, i * MIN, i);
  }
  m.append({ __name__: 'req', job: 'a', inst: '1' }, 11 * MIN, STALE_NAN);
  m.append({ __name__: 'dup', job: 'a' }, 0, 1);
  m.append({ __name__: 'dup', job: 'a', x: 'y' }, 0, 2);
  m.append({ __name__: 'req2', job: 'a', inst: '1' }, 0, 5);
  return m;
}

const q = (s: string) => parse(s);

test('range query returns a matrix sorted by labels, absent where stale', async () => {
  const r = await rangeQuery(data(), q('req'), 9 * MIN, 12 * MIN, MIN);
  assert.equal(r.value.resultType, 'matrix');
  assert.ok(r.value.resultType === 'matrix');
  assert.deepEqual(r.value.series.map((s) => s.labels.job), ['a', 'b']);
  assert.deepEqual(Array.from(r.value.series[0].timestampsMs), [9 * MIN, 10 * MIN]); // stale marker at 11m ends it
  assert.deepEqual(Array.from(r.value.series[1].timestampsMs), [9 * MIN, 10 * MIN, 11 * MIN, 12 * MIN]); // 5m lookback
  assert.deepEqual(Array.from(r.value.series[1].values), [90, 100, 100, 100]);
  assert.deepEqual(r.warnings, []);
});

test('a scalar range query is one series without labels', async () => {
  const r = await rangeQuery(data(), q('time() * 2'), 0, 2 * MIN, MIN);
  assert.ok(r.value.resultType === 'matrix' && r.value.series.length === 1);
  assert.deepEqual(r.value.series[0].labels, {});
  assert.deepEqual(Array.from(r.value.series[0].timestampsMs), [0, MIN, 2 * MIN]);
  assert.deepEqual(Array.from(r.value.series[0].values), [0, 120, 240]);
});

test('instant queries give scalar, string, vector and matrix shapes', async () => {
  const m = data();
  assert.deepEqual((await instantQuery(m, q('1 + 2'), 5000)).value, { resultType: 'scalar', timestampMs: 5000, value: 3 });
  assert.deepEqual((await instantQuery(m, q('"hi"'), 5000)).value, { resultType: 'string', timestampMs: 5000, value: 'hi' });
  const v = (await instantQuery(m, q('sum by (job) (req)'), 5 * MIN)).value;
  assert.ok(v.resultType === 'vector');
  assert.deepEqual(v.samples.map((s) => [s.labels.job, s.value]).sort(), [['a', 5], ['b', 50]]);
  const mat = (await instantQuery(m, q('req{job="a"}[2m]'), 5 * MIN)).value;
  assert.ok(mat.resultType === 'matrix');
  assert.deepEqual(Array.from(mat.series[0].timestampsMs), [3 * MIN, 4 * MIN, 5 * MIN]);
});

test('a range vector in a range query is a typed error', async () => {
  await assert.rejects(rangeQuery(data(), q('req[5m]'), 0, MIN, MIN), (e: unknown) => e instanceof PromQLEvalError && e.code === 'INVALID_EXPRESSION_TYPE');
});

test('vector matching errors carry stable codes and Prometheus wording', async () => {
  const m = data();
  await assert.rejects(instantQuery(m, q('req + on(job) dup'), 0), (e: unknown) =>
    e instanceof PromQLEvalError && e.code === 'MANY_TO_MANY' && /many-to-many matching not allowed/.test(e.message));
  await assert.rejects(instantQuery(m, q('dup + on(job) req'), 0), (e: unknown) =>
    e instanceof PromQLEvalError && e.code === 'MULTIPLE_MATCHES' && /group_left\/group_right/.test(e.message));
  const ok = (await instantQuery(m, q('dup + on(job) group_left req'), 0)).value;
  assert.ok(ok.resultType === 'vector');
  assert.deepEqual(ok.samples.map((s) => s.value).sort(), [1, 2]);
  await assert.rejects(instantQuery(m, q('ceil({__name__=~"req2?", job="a"})'), 0), (e: unknown) =>
    e instanceof PromQLEvalError && e.code === 'DUPLICATE_LABELSET' && /same labelset/.test(e.message));
});

test('subquery steps align to absolute time, not to the evaluation time', async () => {
  // At 90s, [2m:1m] covers [-30s, 90s]: inner steps at 0s and 60s, so the newest is 60s.
  const r = (await instantQuery(data(), q('max_over_time(vector(time())[2m:1m])'), 90_000)).value;
  assert.ok(r.resultType === 'vector');
  assert.equal(r.samples[0].value, 60);
});

test('selectors pass advisory hints to the store', async () => {
  const seen: { hints: SelectHints; matchers: LabelMatcher[] }[] = [];
  const inner = data();
  const spy: SeriesStore = {
    // Answers as an async iterable to exercise that shape too.
    async *select(hints, matchers): AsyncIterable<Series> {
      seen.push({ hints, matchers });
      yield* inner.select(hints, matchers);
    },
  };
  const r = await instantQuery(spy, q('rate(req{job="b"}[5m] offset 1m)'), 10 * MIN);
  assert.ok(r.value.resultType === 'vector' && r.value.samples.length === 1);
  assert.ok(Math.abs(r.value.samples[0].value - 10 / 60) < 1e-12);
  assert.deepEqual(seen[0].hints, { start: 4 * MIN, end: 9 * MIN, step: 0, func: 'rate', range: 5 * MIN });
  assert.deepEqual(seen[0].matchers.map((m) => `${m.name}${m.type}${m.value}`).sort(), ['__name__=req', 'job=b']);
  await instantQuery(spy, q('req'), 10 * MIN);
  assert.deepEqual({ start: seen[1].hints.start, end: seen[1].hints.end, range: seen[1].hints.range }, { start: 5 * MIN, end: 10 * MIN, range: 0 });
});

test('a failing store becomes a typed storage error', async () => {
  const broken: SeriesStore = { select() { throw new Error('disk on fire'); } };
  await assert.rejects(instantQuery(broken, q('up'), 0), (e: unknown) => e instanceof PromQLEvalError && e.code === 'STORAGE' && /disk on fire/.test(e.message));
});

test('hints name the enclosing function and a directly enclosing aggregation, as Prometheus does', async () => {
  const seen: SelectHints[] = [];
  const inner = data();
  const spy: SeriesStore = { select(hints, matchers) { seen.push(hints); return inner.select(hints, matchers); } };
  await instantQuery(spy, q('sum by (job) (req) + sum without (inst) (rate(req[5m]))'), 10 * MIN);
  assert.deepEqual(seen.map((h) => [h.func, h.grouping, h.by]), [['sum', ['job'], true], ['rate', undefined, undefined]]);
  seen.length = 0;
  await instantQuery(spy, q('abs(req - 1)'), 10 * MIN);
  assert.equal(seen[0].func, undefined); // a binary operator hides the function
});

test('queries stop at the sample limit and on abort', async () => {
  await assert.rejects(instantQuery(data(), q('req[10m]'), 10 * MIN, { maxSamples: 10 }), (e: unknown) =>
    e instanceof PromQLEvalError && e.code === 'TOO_MANY_SAMPLES');
  assert.ok((await instantQuery(data(), q('req[10m]'), 10 * MIN, { maxSamples: 100 })).value.resultType === 'matrix');
  const ac = new AbortController();
  ac.abort(new Error('client went away'));
  await assert.rejects(rangeQuery(data(), q('sum(req)'), 0, 10 * MIN, MIN, { signal: ac.signal }), (e: unknown) =>
    e instanceof PromQLEvalError && e.code === 'CANCELED' && /client went away/.test(e.message));
});
