/**
 * SELECT AST → logical plan, bound to schema/. Layers, bottom up:
 * FROM (scan | subquery | CTE | join) → WHERE → GROUP BY/aggregates → HAVING → SELECT list
 * (+ hidden ORDER BY columns) → DISTINCT → ORDER BY → LIMIT/OFFSET → drop hidden columns.
 * Plan columns get internal names (`_c0`, `_g0`, `_a0`); the user's column labels travel
 * beside the plan, since SQL allows duplicate labels.
 */
import type { AggregateCall, Expr, NamedExpr, SortKey, Value } from '../../storage-adapters/fragment.ts';
import { findTable, suggestTables, type TableDef } from '../../schema/index.ts';
import { QueryError, SQLSTATE } from '../errors.ts';
import { type Ast, identName, positionOf } from './parse.ts';
import { bindExpr, coerceTo, type AggregateCollector, type ExprContext, type OuterScope } from './bind-expr.ts';
import { tableScope, derivedScope, type Scope } from './scope.ts';
import { type Plan, type WindowFunction, outputsOf, sameExpr, walkExpr, col } from './plan.ts';
import { bucketWidthUs, timeRangeUs } from './time-window.ts';
import { findCatalogTable } from '../catalog/pg-catalog.ts';

export interface BindOptions {
  sql: string;
  /**
   * The statement's timestamp (µs) for now(), current_timestamp, ...; called only while
   * binding a statement that reads the clock, so a caller can tell which plans stay valid.
   */
  now(): number;
  /** Databases searched for unqualified table names (`flow_log`, ...). */
  searchPath: string[];
  params: Value[];
}

export interface BoundQuery {
  plan: Plan;
  /** Column labels the user sees, one per plan output column. */
  labels: string[];
}

interface Env { opts: BindOptions; ctes: Map<string, BoundQuery>; outer?: OuterScope }

export function bindQuery(ast: Ast, opts: BindOptions): BoundQuery {
  return bindSetOperation(ast, { opts, ctes: new Map() });
}

function bindSetOperation(ast: Ast, parent: Env): BoundQuery {
  const env: Env = { opts: parent.opts, ctes: new Map(parent.ctes), outer: parent.outer };
  for (const cte of (ast.with ?? []) as Ast[]) {
    const name = identName(cte.name);
    env.ctes.set(name, bindSetOperation(cte.stmt?.ast ?? cte.stmt, env));
  }
  if (!ast._next) return bindSelect(ast, env);
  // UNION [ALL]: node-sql-parser hangs the trailing ORDER BY/LIMIT on the last branch.
  const branches: Ast[] = [];
  const ops: string[] = [];
  for (let b: Ast = ast; b; b = b._next) { branches.push(b); if (b._next) ops.push(String(b.set_op ?? '').toLowerCase()); }
  if (ops.some((o) => o !== 'union all' && o !== 'union')) throw new QueryError(SQLSTATE.featureNotSupported, `${ops.find((o) => !o.startsWith('union'))?.toUpperCase()} is not supported; use UNION ALL`);
  const last = branches[branches.length - 1]!;
  const bound = branches.map((b) => bindSelect({ ...b, _next: undefined, orderby: b === last ? null : b.orderby, limit: b === last ? null : b.limit }, env));
  const width = bound[0]!.labels.length;
  if (bound.some((b) => b.labels.length !== width)) throw new QueryError(SQLSTATE.syntaxError, 'each UNION query must have the same number of columns');
  let plan: Plan = { kind: 'union', inputs: alignUnionTypes(bound.map((b) => b.plan)) };
  if (ops.includes('union')) plan = { kind: 'distinct', input: plan };
  const labels = bound[0]!.labels;
  plan = orderAndLimit(plan, labels, last, env);
  return { plan, labels };
}

