/**
 * The agent's own health: events/s from the capture, drops (kernel and queue), queue depth,
 * rows shipped and RSS. Logged as one line every `logEveryMs`, and served as Prometheus text
 * on `GET /metrics` when a port is given, so the agent can be watched like anything else.
 */
import http from 'node:http';
import type { Logger } from '../lib/log.ts';

export interface HealthSample {
  events: number;
  eventsPerSec: number;
  captureDrops: number;
  l7Rows: number;
  queueDepth: number;
  queueBytes: number;
  sentRows: number;
  droppedRows: number;
  rejectedRows: number;
  rssBytes: number;
  peakRssBytes: number;
  /** V8 heap in use, and memory held by ArrayBuffers (capture batches, Arrow buffers). */
  heapUsedBytes: number;
  arrayBufferBytes: number;
}

export type HealthReader = () => Omit<HealthSample, 'eventsPerSec' | 'rssBytes' | 'peakRssBytes' | 'heapUsedBytes' | 'arrayBufferBytes'>;

export class HealthReporter {
  private lastEvents = 0;
  private lastAt = Date.now();
  private peakRss = 0;
  private timer: NodeJS.Timeout | undefined;
  private server: http.Server | undefined;

  constructor(private readonly read: HealthReader, private readonly log?: Logger) {}

  sample(): HealthSample {
    const now = Date.now();
    const r = this.read();
    const mem = process.memoryUsage();
    const rss = mem.rss;
    this.peakRss = Math.max(this.peakRss, rss);
    const secs = Math.max(0.001, (now - this.lastAt) / 1000);
    const s: HealthSample = { ...r, eventsPerSec: Math.round((r.events - this.lastEvents) / secs), rssBytes: rss, peakRssBytes: this.peakRss, heapUsedBytes: mem.heapUsed, arrayBufferBytes: mem.arrayBuffers };
    this.lastEvents = r.events;
    this.lastAt = now;
    return s;
  }

  start(logEveryMs: number): void {
    this.timer = setInterval(() => this.log?.info({ health: this.sample() }, 'agent health'), logEveryMs);
    this.timer.unref();
  }

  /** Serves /metrics on 127.0.0.1:port (0 = any free port); resolves with the port. */
  async serve(port: number, host = '127.0.0.1'): Promise<number> {
    this.server = http.createServer((req, res) => {
      if (req.url !== '/metrics') { res.writeHead(404).end(); return; }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(prometheusText(this.sample()));
    });
    await new Promise<void>((resolve, reject) => { this.server!.once('error', reject); this.server!.listen(port, host, resolve); });
    return (this.server.address() as import('node:net').AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.server) await new Promise((r) => this.server!.close(r));
  }
}

const HELP: Record<keyof HealthSample, [string, 'counter' | 'gauge']> = {
  events: ['Capture events received', 'counter'],
  eventsPerSec: ['Capture events per second over the last interval', 'gauge'],
  captureDrops: ['Events lost before reaching the agent (kernel ring buffer, socket buffer)', 'counter'],
  l7Rows: ['l7_flow_log rows produced', 'counter'],
  queueDepth: ['Batches waiting to be sent', 'gauge'],
  queueBytes: ['Bytes of batches waiting to be sent', 'gauge'],
  sentRows: ['Rows acknowledged by the server', 'counter'],
  droppedRows: ['Rows dropped because the send queue was full', 'counter'],
  rejectedRows: ['Rows the server rejected', 'counter'],
  rssBytes: ['Resident set size', 'gauge'],
  peakRssBytes: ['Largest resident set size seen', 'gauge'],
  heapUsedBytes: ['V8 heap in use', 'gauge'],
  arrayBufferBytes: ['Memory held by ArrayBuffers (capture batches, Arrow buffers)', 'gauge'],
};

export function prometheusText(s: HealthSample): string {
  const lines: string[] = [];
  for (const [k, [help, type]] of Object.entries(HELP) as Array<[keyof HealthSample, [string, string]]>) {
    const name = `metaflow_agent_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}${type === 'counter' ? '_total' : ''}`;
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, `${name} ${s[k]}`);
  }
  return lines.join('\n') + '\n';
}
