// Printer round trips: parse → print → parse gives the same tree (positions aside) for every
// valid Prometheus parser case and every expression of the PromQL test scripts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from './index.ts';
import { print } from './printer.ts';
import type { Expr } from '../ast.ts';
import { loadParseCases, loadTestScripts, seededRandom, withoutPositions } from './corpus.ts';

function roundTrip(text: string): void {
  const tree = parse(text);
  const printed = print(tree);
  let again;
  try {
    again = parse(printed);
  } catch (e) {
    assert.fail(`${text} printed as ${printed}, which does not parse: ${(e as Error).message}`);
  }
  assert.deepEqual(withoutPositions(again), withoutPositions(tree), `${text} printed as ${printed}`);
  // Printing is a fixed point after one round.
  assert.equal(print(again), printed);
}

test('every valid parse case round-trips through the printer', () => {
  const valid = loadParseCases().filter((c) => c.kind === 'expr' && !c.fail);
  for (const c of valid) roundTrip(c.input);
  console.log(`printer round trips (parse cases): ${valid.length}/${valid.length}`);
});

test('every test-script expression round-trips through the printer', () => {
  const { exprs } = loadTestScripts();
  for (const e of exprs) roundTrip(e.expr);
  console.log(`printer round trips (test scripts): ${exprs.length}/${exprs.length}`);
});

test('prints in Prometheus style', () => {
  const cases: Array<[string, string]> = [
    ['sum by(job)(rate(x{c=~"d.*", a="b"}[5m]))', 'sum by (job) (rate(x{c=~"d.*",a="b"}[5m]))'],
    ['1e21 + 1.5e-7 - 1.2345678901234567e25 * 123456 / 1234567', '1e+21 + 1.5e-07 - 1.2345678901234566e+25 * 123456 / 1.234567e+06'],
    ['"\\a\\b\\f\\v\\x01"', '"\\a\\b\\f\\v\\x01"'],
    ['sum(x) without (a,b)', 'sum without (a, b) (x)'],
    ['topk(5,x)', 'topk(5, x)'],
    ['a+on(b)group_left(c)d', 'a + on (b) group_left (c) d'],
    ['a > bool 1', 'a > bool 1'],
    ['a and ignoring(x) b', 'a and ignoring (x) b'],
    ['x offset 90m', 'x offset 1h30m'],
    ['x offset -7m', 'x offset -7m'],
    ['x[1d] @ 100', 'x[1d] @ 100.000'],
    ['x @ start() offset 1w', 'x @ start() offset 1w'],
    ['x[5m:] @ end()', 'x[5m:] @ end()'],
    ['(a + b)[10m:1m] offset 5m', '(a + b)[10m:1m] offset 5m'],
    ['-x', '-x'],
    ['+Inf', '+Inf'],
    ['-0x10', '-16'],
    ["'it''s'", '"it"'],
    ['"a\\nb\\"c"', '"a\\nb\\"c"'],
    ['{__name__="x"}', '{__name__="x"}'],
    ['x{}', 'x'],
    ['x[730d]', 'x[2y]'],
    ['x[90d]', 'x[90d]'],
  ];
  for (const [input, want] of cases) {
    if (input === "'it''s'") continue; // two adjacent strings are a syntax error, as in Prometheus
    assert.equal(print(parse(input)), want, input);
  }
  assert.throws(() => parse("'it''s'"));
});

test('ignoring() with a group modifier is printed so that it re-parses', () => {
  roundTrip('a * ignoring() group_left b');
  assert.equal(print(parse('a * ignoring() group_left b')), 'a * ignoring () group_left () b');
});

// Trees built by hand (no ParenExpr) must print to text that parses back to the same grouping.
test('hand-built trees print with the parentheses precedence needs', () => {
  const ops = ['or', 'and', 'unless', '==', '>', '+', '-', '*', '/', '%', 'atan2', '^'] as const;
  const rand = seededRandom(42);
  const pos = { start: 0, end: 0 };
  const leaf = (): Expr => ({ kind: 'VectorSelector', name: `m${rand(3)}`, matchers: [], offsetMs: 0, at: null, posRange: pos });
  const build = (depth: number): Expr => {
    const r = rand(10);
    if (depth === 0 || r < 2) return leaf();
    if (r < 4) return { kind: 'UnaryExpr', op: rand(2) ? '-' : '+', expr: build(depth - 1), posRange: pos };
    const op = ops[rand(ops.length)]!;
    const card = ['or', 'and', 'unless'].includes(op) ? 'many-to-many' : 'one-to-one';
    return {
      kind: 'BinaryExpr', op, lhs: build(depth - 1), rhs: build(depth - 1), returnBool: false, posRange: pos,
      vectorMatching: { card, on: false, labels: [], include: [] },
    };
  };
  // JSON.parse revives bottom-up, so nested ParenExprs unwrap fully.
  const stripParens = (e: Expr): unknown => JSON.parse(JSON.stringify(withoutPositions(e)), (k, v) =>
    (v && typeof v === 'object' && v.kind === 'ParenExpr' ? v.expr : v));
  const selectorNames = (e: Expr): Expr => JSON.parse(JSON.stringify(e), (k, v) =>
    (v && typeof v === 'object' && v.kind === 'VectorSelector' ? { ...v, matchers: [{ name: '__name__', type: '=', value: v.name }] } : v));
  for (let i = 0; i < 300; i++) {
    const tree = build(5);
    const text = print(tree);
    assert.deepEqual(stripParens(parse(text)), stripParens(selectorNames(tree)), text);
  }
});
