/**
 * The Prometheus HTTP API against the real thing: the same series in Prometheus 2.42 and, by
 * remote write, in MetaFlow on the embedded store; the same requests to both APIs; the same
 * answers (floats within 1e-6 relative), shapes, error types and status codes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureBase, generateSeries, prometheusAvailable, startPrometheus, writeFixture, type RunningPrometheus } from '../engine/testing/prometheus-fixture.ts';
import { startTestServer, type TestServer } from '../../../lib/testing/server.ts';

const available = prometheusAvailable();
const skip = !available && process.env.CI !== 'true' ? 'prometheus not installed (apt-get install prometheus)' : false;

let prom: RunningPrometheus;
let ours: TestServer;

const B = fixtureBase();

before(async () => {
  if (skip) return;
  assert.ok(available, 'prometheus must be installed when CI=true');
  const series = generateSeries(B);
  [prom, ours] = await Promise.all([startPrometheus(series, B), startTestServer()]);
  await writeFixture(`${ours.base}/api/v1/write`, series, B);
});
after(async () => { await prom?.stop(); await ours?.stop(); });

const EXPRS = [
  'http_requests_total', 'rate(http_requests_total[5m])', 'increase(http_requests_total[10m])', 'sum by (job) (rate(http_requests_total[5m]))',
  'avg by (instance) (cpu_usage)', 'max by (job) (cpu_usage)', 'min without (instance) (cpu_usage)', 'count(cpu_usage > 50)',
  'topk(3, cpu_usage)', 'bottomk(2, rate(http_requests_total[5m]))', 'quantile(0.9, cpu_usage)', 'quantile by (job) (0.5, rate(http_requests_total[2m]))',
  'histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket[5m])))', 'histogram_quantile(0.5, sum by (job, le) (rate(latency_seconds_bucket[10m])))',
  'rate(http_requests_total[5m] offset 10m)', 'cpu_usage offset -5m', `cpu_usage @ ${B + 3600}`, 'max_over_time(cpu_usage[10m:1m])',
  'rate(http_requests_total[5m])[30m:2m]'.replace(/^/, 'avg_over_time(') + ')', 'cpu_usage / on(job, instance) group_left rate(http_requests_total[5m])',
  'cpu_usage > bool 50', 'http_requests_total - http_requests_total offset 5m', 'sum(rate(http_requests_total[5m])) / sum(rate(http_requests_total[10m]))',
  'cpu_usage and on(instance) cpu_usage{job="api"}', 'cpu_usage unless cpu_usage{instance="0"}', 'cpu_usage{job=~"a.*|w.*"} or cpu_usage{job="db"}',
  'sort_desc(sum by (job) (cpu_usage))', 'label_replace(cpu_usage, "host", "h-$1", "instance", "(.*)")', 'absent(nope_metric)',
  'stddev by (job) (cpu_usage)', 'count_values("v", round(cpu_usage / 10))', 'sum(cpu_usage) * 2 + 1', 'vector(1) + scalar(sum(cpu_usage))',
  'deriv(cpu_usage[10m])', 'predict_linear(http_requests_total[15m], 600)', 'clamp_max(cpu_usage, 40)', 'time() - timestamp(cpu_usage)',
  'resets(http_requests_total[1h])', 'changes(cpu_usage[15m])', '1 + 2 * 3',
];

const num = (s: string) => (s === '+Inf' ? Infinity : s === '-Inf' ? -Infinity : Number(s));
function close(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return a === b || Math.abs(a - b) <= 1e-6 * Math.max(Math.abs(a), Math.abs(b));
}

/** Compares two API `data` values: vectors/matrices as sets of series, points as [t, "v"]. */
function sameData(p: any, o: any, where: string): void {
  assert.equal(o.resultType, p.resultType, where);
  if (p.resultType === 'scalar' || p.resultType === 'string') {
    assert.equal(o.result[0], p.result[0], where);
    assert.ok(p.resultType === 'string' ? o.result[1] === p.result[1] : close(num(o.result[1]), num(p.result[1])), `${where}: ${o.result[1]} vs ${p.result[1]}`);
    return;
  }
  const key = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort());
  const pm = new Map<string, any>(p.result.map((s: any) => [key(s.metric), s]));
  const om = new Map<string, any>(o.result.map((s: any) => [key(s.metric), s]));
  assert.deepEqual([...om.keys()].sort(), [...pm.keys()].sort(), `${where}: series`);
  for (const [k, ps] of pm) {
    const os = om.get(k);
    const pts: any[] = ps.values ?? [ps.value];
    const ots: any[] = os.values ?? [os.value];
    assert.equal(ots.length, pts.length, `${where} ${k}: points`);
    pts.forEach((pt, i) => {
      assert.equal(ots[i][0], pt[0], `${where} ${k}: timestamp`);
      assert.equal(typeof ots[i][1], 'string');
      assert.ok(close(num(ots[i][1]), num(pt[1])), `${where} ${k} @${pt[0]}: ${ots[i][1]} vs ${pt[1]}`);
    });
  }
}

