// Our engine against a real Prometheus 2.42 on the same data (remote-written to it, appended to
// the in-memory store here, staleness markers included): every query is run as instant
// queries at three times and as range queries with three start/end/step choices (one step not
// dividing the range), and every series, timestamp and value must agree (values within 1e-6
// relative, NaN equal to NaN; errors on both sides count as agreement).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../parser/index.ts';
import { MemoryStorage } from '../memory-storage.ts';
import { labelsKey } from '../labels.ts';
import { almostEqual } from '../testscript/compare.ts';
import { instantQuery, rangeQuery, type QueryValue } from './index.ts';
import { fixtureBase, generateSeries, loadFixture, prometheusAvailable, startPrometheus, type RunningPrometheus } from './testing/prometheus-fixture.ts';

const B = fixtureBase();

const QUERIES: string[] = [];
for (const r of ['1m', '5m', '90s']) {
  QUERIES.push(`rate(http_requests_total[${r}])`, `increase(http_requests_total[${r}])`, `irate(http_requests_total[${r}])`,
    `delta(cpu_usage[${r}])`, `idelta(cpu_usage[${r}])`, `deriv(cpu_usage[${r}])`, `resets(http_requests_total[${r}])`, `changes(cpu_usage[${r}])`,
    `quantile_over_time(0.3, cpu_usage[${r}])`, `predict_linear(cpu_usage[${r}], 600)`, `holt_winters(cpu_usage[${r}], 0.3, 0.6)`,
    `absent_over_time(cpu_usage{instance="2"}[${r}])`);
  for (const f of ['avg', 'sum', 'min', 'max', 'count', 'stddev', 'stdvar', 'last', 'present']) QUERIES.push(`${f}_over_time(cpu_usage[${r}])`);
}
for (const a of ['sum', 'avg', 'max', 'min', 'count', 'group', 'stddev', 'stdvar']) {
  for (const g of ['', ' by (job)', ' without (instance)']) QUERIES.push(`${a}${g} (rate(http_requests_total[5m]))`, `${a}${g} (cpu_usage)`);
}
QUERIES.push(
  'topk(3, cpu_usage)', 'bottomk(2, cpu_usage) by (job)', 'topk by (job) (1, rate(http_requests_total[5m]))', 'bottomk(1, cpu_usage offset 3m)',
  'topk(2, sum by (job) (rate(http_requests_total[5m])))', 'quantile(0.9, cpu_usage)', 'quantile by (job) (0.25, cpu_usage)',
  'quantile(0.5, rate(http_requests_total[5m])) by (job)', 'quantile(1.5, cpu_usage)', 'count_values("v", round(cpu_usage / 10))',
  'count_values by (job) ("bucket", floor(cpu_usage / 25))', 'min(cpu_usage) without (instance, job)',
  'max by (__name__) ({__name__=~"cpu.*|http.*"})', 'count({__name__=~".+"}) by (__name__)', 'group by (job) (cpu_usage)',
  'histogram_quantile(0.9, rate(latency_seconds_bucket[5m]))', 'histogram_quantile(0.5, sum by (le) (rate(latency_seconds_bucket[5m])))',
  'histogram_quantile(0.99, sum by (job, le) (rate(latency_seconds_bucket[10m])))', 'histogram_quantile(0.5, latency_seconds_bucket)',
  'histogram_quantile(1.5, latency_seconds_bucket)', 'histogram_quantile(-1, latency_seconds_bucket)',
  'cpu_usage offset 5m', 'rate(http_requests_total[5m] offset 10m)', 'cpu_usage offset -2m', `cpu_usage @ ${B + 3000}`,
  `rate(http_requests_total[5m] @ ${B + 3000})`, 'cpu_usage @ start()', 'cpu_usage @ end()',
  'max_over_time(rate(http_requests_total[2m])[10m:1m])', 'avg_over_time(cpu_usage[10m:])', 'min_over_time(sum(cpu_usage)[7m:45s])',
  'rate(http_requests_total[5m:30s])', 'max_over_time(cpu_usage[5m:1m] offset 3m)', 'deriv(sum(cpu_usage)[10m:2m])',
  'max_over_time((rate(http_requests_total[1m]) > 0.2)[15m:2m] offset 1m)', `avg_over_time(cpu_usage[5m:30s] @ ${B + 2500})`,
  `sum_over_time(sum by (job) (cpu_usage @ ${B + 2000})[10m:1m])`, 'stddev_over_time(rate(http_requests_total[1m])[20m:])',
  'cpu_usage * 2', 'cpu_usage > 50', 'cpu_usage > bool 50', '100 - cpu_usage', 'cpu_usage % 7', 'cpu_usage ^ 0.5', 'cpu_usage atan2 10',
  '-cpu_usage', '-sum(cpu_usage)', '2 ^ 3 ^ 2', '(1 > bool 2) + time()', '(cpu_usage > 30) < 60', 'cpu_usage == 65',
  'cpu_usage / on(job, instance) rate(http_requests_total[5m])', 'cpu_usage + ignoring(job) cpu_usage',
  'cpu_usage / on(instance) group_left sum by (instance) (cpu_usage)', 'sum by (job) (cpu_usage) / on(job) group_right cpu_usage',
  'cpu_usage * on(job, instance) group_left(le) (latency_seconds_bucket{le="0.5"})',
  'sum by (job) (rate(http_requests_total[5m] offset 2m)) / on(job) group_left count by (job) (cpu_usage)',
  'sum(rate(latency_seconds_bucket[5m])) without (instance) / ignoring(le) group_left sum(rate(http_requests_total[5m])) without (instance)',
  'cpu_usage == bool on(job, instance) cpu_usage offset 1m', 'cpu_usage != bool cpu_usage offset 1m', 'sum(cpu_usage) by (job) > bool 150',
  'cpu_usage and cpu_usage > 50', 'cpu_usage or rate(http_requests_total[5m])', 'cpu_usage unless on(instance) cpu_usage{instance="1"}',
  'cpu_usage unless cpu_usage offset 30m', 'rate(http_requests_total[5m]) and on(job) (sum by (job) (cpu_usage) > 140)',
  'scalar(cpu_usage{job="api",instance="0"}) * cpu_usage', 'vector(1) + on() group_left cpu_usage * 0',
  'abs(-cpu_usage)', 'ceil(cpu_usage)', 'floor(cpu_usage)', 'round(cpu_usage, 5)', 'round(rate(http_requests_total[5m]), 0.1)',
  'sqrt(cpu_usage)', 'ln(cpu_usage)', 'log2(cpu_usage)', 'exp(cpu_usage / 100)', 'sgn(cpu_usage - 50)',
  'clamp(cpu_usage, 20, 60)', 'clamp(cpu_usage, 60, 20)', 'clamp_min(cpu_usage, 50)', 'clamp_max(cpu_usage, 50)',
  'timestamp(cpu_usage)', 'timestamp(sum(cpu_usage))', 'hour(timestamp(cpu_usage))', 'day_of_month(timestamp(cpu_usage))',
  'minute()', 'day_of_week()', 'days_in_month()', 'year()', 'day_of_year()', 'month(vector(1.7e9))', 'time()', 'pi()',
  'scalar(sum(cpu_usage))', 'vector(time())', 'absent(nope{a="b"})', 'absent(cpu_usage{job="nope"})', 'absent(cpu_usage)',
  'label_replace(cpu_usage, "x", "$1-$2", "job", "(.)(.*)")', 'label_replace(rate(http_requests_total[5m]), "inst", "i-$1", "instance", "([0-9]+)")',
  'label_join(cpu_usage, "x", ",", "job", "instance")', 'sort(cpu_usage)', 'sort_desc(sum by (job) (cpu_usage))',
  'cpu_usage{job=~"a.*|w.b"}', 'cpu_usage{instance!="1"}', 'cpu_usage{job!~"db"}', 'cpu_usage{job=~"(?i:API)"}',
  'increase(http_requests_total[1h])', 'rate(http_requests_total[30s])', 'irate(http_requests_total[45s])',
  'predict_linear(http_requests_total[15m], 3600)', 'deriv(http_requests_total[20m])', 'holt_winters(http_requests_total[10m], 0.1, 0.9)',
  'changes(http_requests_total[30m])', 'resets(http_requests_total[1h])', 'last_over_time(cpu_usage[10m])',
  'present_over_time(cpu_usage{instance="2"}[2m])', 'absent_over_time(cpu_usage{instance="2"}[2m])',
  // NaN and +Inf samples
  'odd_gauge', 'sum(odd_gauge)', 'avg by (job) (odd_gauge)', 'max(odd_gauge)', 'min by (instance) (odd_gauge)', 'stddev(odd_gauge)',
  'topk(2, odd_gauge)', 'bottomk(2, odd_gauge)', 'quantile(0.5, odd_gauge)', 'count_values("v", odd_gauge)',
  'avg_over_time(odd_gauge[10m])', 'sum_over_time(odd_gauge[10m])', 'max_over_time(odd_gauge[10m])', 'min_over_time(odd_gauge[10m])',
  'stdvar_over_time(odd_gauge[10m])', 'quantile_over_time(0.9, odd_gauge[10m])', 'changes(odd_gauge[10m])', 'resets(odd_gauge[10m])',
  'deriv(odd_gauge[10m])', 'rate(odd_gauge[10m])', 'delta(odd_gauge[10m])', 'odd_gauge > 0', 'odd_gauge == bool odd_gauge',
  'odd_gauge / 0', 'odd_gauge % 3', 'clamp(odd_gauge, -10, 10)', 'round(odd_gauge / 7)', 'sgn(odd_gauge)', 'sort(odd_gauge)',
  'histogram_quantile(0.5, label_replace(odd_gauge, "le", "$1", "instance", "(.*)"))',
  // staleness markers
  'flappy', 'count(flappy)', 'rate(flappy[5m])', 'count_over_time(flappy[10m])', 'last_over_time(flappy[10m])',
  'max_over_time(flappy[3m:1m])', 'changes(flappy[20m])', 'resets(flappy[30m])', 'absent(flappy{inst="0"})', 'timestamp(flappy)',
  'flappy offset 3m', 'sum by (inst) (flappy) > 100', 'flappy unless flappy offset 5m', 'present_over_time(flappy[1m])',
  // modifiers inside subqueries and functions of subqueries
  'max_over_time(cpu_usage[5m:1m] @ end())', 'rate(http_requests_total[5m] @ start())', 'sum_over_time((cpu_usage offset -5m)[10m:2m])',
  'timestamp(max_over_time(cpu_usage[5m:1m]))', 'holt_winters(sum(cpu_usage)[30m:1m], 0.5, 0.5)',
  'predict_linear(sum(rate(http_requests_total[5m]))[30m:1m], 600)', 'absent_over_time(nonexistent[5m])',
  'label_join(sum by (job, instance) (cpu_usage), "ji", "-", "job", "instance")', 'count by (le) (latency_seconds_bucket)',
  'sum(latency_seconds_bucket) by (le) / ignoring(le) group_left sum(latency_seconds_bucket{le="+Inf"})',
  'quantile_over_time(0.5, rate(http_requests_total[1m])[10m:30s])', 'rate(http_requests_total[5m] offset -1m)',
  'min_over_time(flappy[10m:1m] offset 2m)', 'avg(last_over_time(flappy[2m] @ end()))',
);

