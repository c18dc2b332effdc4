/**
 * The agent process: capture source → L7 pipeline → AutoTagging → l7_flow_log rows and RED /
 * flow aggregates → Arrow batches to the server. Live sources close aggregation windows on
 * the wall clock; a replayed capture closes them on its own timestamps and everything is
 * flushed when the file ends.
 */
import type { Logger } from '../lib/log.ts';
import type { CaptureEvent, CaptureSource } from './capture/source.ts';
import { L7Pipeline } from './l7-pipeline.ts';
import { ApplicationAggregator, type MetricRows } from './aggregate/application.ts';
import { FlowAggregator } from './aggregate/flows.ts';
import { AutoTagger } from './tagging/auto-tagger.ts';
import { K8sWatcher, type K8sWatcherOptions } from './tagging/k8s/watcher.ts';
import { Sender, type SenderOptions } from './ship/sender.ts';
import { l7IngestRow } from './ship/l7-row.ts';
import { HealthReporter, type HealthSample } from './health.ts';
import { dropEndpoint, serverEndpoint, type Endpoint } from './self-traffic.ts';

export interface AgentOptions {
  source: CaptureSource;
  /** Server base URL, e.g. http://127.0.0.1:20416. */
  server: string;
  log: Logger;
  tagger?: AutoTagger;
  /** In a Kubernetes cluster: the API access; resource records are shipped on every change. */
  k8s?: Omit<K8sWatcherOptions, 'onResources' | 'log'>;
  /** Unanswered requests become timeout rows after this long. Default 30 s. */
  requestTimeoutMs?: number;
  sender?: Omit<SenderOptions, 'server' | 'log'>;
  /** Health log period; 0 turns the log line off. Default 60 s. */
  healthLogMs?: number;
  /** Serve Prometheus text on 127.0.0.1:port/metrics (0 = a free port). */
  metricsPort?: number;
}

export class Agent {
  readonly sender: Sender;
  readonly health: HealthReporter;
  readonly pipeline: L7Pipeline;
  readonly k8s: K8sWatcher | undefined;
  private readonly app = new ApplicationAggregator();
  private readonly flows: FlowAggregator;
  private readonly tagger: AutoTagger;
  private readonly live: boolean;
  private readonly signalSource: 'eBPF' | 'Packet';
  private events = 0;
  private lastEventNs = 0n;
  private ticker: NodeJS.Timeout | undefined;
  private self: Endpoint | undefined;
  /** Port of /metrics once serving. */
  metricsPort: number | undefined;
  /** Resolves when a finite source (pcap) has been read to its end. */
  done: Promise<void> = Promise.resolve();

  constructor(private readonly options: AgentOptions) {
    this.live = options.source.name !== 'pcap';
    this.signalSource = options.source.name === 'ebpf' ? 'eBPF' : 'Packet';
    this.sender = new Sender({ server: options.server, log: options.log, ...options.sender });
    this.k8s = options.k8s && new K8sWatcher({ ...options.k8s, log: options.log, onResources: (r) => this.sender.addResources(r) });
    this.tagger = options.tagger ?? new AutoTagger({ k8s: () => this.k8s?.index });
    this.pipeline = new L7Pipeline({ timeoutMs: options.requestTimeoutMs, signalSource: this.signalSource });
    this.flows = new FlowAggregator({ signalSource: this.signalSource, tagger: (ip, pid) => this.tagger.side(ip, pid) });
    this.health = new HealthReporter(() => {
      const c = options.source.stats();
      const s = this.sender.stats();
      return { events: this.events, captureDrops: c.drops, l7Rows: this.pipeline.counters.rows, queueDepth: s.queuedBatches, queueBytes: s.queuedBytes, sentRows: s.sentRows, droppedRows: s.droppedRows, rejectedRows: s.rejectedRows };
    }, options.log);
  }

  /**
   * Starts capturing. A CaptureUnavailableError from the source propagates unchanged so the
   * caller can say exactly why. For a pcap source `done` resolves once the file is replayed.
   */
  async start(): Promise<void> {
    const { options } = this;
    if (this.live) this.self = await serverEndpoint(options.server);
    if (this.k8s) {
      // Without the API server the agent still runs, with host and process tags only.
      await this.k8s.start().catch((e: Error) => options.log.warn({ error: e.message }, 'Kubernetes API unavailable; retrying in the background'));
    }
    if (options.metricsPort !== undefined) this.metricsPort = await this.health.serve(options.metricsPort);
    if ((options.healthLogMs ?? 60_000) > 0) this.health.start(options.healthLogMs ?? 60_000);
    this.ticker = setInterval(() => this.tick(), 1000);
    this.ticker.unref();
    const started = options.source.start((batch) => this.onBatch(batch));
    if (this.live) { await started; return; }
    this.done = started.then(() => this.drain());
  }

  /** Stops the source, turns everything pending into rows and ships it (bounded by `timeoutMs`). */
  async stop(timeoutMs = 5000): Promise<HealthSample> {
    if (this.ticker) clearInterval(this.ticker);
    await this.options.source.stop();
    await this.done;
    this.drain();
    this.k8s?.stop();
    await this.sender.stop(timeoutMs);
    const last = this.health.sample();
    await this.health.stop();
    return last;
  }

  /** Rows that are complete now: pending requests as timeouts, every window. */
  private drain(): void {
    this.shipL7(this.pipeline.flush());
    const endNs = this.live ? BigInt(Date.now()) * 1_000_000n : this.lastEventNs;
    this.ship(this.app.closeAll());
    this.ship(this.flows.closeAll(endNs));
  }

  private onBatch(batch: CaptureEvent[]): void {
    this.events += batch.length;
    if (this.self) dropEndpoint(batch, this.self);
    for (const e of batch) if (e.timestampNs > this.lastEventNs) this.lastEventNs = e.timestampNs;
    this.flows.add(batch);
    this.shipL7(this.pipeline.process(batch));
  }

  private shipL7(rows: ReturnType<L7Pipeline['process']>): void {
    if (rows.length === 0) return;
    const tagged = rows.map((r) => this.tagger.l7(r));
    this.sender.add('flow_log.l7_flow_log', tagged.map(l7IngestRow));
    this.app.add(tagged);
  }

  private tick(): void {
    const nowNs = this.live ? BigInt(Date.now()) * 1_000_000n : this.lastEventNs;
    this.ship(this.app.close(Number(nowNs / 1_000_000_000n)));
    this.ship(this.flows.close(nowNs));
  }

  private ship(out: MetricRows[]): void {
    for (const m of out) this.sender.add(m.table, m.rows);
  }
}
