/**
 * The residual executor: runs whatever part of the plan the store did not take, over rows
 * held in memory (value arrays in plan column order). Also the whole plan when pushdown is
 * off, which is what the pushdown on/off test compares against.
 * Two phases: every store fragment (anywhere, subqueries included) is fetched first, then the
 * operators run synchronously, so a correlated subquery can run once per outer row.
 */
import type { Value } from '../../storage-adapters/fragment.ts';
import type { StorageAdapter, PlanFragment } from '../../storage-adapters/adapter.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { type Plan, type PlanKind, outputsOf, planExprs, walkExpr, type OutputColumn } from '../sql/plan.ts';
import { compileExpr, columnIndex, type TagLookup, type RowFn, type CompileEnv } from './eval.ts';
import { createAccumulator } from '../sql/aggregates.ts';
import { compareValues, normalizeInt } from '../sql/values.ts';

export interface ExecContext {
  adapter: StorageAdapter;
  tags: TagLookup;
  signal?: AbortSignal;
  /** Throws when the query ran out of time or was cancelled. */
  checkpoint(): void;
  /** Most rows one store fragment may return (0 = no cap); more is SQLSTATE 54000. */
  maxRows?: number;
}

type Rows = Value[][];
interface RunState { ctx: ExecContext; fetched: Map<Plan, Rows>; params: readonly Value[] }
type Runner<K extends PlanKind> = (p: Extract<Plan, { kind: K }>, s: RunState) => Rows;

function env(plan: Plan, s: RunState): CompileEnv {
  return {
    columns: columnIndex(outputsOf(plan).map((c) => c.name)),
    tags: s.ctx.tags,
    params: s.params,
    runSubquery: (sub, params) => run(sub as Plan, { ...s, params }),
  };
}

