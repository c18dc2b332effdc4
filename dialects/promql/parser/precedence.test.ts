// Operator precedence and associativity as the Prometheus documentation states them
// (querying/operators: "^" binds tightest and is right-associative; then * / % atan2; + -;
// comparisons; and unless; or — all others left-associative; unary minus binds like *),
// checked through the tree shape and through scalar arithmetic results.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch, type Expr, type ExprHandlers } from '../ast.ts';
import { parse } from './index.ts';
import { evalScalar } from './testing/scalar-eval.ts';

// Fully parenthesised form of a tree: shows exactly how the parser grouped operands.
const shapes: ExprHandlers<string> = {
  NumberLiteral: (n) => String(n.value),
  StringLiteral: (n) => JSON.stringify(n.value),
  VectorSelector: (n) => n.name,
  MatrixSelector: (n) => `${shape(n.vectorSelector)}[${n.rangeMs}]`,
  SubqueryExpr: (n) => `${shape(n.expr)}[${n.rangeMs}:${n.stepMs}]`,
  ParenExpr: (n) => shape(n.expr),
  UnaryExpr: (n) => `(${n.op}${shape(n.expr)})`,
  BinaryExpr: (n) => `(${shape(n.lhs)} ${n.op}${n.returnBool ? ' bool' : ''} ${shape(n.rhs)})`,
  AggregateExpr: (n) => `${n.op}(${shape(n.expr)})`,
  Call: (n) => `${n.func}(${n.args.map(shape).join(', ')})`,
};
const shape = (e: Expr): string => dispatch(e, shapes);


test('binary operator grouping', () => {
  const cases: Array<[string, string]> = [
    ['a + b * c', '(a + (b * c))'],
    ['a * b + c', '((a * b) + c)'],
    ['a - b - c', '((a - b) - c)'],
    ['a / b % c * d', '(((a / b) % c) * d)'],
    ['a atan2 b * c', '((a atan2 b) * c)'],
    ['a ^ b ^ c', '(a ^ (b ^ c))'],
    ['a * b ^ c', '(a * (b ^ c))'],
    ['a == b + c', '(a == (b + c))'],
    ['a > b and c < d', '((a > b) and (c < d))'],
    ['a or b and c', '(a or (b and c))'],
    ['a and b unless c', '((a and b) unless c)'],
    ['a unless b or c and d', '((a unless b) or (c and d))'],
    ['a or b or c', '((a or b) or c)'],
    ['a == bool b != bool c', '((a == bool b) != bool c)'],
    ['a + b offset 5m', '(a + b)'],
    ['a + b @ 10', '(a + b)'],
    ['min_over_time((a + b)[5m:1m])', 'min_over_time((a + b)[300000:60000])'],
  ];
  for (const [input, want] of cases) assert.equal(shape(parse(input)), want, input);
});

test('range and subquery brackets bind to the nearest operand', () => {
  // `[…]` applies to `b` alone, so the sum would mix an instant and a range vector.
  assert.throws(() => parse('a + b[5m:1m]'), /binary expression must contain only scalar and instant vector types/);
  assert.throws(() => parse('-x[5m]'), /unary expression only allowed on expressions of type scalar or instant vector/);
});

test('unary signs bind like multiplication, below ^', () => {
  const cases: Array<[string, string]> = [
    ['-a ^ b', '(-(a ^ b))'],
    ['-a * b', '((-a) * b)'],
    ['-a + b', '((-a) + b)'],
    ['a * -b', '(a * (-b))'],
    ['a ^ -b', '(a ^ (-b))'],
    ['a ^ -b ^ c', '(a ^ (-(b ^ c)))'],
    ['- -a', '(-(-a))'],
  ];
  for (const [input, want] of cases) assert.equal(shape(parse(input)), want, input);
});

test('a sign is folded into the number literal it precedes, as in Prometheus', () => {
  assert.deepEqual(parse('-1'), { kind: 'NumberLiteral', value: -1, posRange: { start: 0, end: 2 } });
  assert.equal(parse('-1 ^ 2').kind, 'UnaryExpr');
  assert.equal(shape(parse('-1 * 2')), '(-1 * 2)');
});

test('scalar arithmetic follows the documented precedence', () => {
  const cases: Array<[string, number]> = [
    ['2 ^ 3 ^ 2', 512],
    ['-2 ^ 2', -4],
    ['(-2) ^ 2', 4],
    ['1 + 2 * 3', 7],
    ['10 - 2 - 3', 5],
    ['100 / 10 / 5', 2],
    ['2 * 3 % 4', 2],
    ['2 + 3 ^ 2 * 2', 20],
    ['1 + 2 > bool 2', 1],
    ['2 * -3 ^ 2', -18],
    ['1 - -1', 2],
  ];
  for (const [input, want] of cases) assert.equal(evalScalar(parse(input)), want, input);
});
