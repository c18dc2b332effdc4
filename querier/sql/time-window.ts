/** The time window a query covers, for DeepFlow's PerSecond: bucket width or WHERE range. */
import type { Expr } from '../../storage-adapters/fragment.ts';
import { US_PER_SECOND } from './time.ts';
import { walkExpr } from './plan.ts';

const TRUNC_US: Record<string, number> = { second: US_PER_SECOND, minute: 60 * US_PER_SECOND, hour: 3600 * US_PER_SECOND, day: 86400 * US_PER_SECOND };

/** Width of the first time bucket among the group keys, in µs. */
export function bucketWidthUs(groups: Expr[]): number | undefined {
  for (const g of groups) {
    for (const e of walkExpr(g)) {
      if (e.kind !== 'call') continue;
      const first = e.args[0];
      if ((e.fn === 'date_bin' || e.fn === 'time_bucket') && first?.kind === 'literal') return Number(first.value);
      if (e.fn === 'date_trunc' && first?.kind === 'literal') {
        const w = TRUNC_US[String(first.value).toLowerCase().replace(/s$/, '')];
        if (w) return w;
      }
    }
  }
  return undefined;
}

/** Length of `time >= a AND time < b` style bounds among the top-level conjuncts, in µs. */
export function timeRangeUs(where: Expr | null): number | undefined {
  if (!where) return undefined;
  let lo: number | undefined, hi: number | undefined;
  const visit = (e: Expr): void => {
    if (e.kind !== 'call') return;
    if (e.fn === 'and') { e.args.forEach(visit); return; }
    const [l, r] = e.args;
    if (l?.kind !== 'column' || l.name !== 'time' || r?.kind !== 'literal' || r.type !== 'timestamp') return;
    const v = Number(r.value);
    if (e.fn === '>=' || e.fn === '>') lo = v;
    if (e.fn === '<=' || e.fn === '<') hi = v;
  };
  visit(where);
  return lo !== undefined && hi !== undefined && hi > lo ? hi - lo : undefined;
}
