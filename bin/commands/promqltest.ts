/**
 * `metaflow promqltest FILE…`: runs Prometheus's PromQL test scripts. Series are loaded the way
 * user data arrives — remote write over HTTP into a real server on the embedded store — and
 * read back through the adapter-backed series store; `clear` starts a fresh store.
 */
import snappy from 'snappyjs';
import { runPromqlTestFiles } from '../../dialects/promql/testscript/run.ts';
import type { LabelMatcher, SampleSink, SelectHints, SeriesStore } from '../../dialects/promql/storage.ts';
import { encodeWriteRequest, type PromSeries } from '../../ingester/prometheus/remote-write-codec.ts';
import { AdapterSeriesStore } from '../../querier/series/adapter-series-store.ts';
import { startTestServer, tempDir, type TestServer } from '../../lib/testing/server.ts';
import { parseFlags, type Command } from '../command.ts';

/** Samples per remote write request, as Prometheus batches them (max_samples_per_send). */
const SAMPLES_PER_SEND = 2000;

class IngestPathBackend implements SampleSink, SeriesStore {
  private server?: TestServer;
  private store?: AdapterSeriesStore;
  private pending = new Map<string, PromSeries>();
  private readonly dir = tempDir('metaflow-promqltest-');
  private generation = 0;

  private async current(): Promise<{ server: TestServer; store: AdapterSeriesStore }> {
    if (!this.server) {
      this.server = await startTestServer({ dataDir: `${this.dir.path}/${this.generation++}` });
      this.store = new AdapterSeriesStore(this.server.adapter);
    }
    return { server: this.server, store: this.store! };
  }

  append(labels: Record<string, string>, timestampMs: number, value: number): void {
    const key = JSON.stringify(Object.entries(labels).sort());
    let s = this.pending.get(key);
    if (!s) this.pending.set(key, (s = { labels: Object.entries(labels).map(([name, v]) => ({ name, value: v })), samples: [] }));
    s.samples.push({ value, timestampMs });
  }

  async commit(): Promise<void> {
    const { server } = await this.current();
    let batch: PromSeries[] = [];
    let count = 0;
    const send = async () => {
      if (batch.length === 0) return;
      const res = await fetch(`${server.base}/api/v1/write`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, body: snappy.compress(encodeWriteRequest(batch)) });
      if (res.status !== 204) throw new Error(`remote write failed: ${res.status} ${await res.text()}`);
      batch = [];
      count = 0;
    };
    for (const s of this.pending.values()) {
      batch.push(s);
      count += s.samples.length;
      if (count >= SAMPLES_PER_SEND) await send();
    }
    await send();
    this.pending.clear();
  }

  async clear(): Promise<void> {
    this.pending.clear();
    await this.server?.stop();
    this.server = undefined;
  }

  async select(hints: SelectHints, matchers: LabelMatcher[]) {
    return (await this.current()).store.select(hints, matchers);
  }

  async close(): Promise<void> {
    await this.clear();
    this.dir.remove();
  }
}

export const promqltestCommand: Command = {
  name: 'promqltest',
  summary: 'run Prometheus PromQL test scripts (load/eval/clear) against MetaFlow and print N passed, N failed',
  usage: 'metaflow promqltest [--memory] FILE…',
  help: '  --memory   evaluate over an in-memory store instead of the ingest path and the embedded store',
  async run(argv) {
    const { values, positionals } = parseFlags(argv, { memory: { type: 'boolean' } });
    if (positionals.length === 0) {
      process.stderr.write('metaflow promqltest: name at least one .test file\n');
      return 2;
    }
    const backends: IngestPathBackend[] = [];
    try {
      const summary = await runPromqlTestFiles(positionals, values.memory ? {} : {
        backend: () => { const b = new IngestPathBackend(); backends.push(b); return { sink: b, store: b }; },
      });
      return summary.failed === 0 ? 0 : 1;
    } finally {
      for (const b of backends) await b.close();
    }
  },
};

export { IngestPathBackend };
