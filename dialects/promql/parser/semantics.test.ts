// What the parser puts in the tree: selectors and matchers, durations, offsets, `@`, literals,
// vector matching normalisation, function return types and positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, PromQLParseError } from './index.ts';
import { children, typeOf, type Expr } from '../ast.ts';
import { loadTestScripts, withoutPositions } from './corpus.ts';

const tree = (q: string) => withoutPositions(parse(q));

test('selectors: matchers keep their order and the metric name becomes a trailing __name__ matcher', () => {
  assert.deepEqual(tree('foo:bar{a="b", c!~"d|e",}'), {
    kind: 'VectorSelector', name: 'foo:bar', offsetMs: 0, at: null,
    matchers: [{ name: 'a', type: '=', value: 'b' }, { name: 'c', type: '!~', value: 'd|e' }, { name: '__name__', type: '=', value: 'foo:bar' }],
  });
  assert.deepEqual(tree('{__name__=~"x.*"}'), {
    kind: 'VectorSelector', name: '', offsetMs: 0, at: null, matchers: [{ name: '__name__', type: '=~', value: 'x.*' }],
  });
  // Keywords are metric names where a selector is expected, and label names inside braces.
  assert.equal((parse('sum{by="x"}') as { name: string }).name, 'sum');
  assert.equal((parse('by') as { name: string }).name, 'by');
  assert.throws(() => parse('on'), /unexpected <on>/);
});

test('durations, offsets and @ in milliseconds', () => {
  const m = parse('x[1h30m] offset -2d @ 1.5') as any;
  assert.equal(m.kind, 'MatrixSelector');
  assert.equal(m.rangeMs, 5_400_000);
  assert.equal(m.vectorSelector.offsetMs, -172_800_000);
  assert.deepEqual(m.vectorSelector.at, { kind: 'time', ms: 1500 });
  const s = parse('rate(x[5m])[1y:10ms] @ end() offset 1w') as any;
  assert.equal(s.kind, 'SubqueryExpr');
  assert.deepEqual([s.rangeMs, s.stepMs, s.offsetMs, s.at], [31_536_000_000, 10, 604_800_000, 'end']);
  assert.equal((parse('x[5m:]') as any).stepMs, 0);
  assert.deepEqual((parse('x @ -0.0005') as any).at, { kind: 'time', ms: -1 });
});

test('number and string literals', () => {
  const num = (q: string) => (parse(q) as any).value;
  assert.equal(num('0x1F'), 31);
  assert.equal(num('0755'), 493);
  assert.equal(num('08'), 8);
  assert.equal(num('.5'), 0.5);
  assert.equal(num('5.'), 5);
  assert.equal(num('1e-3'), 0.001);
  assert.equal(num('-inf'), -Infinity);
  assert.ok(Number.isNaN(num('NaN')));
  assert.equal(num('"a\\tb"'), 'a\tb');
  assert.equal(num("'\\u263a\\''"), "☺'");
  assert.equal(num('`raw\\n`'), 'raw\\n');
  assert.equal(num('1 # comment\n'), 1);
});

test('vector matching: set operators are many-to-many, scalar sides drop matching', () => {
  assert.deepEqual((parse('a and b') as any).vectorMatching, { card: 'many-to-many', on: false, labels: [], include: [] });
  assert.deepEqual((parse('a / on(x) group_right(y) b') as any).vectorMatching, { card: 'one-to-many', on: true, labels: ['x'], include: ['y'] });
  assert.equal((parse('a > bool 1') as any).vectorMatching, null);
  assert.equal((parse('1 + 2') as any).vectorMatching, null);
  assert.equal((parse('a > bool 1') as any).returnBool, true);
});

test('aggregations: parameter, grouping before or after the arguments', () => {
  assert.deepEqual(tree('count_values without (a) ("v", x)'), tree('count_values("v", x) without (a)'));
  const q = parse('quantile by (job, le) (0.9, x)') as any;
  assert.deepEqual([q.op, q.grouping, q.without, q.param.value], ['quantile', ['job', 'le'], false, 0.9]);
});

test('value types', () => {
  assert.equal(typeOf(parse('time()')), 'scalar');
  assert.equal(typeOf(parse('scalar(x) * 2')), 'scalar');
  assert.equal(typeOf(parse('x * 2')), 'vector');
  assert.equal(typeOf(parse('x[5m]')), 'matrix');
  assert.equal(typeOf(parse('x[5m:]')), 'matrix');
  assert.equal(typeOf(parse('"s"')), 'string');
  assert.equal(typeOf(parse('(-(1))')), 'scalar');
});

test('positions are character offsets of each node', () => {
  const b = parse('sum(rate(x[5m])) + on(a) y offset 1m') as any;
  assert.deepEqual(b.posRange, { start: 0, end: 36 });
  assert.deepEqual(b.lhs.posRange, { start: 0, end: 16 });
  assert.deepEqual(b.lhs.expr.posRange, { start: 4, end: 15 });
  assert.deepEqual(b.lhs.expr.args[0].posRange, { start: 9, end: 14 });
  assert.deepEqual(b.rhs.posRange, { start: 25, end: 36 });
});

test('every expression of the PromQL test scripts parses', () => {
  const { exprs } = loadTestScripts();
  assert.equal(exprs.length, 566);
  for (const e of exprs) assert.doesNotThrow(() => parse(e.expr), e.where);
  console.log(`test-script expressions: ${exprs.length}/${exprs.length} parse`);
});

test('label regexes: RE2 inline flags and classes', () => {
  assert.doesNotThrow(() => parse('x{a=~"(?i:pro).*", b=~"((?i)x)y", c=~"[[:alpha:]]+", d=~"(?P<n>a)"}'));
  assert.throws(() => parse('x{a=~"("}'), /error parsing regexp/);
});

test('long operator chains parse; absurd nesting is a typed error, not a crash', () => {
  const chain = Array.from({ length: 1000 }, (_, i) => `m${i}`).join(' + ');
  assert.equal(parse(chain).kind, 'BinaryExpr');
  const deep = '('.repeat(5000) + '1' + ')'.repeat(5000);
  assert.throws(() => parse(deep), (e: Error) => e.name === 'PromQLParseError' && /nested too deeply/.test(e.message));
});

test('errors are typed, positioned and carry a hint where one helps', () => {
  try {
    parse('x +\n  (1 == 1)');
    assert.fail('must not parse');
  } catch (e) {
    assert.ok(e instanceof PromQLParseError);
    assert.equal(e.message, '2:6: parse error: comparisons between scalars must use BOOL modifier');
    assert.deepEqual([e.line, e.column, e.posRange], [2, 6, { start: 9, end: 11 }]);
    assert.equal(e.code, 'PROMQL_PARSE');
    assert.match(e.hint!, /bool/);
  }
  assert.throws(() => parse('(a + b)[5m]'), (e: PromQLParseError) => /subquery/.test(e.hint ?? ''));
});

test('children() walks every sub-expression in source order', () => {
  const names: string[] = [];
  const walk = (e: Expr): void => {
    if (e.kind === 'VectorSelector') names.push(e.name);
    children(e).forEach(walk);
  };
  walk(parse('topk(scalar(k), rate(a[5m])) + on(x) max_over_time((-(b offset 1m))[10m:]) * label_replace(c, "d", "e", "f", "g") / count_values("v", d)'));
  assert.deepEqual(names, ['k', 'a', 'b', 'c', 'd']);
});