/** Branches of a union agree on types: int meets float as float. */
function alignUnionTypes(plans: Plan[]): Plan[] {
  const outs = plans.map(outputsOf);
  const types = outs[0]!.map((_, i) => {
    const ts = outs.map((o) => o[i]!.type).filter((t) => t !== 'null');
    return ts.every((t) => t === ts[0]) ? (ts[0] ?? 'text') : ts.every((t) => t === 'int' || t === 'float') ? 'float' : ts[0]!;
  });
  return plans.map((p, k) => {
    if (outs[k]!.every((c, i) => c.type === types[i])) return p;
    return { kind: 'project', input: p, columns: outs[k]!.map((c, i) => ({ name: c.name, expr: c.type === types[i] ? col(c.name, c.type) : { kind: 'cast', arg: col(c.name, c.type), type: types[i]! } as Expr })) };
  });
}

/** ORDER BY / LIMIT over a finished result, by output label or position only (set operations). */
function orderAndLimit(plan: Plan, labels: string[], ast: Ast, env: Env): Plan {
  const outs = outputsOf(plan);
  if (ast.orderby?.length) {
    const keys = (ast.orderby as Ast[]).map((o) => {
      const i = o.expr?.type === 'number' ? Number(o.expr.value) - 1 : o.expr?.type === 'column_ref' ? labels.indexOf(identName(o.expr.column)) : -1;
      if (i < 0 || i >= outs.length) throw new QueryError(SQLSTATE.featureNotSupported, 'ORDER BY on a UNION result must name an output column or position');
      return sortKey(col(outs[i]!.name, outs[i]!.type), o);
    });
    plan = { kind: 'sort', input: plan, keys };
  }
  return applyLimit(plan, ast, env);
}

function sortKey(expr: Expr, o: Ast): SortKey {
  const descending = String(o.type ?? 'ASC').toUpperCase() === 'DESC';
  const nulls = String(o.nulls ?? '').toUpperCase();
  return { expr, descending, nullsFirst: nulls ? nulls.includes('FIRST') : descending };
}

function applyLimit(plan: Plan, ast: Ast, env: Env): Plan {
  const values = (ast.limit?.value ?? []) as Ast[];
  if (values.length === 0) return plan;
  const num = (a: Ast | undefined, what: string): number | null => {
    if (!a || a.type === 'origin') return null;
    const v = a.type === 'var' ? Number(env.opts.params[Number(a.name) - 1]) : Number(a.value);
    if (!Number.isInteger(v) || v < 0) throw new QueryError(SQLSTATE.invalidParameterValue, `${what} must not be negative`);
    return v;
  };
  const limit = num(values[0], 'LIMIT');
  const offset = ast.limit.seperator === 'offset' || ast.limit.seperator === ',' ? num(values[1], 'OFFSET') ?? 0 : 0;
  return { kind: 'limit', input: plan, limit, offset };
}

interface FromItem { plan: Plan; scope: Scope; finish(): void }

function bindFromItem(item: Ast, env: Env, index: number, multi: boolean): FromItem {
  const alias = item.as ? identName(item.as) : null;
  if (item.expr?.ast) {
    const sub = bindSetOperation(item.expr.ast, env);
    return derived(sub, alias ?? `subquery${index}`, index, multi);
  }
  const name = identName(item.table);
  const db = item.db ? identName(item.db) : null;
  if (!db && env.ctes.has(name)) return derived(env.ctes.get(name)!, alias ?? name, index, multi);
  const catalog = findCatalogTable(db, name);
  if (catalog) return derived({ plan: { kind: 'values', columns: catalog.columns, rows: catalog.rows() }, labels: catalog.columns.map((c) => c.name) }, alias ?? name, index, multi);
  const table = findTable(db ? `${db}.${name}` : name, env.opts.searchPath);
  if (!table) {
    const near = suggestTables(name);
    throw new QueryError(SQLSTATE.undefinedTable, `relation "${db ? `${db}.` : ''}${name}" does not exist`, {
      position: positionOf(env.opts.sql, name),
      hint: near.length ? `Perhaps you meant ${near.map((n) => `"${n}"`).join(', ')}.` : 'SHOW TABLES lists the tables.',
    });
  }
  return stored(table, alias, index, multi);
}

