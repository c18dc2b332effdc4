// Series descriptions as Prometheus' test scripts write them (`load` blocks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSeriesDesc } from './series.ts';
import { PromQLParseError } from './errors.ts';
import { loadTestScripts } from './corpus.ts';

test('expands A+BxN, AxN, _xN and keeps stale markers', () => {
  const d = parseSeriesDesc('metric{a="b", c="d"} 0+10x3 _ stale 1x2 _x2 -1-1x1 +5');
  assert.deepEqual(d.labels, { __name__: 'metric', a: 'b', c: 'd' });
  assert.deepEqual(d.values, [0, 10, 20, 30, 'missing', 'stale', 1, 1, 1, 'missing', 'missing', -1, -2, 5]);
});

test('a 0 before x is a repetition, not hex', () => {
  assert.deepEqual(parseSeriesDesc('m 0x2').values, [0, 0, 0]);
});

test('labels without a metric name, escapes and special floats', () => {
  const d = parseSeriesDesc(`{job="a\\"b", x='y'} Inf -Inf NaN 1e3 .5`);
  assert.deepEqual(d.labels, { job: 'a"b', x: 'y' });
  assert.deepEqual(d.values.slice(0, 2), [Infinity, -Infinity]);
  assert.ok(Number.isNaN(d.values[2]));
  assert.deepEqual(d.values.slice(3), [1000, 0.5]);
});

test('rejects malformed values with a typed error', () => {
  for (const bad of ['m 1 2x', 'm 1x-2', 'm abc', 'm{a=b} 1', 'm{a="b" 1', 'm 1 _x']) {
    assert.throws(() => parseSeriesDesc(bad), PromQLParseError, bad);
  }
});

test('every series line of the PromQL test scripts parses', () => {
  const { series } = loadTestScripts();
  assert.ok(series.length > 300);
  for (const s of series) assert.doesNotThrow(() => parseSeriesDesc(s.line), s.where);
  console.log(`test-script series lines: ${series.length}/${series.length} parse`);
});

test('every expected-series line of the PromQL test scripts parses', () => {
  const { expected } = loadTestScripts();
  assert.ok(expected.length > 900);
  for (const s of expected) assert.doesNotThrow(() => parseSeriesDesc(s.line), s.where);
  console.log(`test-script expected-series lines: ${expected.length}/${expected.length} parse`);
});
