/**
 * PromQL range queries (1h and 6h at 15 s step) over 1k and 10k counter series: MetaFlow on
 * the embedded store versus Prometheus 2.42 holding the same samples, both loaded by remote
 * write in time order (as live traffic arrives), same run. Median latency of each, the ratio,
 * and each server's peak RSS.
 */
import snappy from 'snappyjs';
import { launchPrometheus } from '../dialects/promql/engine/testing/prometheus-fixture.ts';
import { encodeWriteRequest, type PromSeries } from '../ingester/prometheus/remote-write-codec.ts';
import { tempDir } from '../lib/testing/server.ts';
import { mulberry32 } from '../lib/testing/l7-data.ts';
import { peakRssMiB, progress, startServerProcess, table } from './util.ts';

const STEP_MS = 15_000;
const SPAN_MS = 6 * 3600_000;
const SLICE_POINTS = 40;
const QUERIES = ['sum by (job) (rate(bench_requests_total[5m]))', 'max by (code) (bench_requests_total)'];
const RUNS = 5;

async function post(url: string, series: PromSeries[]): Promise<void> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: snappy.compress(encodeWriteRequest(series)) });
  if (r.status >= 300) throw new Error(`remote write to ${url}: ${r.status} ${await r.text()}`);
}

async function load(n: number, endMs: number, targets: string[]): Promise<number> {
  const rnd = mulberry32(n);
  const counters = new Float64Array(n);
  const labels = Array.from({ length: n }, (_, i) => [
    { name: '__name__', value: 'bench_requests_total' }, { name: 'code', value: i % 5 === 0 ? '500' : '200' },
    { name: 'instance', value: `10.0.${(i >> 8) & 255}.${i & 255}:8080` }, { name: 'job', value: `job-${i % 20}` },
  ]);
  const points = SPAN_MS / STEP_MS + 1;
  const startMs = endMs - SPAN_MS;
  let samples = 0;
  for (let p0 = 0; p0 < points; p0 += SLICE_POINTS) {
    const slice: PromSeries[] = labels.map((l, i) => {
      const s: PromSeries = { labels: l, samples: [] };
      for (let p = p0; p < Math.min(points, p0 + SLICE_POINTS); p++) {
        counters[i] += Math.floor(rnd() * 20);
        s.samples.push({ timestampMs: startMs + p * STEP_MS, value: counters[i]! });
      }
      return s;
    });
    samples += slice.reduce((a, s) => a + s.samples.length, 0);
    await Promise.all(targets.map((t) => post(t, slice)));
  }
  return samples;
}

async function median(run: () => Promise<void>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

async function rangeQuery(base: string, query: string, startMs: number, endMs: number): Promise<void> {
  const qs = new URLSearchParams({ query, start: String(startMs / 1000), end: String(endMs / 1000), step: String(STEP_MS / 1000) });
  const r = await fetch(`${base}/api/v1/query_range?${qs}`);
  const body = await r.json() as { status: string; data: { result: unknown[] } };
  if (body.status !== 'success' || body.data.result.length === 0) throw new Error(`${base}: ${JSON.stringify(body).slice(0, 300)}`);
}

export async function benchPromql(opts: { seriesCounts?: number[] } = {}): Promise<{ markdown: string; ratios: Record<string, number> }> {
  const rows: Array<Array<string | number>> = [];
  const ratios: Record<string, number> = {};
  const rss: string[] = [];
  for (const n of opts.seriesCounts ?? [1000, 10_000]) {
    const dir = tempDir('metaflow-bench-promql-');
    const prom = await launchPrometheus();
    const ours = await startServerProcess(['--data-dir', dir.path]);
    try {
      const endMs = Math.floor(Date.now() / STEP_MS) * STEP_MS;
      progress(`promql: loading ${n} series × 6h at 15s into both`);
      const samples = await load(n, endMs, [`${prom.url}/api/v1/write`, `${ours.base}/api/v1/write`]);
      for (const hours of [1, 6]) {
        for (const q of QUERIES) {
          progress(`promql: ${n} series, ${hours}h: ${q}`);
          const startMs = endMs - hours * 3600_000;
          const p = await median(() => rangeQuery(prom.url, q, startMs, endMs));
          const o = await median(() => rangeQuery(ours.base, q, startMs, endMs));
          ratios[`${n}/${hours}h/${q}`] = o / p;
          rows.push([n.toLocaleString('en-US'), `${hours}h`, `\`${q}\``, p, o, `${(o / p).toFixed(2)}`]);
        }
      }
      rss.push(`${n.toLocaleString('en-US')} series (${samples.toLocaleString('en-US')} samples): Prometheus ${peakRssMiB(prom.pid).toFixed(0)} MiB, MetaFlow ${peakRssMiB(ours.pid).toFixed(0)} MiB`);
    } finally {
      await ours.stop();
      await prom.stop();
      dir.remove();
    }
  }
  const markdown = [
    `Counter series at 15 s over 6 h, loaded into both by remote write; median of ${RUNS} runs after one warm-up; latency in ms (HTTP round trip included).`, '',
    table(['series', 'range', 'query', 'Prometheus 2.42 (ms)', 'MetaFlow (ms)', 'ratio'], rows), '',
    'Target: ratio ≤ 1.0 at 1k series.', '', 'Peak RSS:', ...rss.map((r) => `- ${r}`),
  ].join('\n');
  return { markdown, ratios };
}