/** A stored table; with joins its columns are renamed `f<i>.<col>` so sides never clash. */
function stored(table: TableDef, alias: string | null, index: number, multi: boolean): FromItem {
  const scan: Extract<Plan, { kind: 'scan' }> = { kind: 'scan', table, columns: [] };
  const rename: NamedExpr[] = [];
  const prefix = multi ? `f${index}.` : '';
  const use = (c: string): void => {
    if (scan.columns.includes(c)) return;
    scan.columns.push(c);
    if (multi) rename.push({ name: prefix + c, expr: col(c, outputsOf({ ...scan, columns: [c] })[0]!.type) });
  };
  const inner = tableScope(table, alias, use);
  const scope: Scope = multi ? { ...inner, resolve: (n) => renameColumns(inner.resolve(n), prefix), star: () => inner.star().map((s) => ({ label: s.label, expr: renameColumns(s.expr, prefix)! })) } : inner;
  const plan: Plan = multi ? { kind: 'project', input: scan, columns: rename } : scan;
  return { plan, scope, finish: () => { if (scan.columns.length === 0) use(table.columns[0]!.name); } };
}

function renameColumns(e: Expr | undefined, prefix: string): Expr | undefined {
  if (!e || !prefix) return e;
  if (e.kind === 'column') return { ...e, name: prefix + e.name };
  if (e.kind === 'tag' || e.kind === 'cast') return { ...e, arg: renameColumns(e.arg, prefix)! } as Expr;
  return e;
}

function derived(sub: BoundQuery, alias: string, index: number, multi: boolean): FromItem {
  const outs = outputsOf(sub.plan);
  const prefix = multi ? `f${index}.` : '';
  const plan: Plan = multi ? { kind: 'project', input: sub.plan, columns: outs.map((o) => ({ name: prefix + o.name, expr: col(o.name, o.type) })) } : sub.plan;
  const scope = derivedScope(alias, outs.map((o, i) => ({ label: sub.labels[i]!, expr: col(prefix + o.name, o.type) })));
  return { plan, scope, finish: () => undefined };
}

function bindFrom(ast: Ast, env: Env, exprCtx: (scopes: Scope[], clause: string) => ExprContext): { plan: Plan; scopes: Scope[]; finish(): void } {
  const items = (ast.from ?? []) as Ast[];
  if (items.length === 0) return { plan: { kind: 'values', columns: [], rows: [[]] }, scopes: [], finish: () => undefined };
  const multi = items.length > 1;
  const bound = items.map((it, i) => bindFromItem(it, env, i, multi));
  let plan = bound[0]!.plan;
  const scopes = [bound[0]!.scope];
  for (let i = 1; i < items.length; i++) {
    const it = items[i]!;
    scopes.push(bound[i]!.scope);
    const kind = String(it.join ?? 'CROSS JOIN').toUpperCase();
    const join = kind.startsWith('LEFT') ? 'left' : kind.startsWith('INNER') || kind === 'JOIN' ? 'inner' : kind.startsWith('CROSS') ? 'cross' : null;
    if (!join) throw new QueryError(SQLSTATE.featureNotSupported, `${kind} is not supported; use INNER, LEFT or CROSS JOIN`);
    const on = it.on ? bindExpr(it.on, exprCtx([...scopes], 'JOIN conditions')) : null;
    if (it.using) throw new QueryError(SQLSTATE.featureNotSupported, 'JOIN ... USING is not supported; use ON');
    plan = { kind: 'join', join: on || join !== 'cross' ? join : 'cross', left: plan, right: bound[i]!.plan, on };
  }
  return { plan, scopes, finish: () => bound.forEach((b) => b.finish()) };
}