type Points = Map<string, Map<number, number>>;

function fromProm(data: { resultType: string; result: any }): Points | number {
  const num = (s: string): number => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
  if (data.resultType === 'scalar') return num(data.result[1]);
  const out: Points = new Map();
  for (const s of data.result) {
    const pts: [number, string][] = s.values ?? [s.value];
    out.set(labelsKey(s.metric), new Map(pts.map(([t, v]) => [Math.round(t * 1000), num(v)])));
  }
  return out;
}

function fromOurs(v: QueryValue): Points | number {
  if (v.resultType === 'scalar') return v.value;
  const out: Points = new Map();
  if (v.resultType === 'vector') for (const s of v.samples) out.set(labelsKey(s.labels), new Map([[s.timestampMs, s.value]]));
  if (v.resultType === 'matrix') for (const s of v.series) out.set(labelsKey(s.labels), new Map(Array.from(s.timestampsMs, (t, i) => [t, s.values[i]])));
  return out;
}

function difference(prom: Points | number, ours: Points | number): string | null {
  if (typeof prom === 'number' || typeof ours === 'number') return typeof prom === typeof ours && almostEqual(prom as number, ours as number) ? null : `scalar ${prom} vs ${ours}`;
  const show = (k: string): string => k.replace(/\0/g, ' ').trim();
  for (const [k, pp] of prom) {
    const op = ours.get(k);
    if (!op) return `series only in Prometheus: ${show(k)}`;
    for (const [t, v] of pp) {
      if (!op.has(t)) return `point only in Prometheus: ${show(k)} @${t}`;
      if (!almostEqual(v, op.get(t)!)) return `${show(k)} @${t}: Prometheus ${v}, ours ${op.get(t)}`;
    }
    if (op.size !== pp.size) return `extra points in ours for ${show(k)}`;
  }
  for (const k of ours.keys()) if (!prom.has(k)) return `series only in ours: ${show(k)}`;
  return null;
}