/** Sends one request to both; `ourPrefix` lets MetaFlow be asked under its /prom alias. */
async function both(path: string, params: Record<string, string | string[]>, method: 'GET' | 'POST', ourPrefix = '') {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) qs.append(k, x);
  const call = async (base: string, prefix: string) => {
    const res = method === 'GET' ? await fetch(`${base}${prefix}${path}?${qs}`) : await fetch(`${base}${prefix}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs.toString() });
    return { status: res.status, json: await res.json() as any };
  };
  const [p, o] = await Promise.all([call(prom.url, ''), call(ours.base, ourPrefix)]);
  return { p, o };
}

test('query and query_range answer as Prometheus does', { skip, timeout: 600_000 }, async () => {
  let compared = 0;
  for (const [i, expr] of EXPRS.entries()) {
    const method = i % 2 ? 'POST' : 'GET';
    for (const t of [B + 1800, B + 3600.5, B + 6000]) {
      const { p, o } = await both('/api/v1/query', { query: expr, time: String(t) }, method);
      assert.equal(p.status, 200, `${expr}: ${JSON.stringify(p.json)}`);
      assert.equal(o.status, 200, `${expr}: ${JSON.stringify(o.json)}`);
      assert.equal(o.json.status, 'success');
      sameData(p.json.data, o.json.data, `${expr} @${t}`);
      compared++;
    }
    if (/^absent|count_values|^1 \+/.test(expr)) continue;
    for (const [s, e, step] of [[B + 600, B + 4200, '60'], [B + 300, B + 7000, '2m30s']] as const) {
      const { p, o } = await both('/api/v1/query_range', { query: expr, start: String(s), end: String(e), step }, method, i % 3 ? '/prom' : '');
      assert.equal(o.status, p.status, `${expr}: ${JSON.stringify(o.json).slice(0, 300)}`);
      if (p.status === 200) sameData(p.json.data, o.json.data, `${expr} range ${step}`);
      compared++;
    }
  }
  assert.ok(compared >= 180, `compared ${compared}`);
});

test('series, labels and label values match Prometheus', { skip }, async () => {
  const range = { start: String(B), end: String(B + 7200) };
  for (const match of [['cpu_usage'], ['http_requests_total{job="api"}', 'cpu_usage{instance="2"}'], ['{__name__=~"latency.*", le="+Inf"}']]) {
    const { p, o } = await both('/api/v1/series', { 'match[]': match, ...range }, 'GET');
    const norm = (xs: Array<Record<string, string>>) => xs.map((m) => JSON.stringify(Object.entries(m).sort())).sort();
    assert.deepEqual(norm(o.json.data), norm(p.json.data), match.join(' '));
  }
  for (const [path, params] of [['/api/v1/labels', range], ['/api/v1/label/job/values', range], ['/api/v1/label/__name__/values', range], ['/api/v1/label/le/values', { ...range, 'match[]': 'latency_seconds_bucket{job="db"}' }]] as const) {
    const { p, o } = await both(path, params, 'GET');
    // MetaFlow also lists its own tables' metrics (flow_log__…, flow_metrics__…) as names.
    const own = (v: string) => /^flow_(log|metrics)__/.test(v);
    assert.ok(path !== '/api/v1/label/__name__/values' || o.json.data.some(own), 'flow metrics are listed');
    assert.deepEqual({ ...o.json, data: o.json.data.filter((v: string) => !own(v)) }, p.json, path);
  }
});

test('start and end limit series, labels and label values to what has samples then, as in Prometheus', { skip }, async () => {
  // batch_duration_seconds{run="early"} has samples 30–50 min after B, {run="late"} 100–120 min.
  const norm = (xs: Array<Record<string, string>>) => xs.map((m) => JSON.stringify(Object.entries(m).sort())).sort();
  const ranges: Array<Record<string, string>> = [
    { start: String(B), end: String(B + 1200) }, { start: String(B + 2400), end: String(B + 2700) }, { start: String(B + 3600), end: String(B + 4800) },
    { start: String(B + 2900), end: String(B + 6500) }, { start: String(B + 6300) }, { end: String(B + 600) },
  ];
  const listed: number[] = [];
  for (const range of ranges) {
    const { p, o } = await both('/api/v1/series', { 'match[]': ['batch_duration_seconds', '{job="batch"}'], ...range }, 'GET');
    assert.deepEqual(norm(o.json.data), norm(p.json.data), JSON.stringify(range));
    listed.push(p.json.data.length);
    // Prometheus answers label names and values per block, so its head block lists every run
    // whatever the range; MetaFlow lists exactly the labels of the series /series returned.
    const sets: Array<Record<string, string>> = p.json.data;
    for (const [path, want] of [
      ['/api/v1/label/run/values', [...new Set(sets.map((l) => l.run!))].sort()],
      ['/api/v1/labels', [...new Set(sets.flatMap((l) => Object.keys(l)))].sort()],
    ] as const) {
      const r = await both(path, { 'match[]': '{job="batch"}', ...range }, 'GET');
      assert.deepEqual(r.o.json, { status: 'success', data: want }, `${path} ${JSON.stringify(range)}`);
      assert.ok(want.every((v) => r.p.json.data.includes(v)), `Prometheus lists at least these: ${path} ${JSON.stringify(range)}`);
    }
  }
  assert.deepEqual(listed, [0, 1, 0, 2, 1, 0], 'the ranges cover none, one and both runs');
});

test('errors have Prometheus error types and status codes', { skip }, async () => {
  for (const [path, params] of [
    ['/api/v1/query', { query: 'sum(' }], ['/api/v1/query', { query: 'rate(cpu_usage)' }], ['/api/v1/query', { query: '' }],
    ['/api/v1/query', { query: 'up', time: 'yesterday' }], ['/api/v1/query_range', { query: 'up', start: String(B), end: String(B + 86400 * 30), step: '1' }],
    ['/api/v1/query_range', { query: 'up', start: String(B + 10), end: String(B), step: '15' }], ['/api/v1/query_range', { query: 'up', start: String(B), end: String(B + 10), step: '0' }],
    ['/api/v1/series', {}], ['/api/v1/query', { query: 'cpu_usage[5m]', time: String(B + 600) }], ['/api/v1/query_range', { query: 'cpu_usage[5m]', start: String(B), end: String(B + 60), step: '15' }],
  ] as const) {
    const { p, o } = await both(path, params as Record<string, string>, 'GET');
    assert.equal(o.status, p.status, `${path} ${JSON.stringify(params)}: ${JSON.stringify(o.json)} vs ${JSON.stringify(p.json)}`);
    assert.equal(o.json.status, p.json.status);
    assert.equal(o.json.errorType, p.json.errorType, `${path} ${JSON.stringify(params)}`);
  }
});

test('buildinfo and metadata answer in Prometheus shape', { skip }, async () => {
  const b = await (await fetch(`${ours.base}/api/v1/status/buildinfo`)).json() as any;
  assert.equal(b.status, 'success');
  assert.match(b.data.version, /^2\.\d+\.\d+$/);
  const m = await (await fetch(`${ours.base}/prom/api/v1/metadata`)).json() as any;
  assert.deepEqual(m, { status: 'success', data: {} });
});