function labelOf(item: Ast, sql: string): string {
  if (item.as) {
    // The grammar drops the quotes of an alias; PostgreSQL folds unquoted aliases to lower case.
    const as = typeof item.as === 'string' ? item.as : identName(item.as);
    return sql.includes(`"${as}"`) ? as : as.toLowerCase();
  }
  const e = item.expr;
  if (e?.type === 'column_ref') return identName(e.column);
  if (e?.type === 'aggr_func') return String(e.name).toLowerCase();
  if (e?.type === 'function') { const n = e.name?.name?.[e.name.name.length - 1]; return String(n?.value ?? n ?? '?column?').toLowerCase(); }
  if (e?.type === 'cast') return e.expr?.type === 'column_ref' ? identName(e.expr.column) : labelOf({ expr: e.expr }, sql);
  if (e?.type === 'case') return 'case';
  if (e?.type === 'extract') return 'extract';
  return '?column?';
}

/** Collects aggregate calls of one SELECT, one output column per distinct call. */
class Aggregates implements AggregateCollector {
  readonly calls: Array<{ name: string; call: AggregateCall }> = [];
  constructor(private readonly window: () => number | undefined) {}
  add(call: AggregateCall): Expr {
    const found = this.calls.find((c) => JSON.stringify(c.call) === JSON.stringify(call));
    if (found) return col(found.name, call.type);
    const name = `_a${this.calls.length}`;
    this.calls.push({ name, call });
    return col(name, call.type);
  }
  timeWindowUs(): number | undefined { return this.window(); }
}

