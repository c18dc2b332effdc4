/**
 * Scalar arithmetic over number literals only, for tests that check operator grouping through
 * values (our tree evaluated here vs the same text evaluated by Prometheus or by hand).
 */
import type { Expr } from '../../ast.ts';

export function evalScalar(e: Expr): number {
  switch (e.kind) {
    case 'NumberLiteral': return e.value;
    case 'ParenExpr': return evalScalar(e.expr);
    case 'UnaryExpr': return e.op === '-' ? -evalScalar(e.expr) : evalScalar(e.expr);
    case 'BinaryExpr': {
      const a = evalScalar(e.lhs);
      const b = evalScalar(e.rhs);
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return a / b;
        case '%': return a % b;
        case '^': return a ** b;
        case 'atan2': return Math.atan2(a, b);
        case '==': return +(a === b);
        case '!=': return +(a !== b);
        case '<': return +(a < b);
        case '>': return +(a > b);
        case '<=': return +(a <= b);
        case '>=': return +(a >= b);
        default: throw new Error(`not a scalar operator: ${e.op}`);
      }
    }
    default: throw new Error(`not scalar arithmetic: ${e.kind}`);
  }
}
