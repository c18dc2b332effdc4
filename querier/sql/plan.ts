/**
 * The bound logical plan: relational nodes over typed expressions (storage-adapters/fragment.ts).
 * The binder builds it, tag translation rewrites tag predicates into ID sets, the pushdown
 * split hands its bottom to the store (`remote`), and the executor runs the rest.
 */
import type { AggregateCall, Expr, NamedExpr, SortKey, SqlType, Value } from '../../storage-adapters/fragment.ts';
import type { PlanFragment } from '../../storage-adapters/adapter.ts';
import type { TableDef, ColumnType } from '../../schema/index.ts';

export interface OutputColumn { name: string; type: SqlType }

export type Plan =
  /** Stored columns of one table (names as in schema/, e.g. `pod_id_1`). */
  | { kind: 'scan'; table: TableDef; columns: string[] }
  | { kind: 'filter'; input: Plan; predicate: Expr }
  | { kind: 'project'; input: Plan; columns: NamedExpr[] }
  /** Output: the groups, then the aggregates. */
  | { kind: 'aggregate'; input: Plan; groups: NamedExpr[]; aggregates: Array<{ name: string; call: AggregateCall }> }
  | { kind: 'sort'; input: Plan; keys: SortKey[] }
  | { kind: 'limit'; input: Plan; limit: number | null; offset: number }
  | { kind: 'distinct'; input: Plan }
  /** UNION ALL of inputs with the same column count; names from the first. */
  | { kind: 'union'; inputs: Plan[] }
  /** Constant rows (SELECT without FROM, catalog answers). */
  | { kind: 'values'; columns: OutputColumn[]; rows: Value[][] }
  /** Rows of a fragment the store runs; `columns` are its outputs with their SQL types. */
  | { kind: 'remote'; fragment: PlanFragment; columns: OutputColumn[] }
  | { kind: 'join'; join: 'inner' | 'left' | 'cross'; left: Plan; right: Plan; on: Expr | null }
  /** Ranking window functions; output: the input columns, then one column per function. */
  | { kind: 'window'; input: Plan; functions: WindowFunction[] };

export interface WindowFunction { name: string; fn: 'row_number' | 'rank' | 'dense_rank'; partition: Expr[]; order: SortKey[] }
export type PlanKind = Plan['kind'];

/** Storage type → the SQL type the planner reasons in. */
export function sqlTypeOf(t: ColumnType): SqlType {
  switch (t) {
    case 'timestamp': return 'timestamp';
    case 'float64': return 'float';
    case 'bool': return 'bool';
    case 'string': return 'text';
    default: return 'int';
  }
}

const OUTPUTS: { [K in PlanKind]: (p: Extract<Plan, { kind: K }>) => OutputColumn[] } = {
  scan: (p) => p.columns.map((name) => ({ name, type: sqlTypeOf(p.table.columns.find((c) => c.name === name)!.type) })),
  filter: (p) => outputsOf(p.input),
  project: (p) => p.columns.map((c) => ({ name: c.name, type: c.expr.type })),
  aggregate: (p) => [...p.groups.map((g) => ({ name: g.name, type: g.expr.type })), ...p.aggregates.map((a) => ({ name: a.name, type: a.call.type }))],
  sort: (p) => outputsOf(p.input),
  limit: (p) => outputsOf(p.input),
  distinct: (p) => outputsOf(p.input),
  union: (p) => outputsOf(p.inputs[0]!),
  values: (p) => p.columns,
  remote: (p) => p.columns,
  join: (p) => [...outputsOf(p.left), ...outputsOf(p.right)],
  window: (p) => [...outputsOf(p.input), ...p.functions.map((f) => ({ name: f.name, type: 'int' as const }))],
};

export function outputsOf(plan: Plan): OutputColumn[] {
  return (OUTPUTS[plan.kind] as (p: Plan) => OutputColumn[])(plan);
}

/** Expressions: structural equality (GROUP BY matching, ORDER BY reuse). */
export function sameExpr(a: Expr, b: Expr): boolean {
  return JSON.stringify(a, bigintSafe) === JSON.stringify(b, bigintSafe);
}
function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `${v}n` : v;
}

/** Every sub-expression, parents first. */
export function* walkExpr(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case 'call': for (const a of e.args) yield* walkExpr(a); break;
    case 'case': for (const w of e.whens) { yield* walkExpr(w.when); yield* walkExpr(w.then); } if (e.else) yield* walkExpr(e.else); break;
    case 'cast': case 'tag': yield* walkExpr(e.arg); break;
    case 'subquery': for (const a of e.args) yield* walkExpr(a); break;
    default: break;
  }
}

/** Rebuilds an expression bottom-up through `f` (which may return the node unchanged). */
export function mapExpr(e: Expr, f: (e: Expr) => Expr): Expr {
  switch (e.kind) {
    case 'call': return f({ ...e, args: e.args.map((a) => mapExpr(a, f)) });
    case 'case': return f({ ...e, whens: e.whens.map((w) => ({ when: mapExpr(w.when, f), then: mapExpr(w.then, f) })), else: e.else ? mapExpr(e.else, f) : null });
    case 'cast': case 'tag': return f({ ...e, arg: mapExpr(e.arg, f) } as Expr);
    case 'subquery': return f({ ...e, args: e.args.map((a) => mapExpr(a, f)) });
    default: return f(e);
  }
}

export const col = (name: string, type: SqlType): Expr => ({ kind: 'column', name, type });
export const lit = (value: Value, type: SqlType): Expr => ({ kind: 'literal', value, type });

/** Rewrites every expression of a plan (not descending into `remote`). */
export function mapPlanExprs(plan: Plan, f: (e: Expr) => Expr): Plan {
  const named = (xs: NamedExpr[]): NamedExpr[] => xs.map((x) => ({ name: x.name, expr: f(x.expr) }));
  const call = (c: AggregateCall): AggregateCall => ({ ...c, args: c.args.map(f), filter: c.filter ? f(c.filter) : null });
  switch (plan.kind) {
    case 'filter': return { ...plan, input: mapPlanExprs(plan.input, f), predicate: f(plan.predicate) };
    case 'project': return { ...plan, input: mapPlanExprs(plan.input, f), columns: named(plan.columns) };
    case 'aggregate': return { ...plan, input: mapPlanExprs(plan.input, f), groups: named(plan.groups), aggregates: plan.aggregates.map((a) => ({ name: a.name, call: call(a.call) })) };
    case 'sort': return { ...plan, input: mapPlanExprs(plan.input, f), keys: plan.keys.map((k) => ({ ...k, expr: f(k.expr) })) };
    case 'limit': case 'distinct': return { ...plan, input: mapPlanExprs(plan.input, f) } as Plan;
    case 'window': return { ...plan, input: mapPlanExprs(plan.input, f), functions: plan.functions.map((w) => ({ ...w, partition: w.partition.map(f), order: w.order.map((k) => ({ ...k, expr: f(k.expr) })) })) };
    case 'union': return { ...plan, inputs: plan.inputs.map((i) => mapPlanExprs(i, f)) };
    case 'join': return { ...plan, left: mapPlanExprs(plan.left, f), right: mapPlanExprs(plan.right, f), on: plan.on ? f(plan.on) : null };
    default: return plan;
  }
}

/** Every expression of a plan, for collecting tags and the like. */
export function planExprs(plan: Plan): Expr[] {
  const out: Expr[] = [];
  mapPlanExprs(plan, (e) => { out.push(e); return e; });
  return out;
}