function bindSelect(ast: Ast, env: Env): BoundQuery {
  if (ast.type !== 'select') throw new QueryError(SQLSTATE.featureNotSupported, `${String(ast.type).toUpperCase()} is not supported inside a query`);
  const { opts } = env;
  const metricAgg = new Map<string, string>();
  const ctx = (scopes: Scope[], clause: string, aggregates?: AggregateCollector): ExprContext => ({
    sql: opts.sql, now: opts.now, scopes, clause, params: opts.params, aggregates,
    metricAggregation: (c) => metricAgg.get(c),
    outer: env.outer,
    bindSubquery: (sub, outer, exists) => {
      const bound = bindSetOperation(sub, { opts, ctes: env.ctes, outer });
      if (exists) return { kind: 'subquery', plan: bound.plan, args: outer.captures, type: 'bool', exists: true };
      const outs = outputsOf(bound.plan);
      if (outs.length !== 1) throw new QueryError(SQLSTATE.syntaxError, 'subquery must return only one column');
      return { kind: 'subquery', plan: bound.plan, args: outer.captures, type: outs[0]!.type };
    },
  });
  const from = bindFrom(ast, env, ctx);
  for (const s of ((ast.from ?? []) as Ast[])) {
    const t = s.table && !s.expr ? findTable(s.db ? `${identName(s.db)}.${identName(s.table)}` : identName(s.table), opts.searchPath) : undefined;
    for (const c of t?.columns ?? []) if (c.aggregation) metricAgg.set(c.name, c.aggregation);
  }
  let plan = from.plan;
  const where = ast.where ? bindExpr(ast.where, ctx(from.scopes, 'WHERE')) : null;
  if (where) plan = { kind: 'filter', input: plan, predicate: coerceTo(where, 'bool') };

  // SELECT list with * expanded.
  const items: Array<{ label: string; ast?: Ast; expr?: Expr }> = [];
  for (const it of (ast.columns ?? []) as Ast[]) {
    if (it.expr?.type === 'column_ref' && it.expr.column === '*') {
      const q = it.expr.table ? identName(it.expr.table) : null;
      const scopes = q ? from.scopes.filter((s) => s.qualifiers.includes(q)) : from.scopes;
      if (q && scopes.length === 0) throw new QueryError(SQLSTATE.undefinedTable, `missing FROM-clause entry for table "${q}"`, { position: positionOf(opts.sql, q) });
      for (const s of scopes) for (const c of s.star()) items.push({ label: c.label, expr: c.expr });
    } else items.push({ label: labelOf(it, opts.sql), ast: it.expr });
  }

  // GROUP BY: positions and output aliases name SELECT items; input columns win over aliases.
  const groupAsts = (ast.groupby?.columns ?? []) as Ast[];
  const inputCtx = ctx(from.scopes, 'GROUP BY');
  const groupExprs = groupAsts.map((g) => {
    if (g.type === 'number') {
      const item = items[Number(g.value) - 1];
      if (!item) throw new QueryError(SQLSTATE.syntaxError, `GROUP BY position ${g.value} is not in select list`);
      return item.expr ?? bindExpr(item.ast, inputCtx);
    }
    if (g.type === 'column_ref' && !g.table) {
      const name = identName(g.column);
      const isInput = from.scopes.some((s) => s.resolve(name) !== undefined);
      const byAlias = items.find((i) => i.label === name && i.ast);
      if (!isInput && byAlias) return bindExpr(byAlias.ast, inputCtx);
    }
    return bindExpr(g, inputCtx);
  });

  const aggregates = new Aggregates(() => bucketWidthUs(groupExprs) ?? timeRangeUs(where));
  const windows: WindowFunction[] = [];
  const selectCtx: ExprContext = {
    ...ctx(from.scopes, 'SELECT', aggregates),
    windows: {
      add(fn, w, c) {
        const spec = w.over?.as_window_specification?.window_specification ?? {};
        const partition = ((spec.partitionby ?? []) as Ast[]).map((x) => bindExpr(x.expr ?? x, c));
        const order = ((spec.orderby ?? []) as Ast[]).map((o) => sortKey(bindExpr(o.expr, c), o));
        const name = `_w${windows.length}`;
        windows.push({ name, fn: fn as WindowFunction['fn'], partition, order });
        return col(name, 'int');
      },
    },
  };
  let selectExprs = items.map((i) => i.expr ?? bindExpr(i.ast, selectCtx));
  let having = ast.having ? bindExpr(ast.having, ctx(from.scopes, 'HAVING', aggregates)) : null;

  // ORDER BY keys: output labels and positions first, then expressions over the input.
  const orderAsts = (ast.orderby ?? []) as Ast[];
  const orderRefs: Array<{ index: number } | { expr: Expr }> = orderAsts.map((o) => {
    if (o.expr?.type === 'number') {
      const i = Number(o.expr.value) - 1;
      if (i < 0 || i >= items.length) throw new QueryError(SQLSTATE.syntaxError, `ORDER BY position ${o.expr.value} is not in select list`);
      return { index: i };
    }
    if (o.expr?.type === 'column_ref' && !o.expr.table) {
      const name = identName(o.expr.column);
      const matches = items.map((it, i) => (it.label === name ? i : -1)).filter((i) => i >= 0);
      if (matches.length === 1) return { index: matches[0]! };
    }
    return { expr: bindExpr(o.expr, ctx(from.scopes, 'ORDER BY', aggregates)) };
  });

  from.finish();
  const grouped = groupExprs.length > 0 || aggregates.calls.length > 0 || having !== null;
  if (grouped) {
    const { groups, substitute } = groupKeys(groupExprs);
    plan = { kind: 'aggregate', input: plan, groups, aggregates: aggregates.calls };
    const allowed = new Set([...groups.map((g) => g.name), ...aggregates.calls.map((a) => a.name), ...windows.map((w) => w.name)]);
    const fix = (e: Expr, clause: string): Expr => checkGrouped(substitute(e), allowed, clause, opts.sql);
    selectExprs = selectExprs.map((e) => fix(e, 'SELECT'));
    if (having) having = fix(having, 'HAVING');
    for (const r of orderRefs) if ('expr' in r) r.expr = fix(r.expr, 'ORDER BY');
    for (const w of windows) { w.partition = w.partition.map((e) => fix(e, 'PARTITION BY')); w.order = w.order.map((k) => ({ ...k, expr: fix(k.expr, 'window ORDER BY') })); }
  }
  if (having) plan = { kind: 'filter', input: plan, predicate: having };
  if (windows.length) plan = { kind: 'window', input: plan, functions: windows };

  const columns: NamedExpr[] = selectExprs.map((expr, i) => ({ name: `_c${i}`, expr }));
  const keys: SortKey[] = orderRefs.map((r, k) => {
    if ('index' in r) return sortKey(col(`_c${r.index}`, selectExprs[r.index]!.type), orderAsts[k]);
    const same = columns.findIndex((c) => sameExpr(c.expr, r.expr));
    if (same >= 0) return sortKey(col(columns[same]!.name, r.expr.type), orderAsts[k]);
    if (ast.distinct?.type) throw new QueryError(SQLSTATE.syntaxError, 'for SELECT DISTINCT, ORDER BY expressions must appear in select list');
    const name = `_o${k}`;
    columns.push({ name, expr: r.expr });
    return sortKey(col(name, r.expr.type), orderAsts[k]);
  });
  plan = { kind: 'project', input: plan, columns };
  if (ast.distinct?.type) plan = { kind: 'distinct', input: plan };
  if (keys.length) plan = { kind: 'sort', input: plan, keys };
  plan = applyLimit(plan, ast, env);
  if (columns.length > selectExprs.length) {
    plan = { kind: 'project', input: plan, columns: columns.slice(0, selectExprs.length).map((c) => ({ name: c.name, expr: col(c.name, c.expr.type) })) };
  }
  return { plan, labels: items.map((i) => i.label) };
}

