import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseTestScript, ScriptSyntaxError } from './script.ts';
import { almostEqual, compareResult } from './compare.ts';
import { runPromqlTestFiles, runTestScript } from './run.ts';

const SCRIPT = `
# a comment line counts as blank
load 5m
  http_requests{job="api", path="/a"} 0+10x3 _ stale 1x2
  other 1 -2-3x2

eval instant at 10m http_requests
  http_requests{job="api", path="/a"} 20

eval_ordered instant at 5m sort_desc(other)
  other -2

eval_fail instant at 0m label_replace(other, "dst", "", "src", "(.*")

clear

eval instant at 1h 12.5
  12.5
`;

test('scripts parse into load/eval/clear commands with expanded series', () => {
  const cmds = parseTestScript(SCRIPT);
  assert.deepEqual(cmds.map((c) => c.kind), ['load', 'eval', 'eval', 'eval', 'clear', 'eval']);
  const load = cmds[0];
  assert.ok(load.kind === 'load');
  assert.equal(load.intervalMs, 300_000);
  assert.deepEqual(load.series[0].labels, { __name__: 'http_requests', job: 'api', path: '/a' });
  assert.deepEqual(load.series[0].values, [0, 10, 20, 30, 'missing', 'stale', 1, 1, 1]);
  assert.deepEqual(load.series[1].values, [1, -2, -5, -8]);
  const [ev, ordered, fail, , scalar] = cmds.slice(1);
  assert.ok(ev.kind === 'eval' && ordered.kind === 'eval' && fail.kind === 'eval' && scalar.kind === 'eval');
  assert.equal(ev.atMs, 600_000);
  assert.deepEqual(ev.expected, [{ labels: { __name__: 'http_requests', job: 'api', path: '/a' }, value: 20 }]);
  assert.ok(ordered.ordered && !ordered.fail);
  assert.ok(fail.fail);
  assert.deepEqual(scalar.expected, [{ labels: null, value: 12.5 }]);
});

test('syntax errors name the line', () => {
  assert.throws(() => parseTestScript('load 5m\n  x{a="b"} 1 2 zz\n'), (e: unknown) => e instanceof ScriptSyntaxError && e.line === 2);
  assert.throws(() => parseTestScript('frobnicate\n'), ScriptSyntaxError);
});

test('values compare like Prometheus: NaN equals NaN, 1e-6 relative tolerance', () => {
  assert.ok(almostEqual(NaN, NaN));
  assert.ok(almostEqual(1, 1 + 1e-9));
  assert.ok(!almostEqual(1, 1.001));
  assert.ok(!almostEqual(0, 1e-300));
  assert.ok(almostEqual(Infinity, Infinity));
  const exp = [{ labels: { a: '1' }, value: 1 }, { labels: { a: '2' }, value: 2 }];
  const got = (order: number[]) => ({ type: 'vector' as const, samples: order.map((i) => ({ labels: { a: String(i) }, value: i })) });
  assert.equal(compareResult(exp, false, got([2, 1])), null);
  assert.match(compareResult(exp, true, got([2, 1]))!, /position/);
  assert.match(compareResult(exp, false, got([1]))!, /missing series/);
  assert.match(compareResult(exp, false, got([1, 2, 3]))!, /unexpected series/);
  assert.match(compareResult([{ labels: null, value: 3 }], false, { type: 'scalar', value: 4 })!, /expected scalar 3/);
});

test('the runner passes a correct script and reports each wrong expectation', async () => {
  const ok = await runTestScript(SCRIPT, 'ok.test');
  assert.deepEqual(ok, { passed: 4, failed: 0, failures: [] });
  const bad = SCRIPT
    .replace('http_requests{job="api", path="/a"} 20', 'http_requests{job="api", path="/a"} 21')
    .replace('label_replace(other, "dst", "", "src", "(.*")', 'vector(1)');
  const r = await runTestScript(bad, 'bad.test');
  assert.equal(r.passed, 2);
  assert.deepEqual(r.failures.map((f) => f.line), [7, 13]);
  assert.match(r.failures[0].message, /expected 21, got 20/);
  assert.match(r.failures[1].message, /expected an error/);
});

test('runPromqlTestFiles sums files and prints "N passed, N failed"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'promqltest-'));
  writeFileSync(join(dir, 'a.test'), SCRIPT);
  writeFileSync(join(dir, 'b.test'), 'eval instant at 0m 1+1\n  3\n');
  const lines: string[] = [];
  const r = await runPromqlTestFiles([join(dir, 'a.test'), join(dir, 'b.test')], { print: (l) => lines.push(l) });
  assert.equal(r.passed, 4);
  assert.equal(r.failed, 1);
  assert.equal(lines.at(-1), '4 passed, 1 failed');
  assert.match(lines[0], /b\.test:1/);
});
