/**
 * The residual executor: runs whatever part of the plan the store did not take, over rows
 * held in memory (value arrays in plan column order). Also the whole plan when pushdown is
 * off, which is what the pushdown on/off test compares against.
 */
import type { Value } from '../../storage-adapters/fragment.ts';
import type { StorageAdapter, PlanFragment } from '../../storage-adapters/adapter.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { type Plan, type PlanKind, outputsOf, type OutputColumn } from '../sql/plan.ts';
import { compileExpr, columnIndex, type TagLookup, type RowFn } from './eval.ts';
import { createAccumulator } from '../sql/aggregates.ts';
import { compareValues, normalizeInt } from '../sql/values.ts';

export interface ExecContext {
  adapter: StorageAdapter;
  tags: TagLookup;
  signal?: AbortSignal;
  /** Throws when the query ran out of time or rows (called between batches). */
  checkpoint(): void;
  /** Most rows one store fragment may return (0 = no cap); more is SQLSTATE 54000. */
  maxRows?: number;
}

type Rows = Value[][];
type Runner<K extends PlanKind> = (p: Extract<Plan, { kind: K }>, ctx: ExecContext) => Promise<Rows>;

function env(plan: Plan, ctx: ExecContext) {
  return { columns: columnIndex(outputsOf(plan).map((c) => c.name)), tags: ctx.tags };
}

const RUNNERS: { [K in PlanKind]: Runner<K> } = {
  async scan(p, ctx) {
    const fragment: PlanFragment = { table: p.table, columns: p.columns, filters: [] };
    return runRemote(fragment, outputsOf(p), ctx);
  },
  async remote(p, ctx) {
    return runRemote(p.fragment, p.columns, ctx);
  },
  async filter(p, ctx) {
    const rows = await execute(p.input, ctx);
    const pred = compileExpr(p.predicate, env(p.input, ctx));
    return rows.filter((r) => pred(r) === true);
  },
  async project(p, ctx) {
    const rows = await execute(p.input, ctx);
    const fns = p.columns.map((c) => compileExpr(c.expr, env(p.input, ctx)));
    return rows.map((r) => fns.map((f) => f(r)));
  },
  async aggregate(p, ctx) {
    const rows = await execute(p.input, ctx);
    const e = env(p.input, ctx);
    const keys = p.groups.map((g) => compileExpr(g.expr, e));
    const aggs = p.aggregates.map((a) => ({
      call: a.call,
      args: a.call.args.map((x) => compileExpr(x, e)),
      filter: a.call.filter ? compileExpr(a.call.filter, e) : null,
    }));
    const groups = new Map<string, { key: Value[]; accs: ReturnType<typeof createAccumulator>[] }>();
    for (const r of rows) {
      const key = keys.map((k) => k(r));
      const id = keys.length ? JSON.stringify(key, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) : '';
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
  async sort(p, ctx) {
    const rows = await execute(p.input, ctx);
    const e = env(p.input, ctx);
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
  async limit(p, ctx) {
    const rows = await execute(p.input, ctx);
    return rows.slice(p.offset, p.limit === null ? undefined : p.offset + p.limit);
  },
  async distinct(p, ctx) {
    const rows = await execute(p.input, ctx);
    const seen = new Set<string>();
    return rows.filter((r) => {
      const k = JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  },
  async union(p, ctx) {
    const parts: Rows[] = [];
    for (const input of p.inputs) parts.push(await execute(input, ctx));
    return parts.flat();
  },
  async values(p) {
    return p.rows.map((r) => [...r]);
  },
  async join(p, ctx) {
    const left = await execute(p.left, ctx);
    const right = await execute(p.right, ctx);
    const width = outputsOf(p.right).length;
    const on: RowFn | null = p.on ? compileExpr(p.on, env(p, ctx)) : null;
    const out: Rows = [];
    for (const l of left) {
      let matched = false;
      for (const r of right) {
        const row = [...l, ...r];
        if (!on || on(row) === true) { out.push(row); matched = true; }
      }
      if (!matched && p.join === 'left') out.push([...l, ...new Array<Value>(width).fill(null)]);
      ctx.checkpoint();
    }
    return out;
  },
};

/** NULLs sort by the key's NULLS FIRST/LAST; other values by type order, reversed for DESC. */
export function compareSortValues(a: Value, b: Value, desc: boolean, nullsFirst: boolean): number {
  if (a === null || b === null) {
    if (a === b) return 0;
    return (a === null) === nullsFirst ? -1 : 1;
  }
  const c = compareValues(a, b);
  return desc ? -c : c;
}

export async function execute(plan: Plan, ctx: ExecContext): Promise<Rows> {
  ctx.checkpoint();
  return (RUNNERS[plan.kind] as (p: Plan, c: ExecContext) => Promise<Rows>)(plan, ctx);
}

/** Store rows → planner values: timestamps as µs numbers, int64 as number when exact. */
async function runRemote(fragment: PlanFragment, columns: OutputColumn[], ctx: ExecContext): Promise<Rows> {
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

export { QueryError, SQLSTATE };
