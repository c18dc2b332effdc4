/**
 * Splits a plan into the fragment the store runs and the residual the querier runs
 * (Calcite's "return what you could not do"). The fragment is the largest bottom part of a
 * single-table branch that fits one SELECT block and the adapter's capabilities; a filter the
 * store can only partly run is split by conjunct.
 */
import type { Expr } from '../../storage-adapters/fragment.ts';
import type { Capabilities, PlanFragment } from '../../storage-adapters/adapter.ts';
import { type Plan, outputsOf } from '../sql/plan.ts';
import { pushability, type Pushability } from './pushable.ts';

/** Position of the last clause filled in a fragment's SELECT block. */
const enum Stage { Scan, Where, Aggregate, Having, Select, Distinct, Order, Limit }
interface Lowered { fragment: PlanFragment; stage: Stage }

function lower(plan: Plan, p: Pushability): Lowered | null {
  switch (plan.kind) {
    case 'scan': return { fragment: { table: plan.table, columns: plan.columns, filters: [] }, stage: Stage.Scan };
    case 'filter': {
      const below = lower(plan.input, p);
      if (!below || !p.caps.filter || !p.expr(plan.predicate)) return null;
      const f = below.fragment;
      if (below.stage <= Stage.Where) return { fragment: { ...f, where: f.where ? and(f.where, plan.predicate) : plan.predicate }, stage: Stage.Where };
      if (below.stage === Stage.Aggregate) return { fragment: { ...f, having: plan.predicate }, stage: Stage.Having };
      return null;
    }
    case 'aggregate': {
      const below = lower(plan.input, p);
      if (!below || below.stage > Stage.Where || !p.caps.aggregate) return null;
      if (!plan.groups.every((g) => p.expr(g.expr)) || !plan.aggregates.every((a) => p.aggregate(a.call))) return null;
      return { fragment: { ...below.fragment, groupBy: plan.groups, aggregates: plan.aggregates }, stage: Stage.Aggregate };
    }
    case 'project': {
      const below = lower(plan.input, p);
      if (!below || below.stage >= Stage.Select || !plan.columns.every((c) => p.expr(c.expr))) return null;
      return { fragment: { ...below.fragment, select: plan.columns }, stage: Stage.Select };
    }
    case 'distinct': {
      const below = lower(plan.input, p);
      if (!below || below.stage >= Stage.Distinct || !p.caps.aggregate) return null;
      return { fragment: { ...below.fragment, distinct: true }, stage: Stage.Distinct };
    }
    case 'sort': {
      const below = lower(plan.input, p);
      if (!below || below.stage >= Stage.Order || !p.caps.orderLimit || !plan.keys.every((k) => p.expr(k.expr))) return null;
      return { fragment: { ...below.fragment, sort: plan.keys }, stage: Stage.Order };
    }
    case 'limit': {
      const below = lower(plan.input, p);
      if (!below || below.stage >= Stage.Limit || !p.caps.orderLimit) return null;
      // Without ORDER BY any rows are a correct answer; the store picks them.
      return { fragment: { ...below.fragment, limit: plan.limit ?? undefined, offset: plan.offset || undefined }, stage: Stage.Limit };
    }
    default: return null;
  }
}

function and(a: Expr, b: Expr): Expr {
  return { kind: 'call', fn: 'and', args: [a, b], type: 'bool' };
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === 'call' && e.fn === 'and' ? e.args.flatMap(conjuncts) : [e];
}

export function splitPlan(plan: Plan, caps: Capabilities): Plan {
  return split(plan, pushability(caps));
}

function split(plan: Plan, p: Pushability): Plan {
  const whole = lower(plan, p);
  if (whole) return { kind: 'remote', fragment: whole.fragment, columns: outputsOf(plan) };
  switch (plan.kind) {
    case 'filter': {
      // Push the conjuncts the store can run; keep the rest here.
      const parts = conjuncts(plan.predicate);
      const down = parts.filter((c) => p.caps.filter && p.expr(c));
      const up = parts.filter((c) => !down.includes(c));
      if (down.length && up.length) {
        const pushed: Plan = { kind: 'filter', input: plan.input, predicate: down.reduce(and) };
        if (lower(pushed, p)) return { kind: 'filter', input: split(pushed, p), predicate: up.reduce(and) };
      }
      return { ...plan, input: split(plan.input, p) };
    }
    case 'project': case 'aggregate': case 'sort': case 'limit': case 'distinct': case 'window':
      return { ...plan, input: split(plan.input, p) } as Plan;
    case 'union': return { ...plan, inputs: plan.inputs.map((i) => split(i, p)) };
    case 'join': return { ...plan, left: split(plan.left, p), right: split(plan.right, p) };
    default: return plan;
  }
}
