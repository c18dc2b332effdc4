/**
 * EXPLAIN: the physical plan as indented lines, showing what the store runs (the fragment's
 * clauses) and what the querier runs on top, so users can see what was pushed down.
 */
import type { Expr } from '../../storage-adapters/fragment.ts';
import type { PlanFragment } from '../../storage-adapters/adapter.ts';
import type { Plan, PlanKind } from '../sql/plan.ts';

function expr(e: Expr): string {
  switch (e.kind) {
    case 'column': return e.name;
    case 'literal': return e.value === null ? 'NULL' : typeof e.value === 'string' ? `'${e.value}'` : String(e.value);
    case 'call': return /^\W+$|^(and|or|like|ilike|in)$/.test(e.fn) && e.args.length === 2 ? `(${expr(e.args[0]!)} ${e.fn} ${expr(e.args[1]!)})` : `${e.fn}(${e.args.map(expr).join(', ')})`;
    case 'case': return 'CASE …';
    case 'cast': return `${expr(e.arg)}::${e.type}`;
    case 'tag': return `name(${expr(e.arg)})`;
    case 'subquery': return '(subquery)';
    case 'param': return `$outer${e.index}`;
  }
}

function fragment(f: PlanFragment): string {
  const parts = [`${f.table.fullName}`];
  if (f.where) parts.push(`WHERE ${expr(f.where)}`);
  if (f.groupBy || f.aggregates) parts.push(`GROUP BY ${(f.groupBy ?? []).map((g) => expr(g.expr)).join(', ') || '()'}; ${(f.aggregates ?? []).map((a) => a.call.fn).join(', ')}`);
  if (f.having) parts.push(`HAVING ${expr(f.having)}`);
  if (f.select) parts.push(`SELECT ${f.select.map((c) => expr(c.expr)).join(', ')}`);
  if (f.distinct) parts.push('DISTINCT');
  if (f.orderBy) parts.push(`ORDER BY ${f.orderBy.map((o) => o.column + (o.desc ? ' DESC' : '')).join(', ')}`);
  if (f.sort) parts.push(`ORDER BY ${f.sort.map((k) => expr(k.expr) + (k.descending ? ' DESC' : '')).join(', ')}`);
  if (f.limit !== undefined) parts.push(`LIMIT ${f.limit}`);
  if (f.offset) parts.push(`OFFSET ${f.offset}`);
  return parts.join(' ');
}

const LINE: { [K in PlanKind]: (p: Extract<Plan, { kind: K }>) => string } = {
  scan: (p) => `Store: ${p.table.fullName} (${p.columns.join(', ')})`,
  remote: (p) => `Store: ${fragment(p.fragment)}`,
  filter: (p) => `Filter ${expr(p.predicate)}`,
  project: (p) => `Project ${p.columns.map((c) => expr(c.expr)).join(', ')}`,
  aggregate: (p) => `Aggregate by ${p.groups.map((g) => expr(g.expr)).join(', ') || '()'}: ${p.aggregates.map((a) => a.call.fn).join(', ')}`,
  sort: (p) => `Sort ${p.keys.map((k) => expr(k.expr) + (k.descending ? ' DESC' : '')).join(', ')}`,
  limit: (p) => `Limit ${p.limit ?? 'ALL'}${p.offset ? ` offset ${p.offset}` : ''}`,
  distinct: () => 'Distinct',
  union: () => 'Union all',
  values: (p) => `Values (${p.rows.length} rows)`,
  join: (p) => `${p.join} join${p.on ? ` on ${expr(p.on)}` : ''}`,
  window: (p) => `Window ${p.functions.map((f) => f.fn).join(', ')}`,
};

export function explainLines(plan: Plan, depth = 0, out: string[] = []): string[] {
  out.push('  '.repeat(depth) + (LINE[plan.kind] as (p: Plan) => string)(plan));
  const kids = 'input' in plan ? [plan.input] : plan.kind === 'union' ? plan.inputs : plan.kind === 'join' ? [plan.left, plan.right] : [];
  for (const k of kids) explainLines(k, depth + 1, out);
  return out;
}
