/**
 * Tag translation: a predicate on a tag's name (`pod_1 = 'web'`, LIKE, regex, IN, <, ...)
 * becomes an ID-set predicate on the stored code (`pod_id_1 IN (3, 7)`) that the store can
 * run. The set is the codes whose name satisfies the predicate, computed by evaluating the
 * very same predicate over the dictionary, so the semantics stay PostgreSQL's.
 * Only predicates in positive positions are rewritten (under AND/OR of a WHERE, HAVING, an
 * aggregate's FILTER or a CASE WHEN condition): there "unknown" and "false" lead to the same
 * result, which is what an ID set gives; under NOT or inside other expressions the tag is
 * decoded and evaluated per row instead.
 */
import type { Expr, TagExpr } from '../../storage-adapters/fragment.ts';
import { type Plan, lit, mapPlanExprs, mapExpr } from '../sql/plan.ts';
import { lookupFunction } from '../sql/functions.ts';
import type { CodeNames } from './dictionaries.ts';
import { decoderKey } from './dictionaries.ts';

const TRANSLATABLE = new Set(['=', '<>', '<', '<=', '>', '>=', 'like', 'not_like', 'ilike', 'not_ilike', '~', '~*', '!~', '!~*', 'in', 'not_in']);

/** Tags a predicate could be translated for (to prefetch their dictionaries). */
export function translatableTag(e: Expr): TagExpr | undefined {
  if (e.kind !== 'call' || !TRANSLATABLE.has(e.fn)) return undefined;
  const [first, ...rest] = e.args;
  if (first?.kind === 'tag' && rest.every((a) => a.kind === 'literal')) return first;
  return undefined;
}

function rewrite(e: Expr, names: Map<string, CodeNames>): Expr {
  if (e.kind === 'call' && (e.fn === 'and' || e.fn === 'or')) return { ...e, args: e.args.map((a) => rewrite(a, names)) };
  const tag = translatableTag(e);
  if (!tag || e.kind !== 'call') return e;
  const dict = names.get(decoderKey(tag.tag));
  if (!dict) return e;
  const def = lookupFunction(e.fn)!;
  const rest = e.args.slice(1).map((a) => (a.kind === 'literal' ? a.value : null));
  const types = e.args.map((a) => a.type);
  const codes: number[] = [];
  for (const [code, name] of dict) {
    const args = [name, ...rest];
    if (!def.nullAware && args.includes(null)) continue;
    if (def.eval(args, types) === true) codes.push(code);
  }
  if (codes.length === 0) return lit(false, 'bool');
  codes.sort((a, b) => a - b);
  return { kind: 'call', fn: 'in', args: [tag.arg, ...codes.map((c) => lit(c, 'int'))], type: 'bool' };
}

/** Rewrites the tag predicates in every positive position of the plan. */
export function translateTags(plan: Plan, names: Map<string, CodeNames>): Plan {
  // `avg(CASE WHEN response_status = 'ok' THEN 0 ELSE 1 END)` then runs in the store.
  const caseConditions = (e: Expr): Expr => mapExpr(e, (x) => (x.kind === 'case'
    ? { ...x, whens: x.whens.map((w) => ({ when: rewrite(w.when, names), then: w.then })) }
    : x));
  return translateConditions(mapPlanExprs(plan, caseConditions), names);
}

function translateConditions(plan: Plan, names: Map<string, CodeNames>): Plan {
  const below = (p: Plan) => translateConditions(p, names);
  switch (plan.kind) {
    case 'filter': return { ...plan, input: below(plan.input), predicate: rewrite(plan.predicate, names) };
    case 'aggregate': return {
      ...plan,
      input: below(plan.input),
      aggregates: plan.aggregates.map((a) => (a.call.filter ? { ...a, call: { ...a.call, filter: rewrite(a.call.filter, names) } } : a)),
    };
    case 'project': case 'sort': case 'limit': case 'distinct': case 'window': return { ...plan, input: below(plan.input) } as Plan;
    case 'union': return { ...plan, inputs: plan.inputs.map(below) };
    case 'join': return { ...plan, left: below(plan.left), right: below(plan.right) };
    default: return plan;
  }
}

/** Custom tags with at most this many distinct values are inlined as CASE for the store. */
export const INLINE_CUSTOM_VALUES = 64;

/**
 * A custom tag (`k8s.label.app_1`) has few distinct values, so its dictionary fits in the
 * query: `CASE WHEN pod_id_1 IN (3, 7) THEN 'web' WHEN ... END` groups, filters and sorts in
 * the store instead of decoding every row here. A resource without the tag reads as NULL,
 * as decoding would give.
 */
export function inlineCustomTags(plan: Plan, names: Map<string, CodeNames>): Plan {
  return mapPlanExprs(plan, (e) => mapExpr(e, (x) => {
    if (x.kind !== 'tag' || x.tag.kind !== 'custom') return x;
    const dict = names.get(decoderKey(x.tag));
    if (!dict) return x;
    const byValue = new Map<string, number[]>();
    for (const [code, value] of dict) {
      const codes = byValue.get(value);
      if (codes) codes.push(code); else byValue.set(value, [code]);
    }
    if (byValue.size === 0) return lit(null, 'text');
    if (byValue.size > INLINE_CUSTOM_VALUES) return x;
    const whens = [...byValue].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([value, codes]) => ({
      when: { kind: 'call' as const, fn: 'in', args: [x.arg, ...codes.sort((a, b) => a - b).map((c) => lit(c, 'int'))], type: 'bool' as const },
      then: lit(value, 'text'),
    }));
    return { kind: 'case', whens, else: null, type: 'text' };
  }));
}
