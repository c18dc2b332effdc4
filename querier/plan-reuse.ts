/**
 * What the engine keeps between runs of the same statement text (per search path), so a
 * dashboard's repeated query or a pooled client's `SELECT 1` skips work whose outcome cannot
 * have changed since the last run:
 * - the bound plan, unless binding read the clock (now(), current_timestamp, ...: a plan
 *   holds the time as a literal, so it is only right for the instant it was bound) — the
 *   "volatile" case, bound afresh every run;
 * - the physical plan, unless the statement names tags (their dictionaries grow as data
 *   arrives) or has `IN (SELECT ...)` lists (materialized from the store each run);
 * - the answer itself, when the physical plan reads no store at all (constants, the static
 *   catalogs): such a plan is a pure function of the text, parameters and search path.
 * Errors are never kept: a statement that failed runs again in full.
 */
import type { Expr, Value } from '../storage-adapters/fragment.ts';
import type { BoundQuery } from './sql/bind-select.ts';
import type { QueryResult } from './engine.ts';
import { type Plan, planExprs, walkExpr } from './sql/plan.ts';

/** Answers with more rows than this are not kept (memory; such queries are rare and slow anyway). */
export const MAX_KEPT_ROWS = 1000;


/** The reusable work of one statement for one set of parameter values. */
export interface StatementReuse {
  /** `paramsKey` of the values this was bound with. */
  readonly params: string;
  readonly bound: BoundQuery;
  /** The plan as it runs (see `QueryEngine.physical`), when it depends on nothing but the bound plan. */
  physical?: Plan;
  /** The whole answer, when `physical` reads no store. */
  answer?: QueryResult;
}

/**
 * A key that tells parameter value lists apart, types included (`1` the number, `1n` the
 * bigint and `'1'` the text bind to different literals).
 */
export function paramsKey(params: readonly Value[]): string {
  if (params.length === 0) return '';
  let key = '';
  for (const p of params) {
    const t = p === null ? 'n' : typeof p === 'string' ? 's' : typeof p === 'number' ? 'f' : typeof p === 'bigint' ? 'i' : typeof p === 'boolean' ? 'b' : 'o';
    const v = p === null ? '' : String(p);
    key += `${t}${v.length}:${v}`;
  }
  return key;
}

/** Whether running the plan touches the store (a scan or a store fragment anywhere, subqueries included). */
export function readsStore(plan: Plan): boolean {
  return hasStoreLeaf(plan) || planExprs(plan).some(exprReadsStore);
}

function hasStoreLeaf(plan: Plan): boolean {
  return plan.kind === 'scan' || plan.kind === 'remote' || inputsOf(plan).some(hasStoreLeaf);
}

function exprReadsStore(e: Expr): boolean {
  for (const x of walkExpr(e)) if (x.kind === 'subquery' && readsStore(x.plan as Plan)) return true;
  return false;
}

function inputsOf(plan: Plan): Plan[] {
  switch (plan.kind) {
    case 'union': return plan.inputs;
    case 'join': return [plan.left, plan.right];
    case 'scan': case 'remote': case 'values': return [];
    default: return [plan.input];
  }
}

/** A copy of a kept answer the caller may change (rows are cut to a limit in place, for one). */
export function copyAnswer(a: QueryResult): QueryResult {
  return { columns: a.columns, rows: a.rows.map((r) => r.slice()), notices: a.notices.slice(), command: a.command };
}
