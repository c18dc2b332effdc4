// A real Prometheus 2.42 holding a known data set, for comparing our engine's answers with
// its own: deterministic series are written as OpenMetrics, turned into TSDB blocks by
// `promtool tsdb create-blocks-from openmetrics`, and served by `prometheus` on 127.0.0.1.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface FixtureSeries { labels: Record<string, string>; timestampsMs: number[]; values: number[] }

/** Base time of the data set (Unix seconds). */
export const BASE_S = 1_700_000_000;

/**
 * Counters (with a reset), gauges (with a gap longer than the lookback, and one with NaN and
 * +Inf samples), and classic
 * histogram buckets for 3 jobs × 3 instances, 480 samples each at ~15 s with jitter.
 */
export function generateSeries(): FixtureSeries[] {
  let seed = 42;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const out: FixtureSeries[] = [];
  const add = (labels: Record<string, string>, gen: (i: number) => number | null): void => {
    const s: FixtureSeries = { labels, timestampsMs: [], values: [] };
    for (let i = 0; i < 480; i++) {
      const v = gen(i);
      if (v === null) continue;
      s.timestampsMs.push((BASE_S + i * 15 + Math.floor(rnd() * 3)) * 1000);
      s.values.push(v);
    }
    out.push(s);
  };
  for (const job of ['api', 'db', 'web']) {
    for (const instance of ['0', '1', '2']) {
      let c = 0;
      add({ __name__: 'http_requests_total', job, instance }, (i) => {
        c += Math.floor(rnd() * 10);
        if (instance === '1' && i === 200) c = 3; // counter reset
        return c;
      });
      add({ __name__: 'cpu_usage', job, instance }, (i) => (instance === '2' && i > 300 && i < 330 ? null : Math.round(rnd() * 1000) / 10));
      // Special values: NaN now and then, +Inf once, for NaN/Inf handling in functions and operators.
      add({ __name__: 'odd_gauge', job, instance }, (i) => (i % 37 === 5 ? NaN : i === 250 && instance === '0' ? Infinity : Math.round(rnd() * 100) - 50));
      const counts = [0, 0, 0, 0, 0];
      ['0.1', '0.5', '1', '5', '+Inf'].forEach((le, k) => {
        add({ __name__: 'latency_seconds_bucket', job, instance, le }, () => {
          if (k === 0) {
            const inc = Math.floor(rnd() * 5);
            counts[0] += inc;
            for (let j = 1; j < 5; j++) counts[j] += inc + Math.floor(rnd() * 3 * j);
          }
          return counts[k];
        });
      });
    }
  }
  return out;
}

const formatValue = (v: number): string => (Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));

function toOpenMetrics(series: FixtureSeries[]): string {
  const families = new Map<string, FixtureSeries[]>();
  for (const s of series) {
    const fam = s.labels.__name__.replace(/_bucket$|_total$/, '');
    if (!families.has(fam)) families.set(fam, []);
    families.get(fam)!.push(s);
  }
  const lines: string[] = [];
  const types: Record<string, string> = { http_requests: 'counter', cpu_usage: 'gauge', odd_gauge: 'gauge', latency_seconds: 'histogram' };
  for (const [fam, ss] of families) {
    lines.push(`# TYPE ${fam} ${types[fam]}`);
    for (const s of ss) {
      const { __name__, ...rest } = s.labels;
      const l = Object.entries(rest).map(([k, v]) => `${k}="${v}"`).join(',');
      s.timestampsMs.forEach((t, i) => lines.push(`${__name__}{${l}} ${formatValue(s.values[i])} ${t / 1000}`));
    }
  }
  lines.push('# EOF');
  return lines.join('\n') + '\n';
}

/** Whether the prometheus and promtool binaries are on PATH. */
export function prometheusAvailable(): boolean {
  return ['prometheus', 'promtool'].every((b) => spawnSync(b, ['--version'], { stdio: 'ignore' }).status === 0);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RunningPrometheus { url: string; stop(): Promise<void> }

/** Builds blocks from the series and starts Prometheus on them; resolves when it is ready. */
export async function startPrometheus(series: FixtureSeries[]): Promise<RunningPrometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-prom-'));
  writeFileSync(join(dir, 'data.om'), toOpenMetrics(series));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const blocks = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'data.om'), join(dir, 'tsdb')], { encoding: 'utf8' });
  if (blocks.status !== 0) throw new Error(`promtool failed: ${blocks.stderr}`);
  const port = await freePort();
  const proc: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    '--storage.tsdb.retention.time=100y', `--web.listen-address=127.0.0.1:${port}`,
  ], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, stop };
    } catch { /* not listening yet */ }
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('prometheus did not become ready');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
