/**
 * The querier's pushed WHERE expression → the ColumnPredicates this store runs (tag tests in
 * InfluxQL, the rest in the reader). Only conjunctions of `column op literal`, IN lists of
 * literals and NULL tests have that form; `refusesCall` vetoes every other call, so the
 * planner keeps those conjuncts in the querier.
 */
import type { CallExpr, Expr, NamedExpr } from '../fragment.ts';
import { StoreError, type ColumnPredicate } from '../adapter.ts';

type Scalar = number | bigint | string | boolean;
const COMPARE: Record<string, '=' | '!=' | '<' | '<=' | '>' | '>='> = { '=': '=', '<>': '!=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' };
const FLIPPED: Record<string, string> = { '=': '=', '<>': '<>', '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

const scalar = (e: Expr | undefined): e is Extract<Expr, { kind: 'literal' }> & { value: Scalar } => e?.kind === 'literal' && e.value !== null;
const column = (e: Expr | undefined): e is Extract<Expr, { kind: 'column' }> => e?.kind === 'column';

/** One call as predicates, or undefined when it has no ColumnPredicate form. */
function callPredicates(e: CallExpr): ColumnPredicate[] | undefined {
  const [a, b] = e.args;
  if (e.fn === 'and') {
    const parts = e.args.map(wherePredicates);
    return parts.every((p) => p !== undefined) ? parts.flat() as ColumnPredicate[] : undefined;
  }
  if (e.fn in COMPARE && column(a) && scalar(b)) return [{ column: a.name, op: COMPARE[e.fn]!, value: b.value }];
  if (e.fn in COMPARE && scalar(a) && column(b)) return [{ column: b.name, op: COMPARE[FLIPPED[e.fn]!]!, value: a.value }];
  if ((e.fn === 'is_null' || e.fn === 'is_not_null') && column(a)) return [{ column: a.name, op: e.fn === 'is_null' ? 'is null' : 'is not null' }];
  if ((e.fn === 'in' || e.fn === 'not_in') && column(a) && e.args.slice(1).every((x) => scalar(x) && typeof x.value !== 'boolean')) {
    return [{ column: a.name, op: e.fn === 'in' ? 'in' : 'not in', values: e.args.slice(1).map((x) => (x as { value: number | bigint | string }).value) }];
  }
  return undefined;
}

export function wherePredicates(e: Expr): ColumnPredicate[] | undefined {
  if (e.kind === 'call') return callPredicates(e);
  if (e.kind === 'column') return [{ column: e.name, op: '=', value: true }];
  // FALSE/NULL (a tag value no row has): a test no row passes, run by the reader.
  if (e.kind === 'literal') return e.value === true ? [] : [{ column: 'time', op: 'in', values: [] }];
  return undefined;
}

/**
 * A pushed SELECT list of stored columns and literals (the planner pushes projections with
 * any store): the stored columns to read and how each output row is made from them.
 */
export function projection(select: NamedExpr[], stored: string[]): { columns: string[]; row(values: unknown[]): unknown[] } {
  const columns = [...new Set(select.flatMap((s) => (s.expr.kind === 'column' ? [s.expr.name] : [])))];
  const make = select.map((s): ((values: unknown[]) => unknown) => {
    const e = s.expr;
    if (e.kind === 'literal') return () => e.value;
    if (e.kind === 'column' && stored.includes(e.name)) { const i = columns.indexOf(e.name); return (v) => v[i]; }
    throw new StoreError(`InfluxDB cannot compute ${s.name}; the querier must`, 'influxdb', 'XX000');
  });
  return { columns, row: (values) => make.map((m) => m(values)) };
}

/** Vetoes calls without a predicate form (their arguments are checked on their own). */
export function refusesCall(e: CallExpr): boolean {
  return callPredicates(e) === undefined;
}