/**
 * Group keys, and how expressions above the aggregate refer to them. A tag shown by name
 * groups by its code (`pod_1` → `pod_id_1`), decoded after aggregation: fewer, smaller keys
 * for the store, and names are looked up once per group.
 */
function groupKeys(exprs: Expr[]): { groups: NamedExpr[]; substitute: (e: Expr) => Expr } {
  const groups: NamedExpr[] = [];
  const matches: Array<{ match: Expr; replace: Expr }> = [];
  exprs.forEach((e, i) => {
    const name = `_g${i}`;
    if (e.kind === 'tag' && e.tag.kind !== 'custom') {
      groups.push({ name, expr: e.arg });
      matches.push({ match: e, replace: { ...e, arg: col(name, e.arg.type) } }, { match: e.arg, replace: col(name, e.arg.type) });
    } else {
      groups.push({ name, expr: e });
      matches.push({ match: e, replace: col(name, e.type) });
    }
  });
  const substitute = (e: Expr): Expr => {
    const m = matches.find((x) => sameExpr(x.match, e));
    if (m) return m.replace;
    switch (e.kind) {
      case 'call': return { ...e, args: e.args.map(substitute) };
      case 'case': return { ...e, whens: e.whens.map((w) => ({ when: substitute(w.when), then: substitute(w.then) })), else: e.else ? substitute(e.else) : null };
      case 'cast': case 'tag': return { ...e, arg: substitute(e.arg) } as Expr;
      default: return e;
    }
  };
  return { groups, substitute };
}

function checkGrouped(e: Expr, allowed: Set<string>, clause: string, sql: string): Expr {
  for (const x of walkExpr(e)) {
    if (x.kind === 'column' && !allowed.has(x.name)) {
      const shown = x.name.replace(/^f\d+\./, '');
      throw new QueryError(SQLSTATE.groupingError, `column "${shown}" must appear in the GROUP BY clause or be used in an aggregate function`, {
        position: positionOf(sql, shown.replace(/_id(_[01])?$/, '$1')) ?? positionOf(sql, shown),
        hint: `${clause} may only use grouped columns and aggregates.`,
      });
    }
  }
  return e;
}