const available = prometheusAvailable();
const skip = !available && process.env.CI !== 'true' ? 'prometheus not installed (apt-get install prometheus)' : false;
let prom: RunningPrometheus | undefined;
const store = new MemoryStorage();

before(async () => {
  if (skip) return;
  const series = generateSeries(B);
  await loadFixture(store, series);
  prom = await startPrometheus(series, B);
});
after(async () => { await prom?.stop(); });

test('engine answers match Prometheus 2.42 on the same data', { skip, timeout: 120_000 }, async () => {
  assert.ok(available, 'prometheus must be installed when CI=true');
  const failures: string[] = [];
  let checks = 0;
  for (const query of QUERIES) {
    const expr = parse(query);
    const cases: { name: string; path: string; params: Record<string, string>; ours: () => Promise<{ value: QueryValue }> }[] = [];
    for (const t of [B + 1234.5, B + 3000, B + 7000]) {
      cases.push({ name: `instant @${t}`, path: 'query', params: { query, time: String(t) }, ours: () => instantQuery(store, expr, Math.round(t * 1000)) });
    }
    for (const [s, e, step] of [[B + 600, B + 4200, 60], [B + 1000, B + 7200, 37], [B + 3000, B + 3600, 15]]) {
      cases.push({ name: `range ${s}..${e} step ${step}`, path: 'query_range', params: { query, start: String(s), end: String(e), step: String(step) }, ours: () => rangeQuery(store, expr, s * 1000, e * 1000, step * 1000) });
    }
    for (const c of cases) {
      checks++;
      const p = await (await fetch(`${prom!.url}/api/v1/${c.path}?${new URLSearchParams(c.params)}`)).json() as { status: string; data: any; error?: string };
      let ours: QueryValue | null = null;
      let err: string | null = null;
      try { ours = (await c.ours()).value; } catch (e) { err = (e as Error).message; }
      let msg: string | null;
      if (p.status !== 'success') msg = err ? null : `Prometheus failed (${p.error}), ours answered`;
      else msg = err ? `ours failed: ${err}` : difference(fromProm(p.data), fromOurs(ours!));
      if (msg) failures.push(`${query} [${c.name}]: ${msg}`);
    }
  }
  assert.ok(checks > 1000);
  assert.deepEqual(failures, []);
});
