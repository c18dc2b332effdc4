/**
 * PromQL parse time of a dashboard-sized query after warm-up (the fastest of several batches,
 * so other work on a shared machine does not skew it). Run: npx tsx benchmarks/promql-parse.ts
 */
import { parse } from '../dialects/promql/parser/index.ts';

const dashboardQuery = 'histogram_quantile(0.99, sum by (le, service) (rate(http_request_duration_seconds_bucket{job="api", code!~"5..", env="prod"}[5m]))) > bool on(service) group_left(team) 0.5 * max by (service, team) (slo_target{tier=~"gold|silver"} offset 1h)';

export function benchPromqlParse(): number {
  for (let i = 0; i < 3000; i++) parse(dashboardQuery);
  let best = Infinity;
  for (let batch = 0; batch < 10; batch++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 200; i++) parse(dashboardQuery);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6 / 200);
  }
  return best * 1000;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(`parse: ${benchPromqlParse().toFixed(1)} µs per dashboard query (best batch)`);