const RUNNERS: { [K in PlanKind]: Runner<K> } = {
  scan: (p, s) => s.fetched.get(p)!,
  remote: (p, s) => s.fetched.get(p)!,
  filter(p, s) {
    const rows = run(p.input, s);
    const pred = compileExpr(p.predicate, env(p.input, s));
    return rows.filter((r) => pred(r) === true);
  },
  project(p, s) {
    const rows = run(p.input, s);
    const fns = p.columns.map((c) => compileExpr(c.expr, env(p.input, s)));
    return rows.map((r) => fns.map((f) => f(r)));
  },
  aggregate(p, s) {
    const rows = run(p.input, s);
    const e = env(p.input, s);
    const keys = p.groups.map((g) => compileExpr(g.expr, e));
    const aggs = p.aggregates.map((a) => ({
      call: a.call,
      args: a.call.args.map((x) => compileExpr(x, e)),
      filter: a.call.filter ? compileExpr(a.call.filter, e) : null,
    }));
    const groups = new Map<string, { key: Value[]; accs: ReturnType<typeof createAccumulator>[] }>();
    for (const r of rows) {
      const key = keys.map((k) => k(r));
      const id = keys.length ? rowKey(key) : '';
      let g = groups.get(id);
      if (!g) { g = { key, accs: aggs.map((a) => createAccumulator(a.call)) }; groups.set(id, g); }
      for (let i = 0; i < aggs.length; i++) {
        const a = aggs[i]!;
        if (a.filter && a.filter(r) !== true) continue;
        g.accs[i]!.step(a.args.map((f) => f(r)));
      }
    }
    // An aggregate without GROUP BY answers one row even over no input.
    if (keys.length === 0 && groups.size === 0) groups.set('', { key: [], accs: aggs.map((a) => createAccumulator(a.call)) });
    return [...groups.values()].map((g) => [...g.key, ...g.accs.map((a) => a.result())]);
  },
  sort(p, s) {
    const rows = run(p.input, s);
    const e = env(p.input, s);
    const keys = p.keys.map((k) => ({ f: compileExpr(k.expr, e), desc: k.descending, nullsFirst: k.nullsFirst }));
    const decorated = rows.map((r, i) => ({ r, i, k: keys.map((k) => k.f(r)) }));
    decorated.sort((a, b) => {
      for (let j = 0; j < keys.length; j++) {
        const c = compareSortValues(a.k[j]!, b.k[j]!, keys[j]!.desc, keys[j]!.nullsFirst);
        if (c !== 0) return c;
      }
      return a.i - b.i;
    });
    return decorated.map((d) => d.r);
  },
  limit(p, s) {
    const rows = run(p.input, s);
    return rows.slice(p.offset, p.limit === null ? undefined : p.offset + p.limit);
  },
  distinct(p, s) {
    const seen = new Set<string>();
    return run(p.input, s).filter((r) => {
      const k = rowKey(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  union: (p, s) => p.inputs.flatMap((i) => run(i, s)),
  window(p, s) {
    const rows = run(p.input, s);
    const e = env(p.input, s);
    const out = rows.map((r) => [...r]);
    for (const w of p.functions) {
      const parts = w.partition.map((x) => compileExpr(x, e));
      const keys = w.order.map((k) => ({ f: compileExpr(k.expr, e), desc: k.descending, nullsFirst: k.nullsFirst }));
      const groups = new Map<string, number[]>();
      rows.forEach((r, i) => {
        const id = rowKey(parts.map((f) => f(r)));
        const g = groups.get(id);
        if (g) g.push(i); else groups.set(id, [i]);
      });
      for (const idx of groups.values()) {
        const k = new Map(idx.map((i) => [i, keys.map((x) => x.f(rows[i]!))]));
        const cmp = (a: number, b: number): number => {
          for (let j = 0; j < keys.length; j++) {
            const c = compareSortValues(k.get(a)![j]!, k.get(b)![j]!, keys[j]!.desc, keys[j]!.nullsFirst);
            if (c) return c;
          }
          return 0;
        };
        const sorted = [...idx].sort((a, b) => cmp(a, b) || a - b);
        let rank = 0, dense = 0;
        sorted.forEach((i, n) => {
          const tie = n > 0 && cmp(sorted[n - 1]!, i) === 0;
          if (!tie) { rank = n + 1; dense++; }
          out[i]!.push(w.fn === 'row_number' ? n + 1 : w.fn === 'rank' ? rank : dense);
        });
      }
    }
    return out;
  },
  values: (p) => p.rows.map((r) => [...r]),
  join(p, s) {
    const left = run(p.left, s);
    const right = run(p.right, s);
    const width = outputsOf(p.right).length;
    const on: RowFn | null = p.on ? compileExpr(p.on, env(p, s)) : null;
    const out: Rows = [];
    for (const l of left) {
      let matched = false;
      for (const r of right) {
        const row = [...l, ...r];
        if (!on || on(row) === true) { out.push(row); matched = true; }
      }
      if (!matched && p.join === 'left') out.push([...l, ...new Array<Value>(width).fill(null)]);
      s.ctx.checkpoint();
    }
    return out;
  },
};

function rowKey(r: Value[]): string {
  return JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
}

/** NULLs sort by the key's NULLS FIRST/LAST; other values by type order, reversed for DESC. */
export function compareSortValues(a: Value, b: Value, desc: boolean, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compareValues(a, b);
  return desc ? -c : c;
}

function run(plan: Plan, s: RunState): Rows {
  s.ctx.checkpoint();
  return (RUNNERS[plan.kind] as (p: Plan, s: RunState) => Rows)(plan, s);
}

/** Every store read of a plan, subqueries included. */
function leaves(plan: Plan, out: Plan[] = []): Plan[] {
  if (plan.kind === 'scan' || plan.kind === 'remote') { out.push(plan); return out; }
  for (const e of planExprs(plan)) for (const x of walkExpr(e)) if (x.kind === 'subquery') leaves(x.plan as Plan, out);
  switch (plan.kind) {
    case 'filter': case 'project': case 'aggregate': case 'sort': case 'limit': case 'distinct': case 'window': leaves(plan.input, out); break;
    case 'union': for (const i of plan.inputs) leaves(i, out); break;
    case 'join': leaves(plan.left, out); leaves(plan.right, out); break;
    default: break;
  }
  return out;
}

export async function execute(plan: Plan, ctx: ExecContext): Promise<Rows> {
  const fetched = new Map<Plan, Rows>();
  for (const leaf of leaves(plan)) {
    if (fetched.has(leaf)) continue;
    const fragment: PlanFragment = leaf.kind === 'remote' ? leaf.fragment : { table: (leaf as Extract<Plan, { kind: 'scan' }>).table, columns: (leaf as Extract<Plan, { kind: 'scan' }>).columns, filters: [] };
    fetched.set(leaf, await fetchRows(fragment, outputsOf(leaf), ctx));
  }
  return run(plan, { ctx, fetched, params: [] });
}

/** Store rows → planner values: timestamps as µs numbers, int64 as number when exact. */
async function fetchRows(fragment: PlanFragment, columns: OutputColumn[], ctx: ExecContext): Promise<Rows> {
  const out: Rows = [];
  const convert = columns.map((c) => CONVERT[c.type]);
  for await (const batch of ctx.adapter.execute(fragment, { signal: ctx.signal })) {
    for (const row of batch.rows) out.push(row.map((v, i) => (v === null || v === undefined ? null : convert[i]!(v))));
    if (ctx.maxRows && out.length > ctx.maxRows) {
      throw new QueryError(SQLSTATE.programLimitExceeded, `query reads more than the row limit of ${ctx.maxRows} from the store`, { hint: 'Narrow the time range or filter by tags.' });
    }
    ctx.checkpoint();
  }
  return out;
}

const CONVERT: Record<OutputColumn['type'], (v: unknown) => Value> = {
  int: (v) => (typeof v === 'bigint' ? normalizeInt(v) : typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : normalizeInt(BigInt(String(v)))),
  float: (v) => Number(v),
  text: (v) => String(v),
  bool: (v) => Boolean(v),
  timestamp: (v) => (typeof v === 'bigint' ? Number(v) : v instanceof Date ? v.getTime() * 1000 : Number(v)),
  interval: (v) => Number(v),
  null: () => null,
};
