/**
 * The `pcap` capture source: replays a pcap/pcapng file through packet decoding and TCP
 * reassembly, producing the same events as live capture (pid 0: packets carry no process;
 * connectionId is the client → server 4-tuple). Used by parser tests and for offline analysis.
 */
import { readFile } from 'node:fs/promises';
import type { CaptureEvent, CaptureSource, CaptureStats } from './source.ts';
import { readCapture } from './pcap-file.ts';
import { decodeFrame } from './packet.ts';
import { FlowTable } from './tcp-reassembly.ts';

export interface PcapSourceOptions {
  /** Events per onBatch call. */
  batchSize?: number;
}

export class PcapSource implements CaptureSource {
  readonly name = 'pcap';
  private readonly counters: CaptureStats = { events: 0, bytes: 0, drops: 0 };
  private stopped = false;

  constructor(private readonly path: string, private readonly options: PcapSourceOptions = {}) {}

  async start(onBatch: (events: CaptureEvent[]) => void): Promise<void> {
    const file = new Uint8Array(await readFile(this.path));
    const batchSize = this.options.batchSize ?? 256;
    const flows = new FlowTable();
    let batch: CaptureEvent[] = [];
    for (const frame of readCapture(file)) {
      if (this.stopped) return;
      const p = decodeFrame(frame.linkType, frame.data);
      if (!p) continue;
      flows.handle(p, frame.timestampNs, batch);
      if (batch.length >= batchSize) { this.deliver(batch, onBatch); batch = []; }
    }
    flows.flush(batch);
    if (batch.length > 0) this.deliver(batch, onBatch);
  }

  private deliver(batch: CaptureEvent[], onBatch: (events: CaptureEvent[]) => void): void {
    this.counters.events += batch.length;
    for (const e of batch) if (e.kind === 'payload') this.counters.bytes += e.byteCount;
    onBatch(batch);
  }

  async stop(): Promise<void> { this.stopped = true; }

  stats(): CaptureStats { return { ...this.counters }; }
}

/** Reads a whole capture file into events (tests, tools). */
export async function readPcapEvents(path: string): Promise<CaptureEvent[]> {
  const all: CaptureEvent[] = [];
  await new PcapSource(path).start((b) => { for (const e of b) all.push(e); });
  return all;
}
