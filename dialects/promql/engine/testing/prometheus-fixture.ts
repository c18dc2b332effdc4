// A real Prometheus 2.42 holding a known data set, for comparing our engine's answers with
// its own: deterministic series (staleness markers included) are remote-written to a
// `prometheus` started on 127.0.0.1 with a fresh data directory.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STALE_NAN, type SampleSink } from '../../storage.ts';
import { remoteWrite } from './remote-write.ts';
import { freePort } from '../../../../lib/testing/ports.ts';

/** One sample; `stale` marks a staleness marker (its value is then ignored). */
export interface FixtureSample { t: number; v: number; stale: boolean }
export interface FixtureSeries { labels: Record<string, string>; samples: FixtureSample[] }

const STEPS = 480;
const INTERVAL_S = 15;

/** A base time (Unix seconds, whole minute) 3h ago: remote write only accepts recent samples. */
export function fixtureBase(): number {
  return Math.floor(Date.now() / 60_000) * 60 - 3 * 3600;
}

/**
 * From base over 2h at ~15 s with jitter, for 3 jobs × 3 instances: counters (one reset),
 * gauges (one with a gap longer than the lookback, one with NaN and +Inf samples), classic
 * histogram buckets, a gauge that goes stale and comes back, and two series that live for
 * 20 minutes each.
 */
export function generateSeries(baseS: number): FixtureSeries[] {
  let seed = 42;
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
  const out: FixtureSeries[] = [];
  const add = (labels: Record<string, string>, gen: (i: number) => number | null | 'stale'): void => {
    const s: FixtureSeries = { labels, samples: [] };
    for (let i = 0; i < STEPS; i++) {
      const v = gen(i);
      if (v === null) continue;
      const t = (baseS + i * INTERVAL_S + Math.floor(rnd() * 3)) * 1000;
      s.samples.push(v === 'stale' ? { t, v: 0, stale: true } : { t, v, stale: false });
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
  for (let k = 0; k < 6; k++) {
    // Marked stale every (50+7k) samples, silent for a while, then back.
    const period = 50 + k * 7;
    add({ __name__: 'flappy', inst: String(k) }, (i) => {
      const phase = i % period;
      if (phase === 40) return 'stale';
      if (phase > 40 && phase < 40 + k * 3) return null;
      return i * (k + 1) + (i % 13 === 0 ? -50 : 0);
    });
  }
  // Short-lived series (a batch job's two runs), for metadata requests limited by start/end.
  for (const [run, from, to] of [['early', 120, 200], ['late', 400, 480]] as const) {
    add({ __name__: 'batch_duration_seconds', job: 'batch', run }, (i) => (i >= from && i < to ? i - from : null));
  }
  return out;
}

/** Appends the fixture to a sink, staleness markers as StaleNaN. */
export async function loadFixture(sink: SampleSink, series: FixtureSeries[]): Promise<void> {
  for (const s of series) for (const x of s.samples) sink.append(s.labels, x.t, x.stale ? STALE_NAN : x.v);
  await sink.commit();
}

/** Whether the prometheus binary is on PATH. */
export function prometheusAvailable(): boolean {
  return spawnSync('prometheus', ['--version'], { stdio: 'ignore' }).status === 0;
}


export interface RunningPrometheus { url: string; stop(): Promise<void> }

/** An empty Prometheus on 127.0.0.1 that accepts remote write; resolves once it is ready. */
export async function launchPrometheus(): Promise<RunningPrometheus & { pid: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-prom-'));
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const port = await freePort();
  const proc: ChildProcess = spawn('prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'tsdb')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--web.enable-remote-write-receiver',
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
      if ((await fetch(`${url}/-/ready`)).ok) return { url, stop, pid: proc.pid! };
    } catch { /* not listening yet */ }
    if (proc.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error('prometheus did not become ready');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts Prometheus with the remote-write receiver and writes the series in time order. */
export async function startPrometheus(series: FixtureSeries[], baseS: number): Promise<RunningPrometheus> {
  const { url, stop } = await launchPrometheus();
  try {
    await writeFixture(`${url}/api/v1/write`, series, baseS);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

/** Remote-writes the series to any receiver in five-minute slices, keeping appends in time order. */
export async function writeFixture(writeUrl: string, series: FixtureSeries[], baseS: number): Promise<void> {
  const end = (baseS + STEPS * INTERVAL_S + 60) * 1000;
  for (let from = baseS * 1000; from < end; from += 300_000) {
    await remoteWrite(writeUrl, series.map((s) => ({
      labels: s.labels,
      samples: s.samples.filter((x) => x.t >= from && x.t < from + 300_000).map((x) => ({ value: x.stale ? STALE_NAN : x.v, timestamp: x.t })),
    })));
  }
}
