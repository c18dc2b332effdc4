/**
 * Ships rows to the ingester as Arrow IPC streams (`POST /v1/ingest/<db>.<table>`) and
 * resource metadata as JSON (`POST /v1/ingest/resources`).
 *
 * Memory stays bounded whatever the server does: rows collect in one buffer per table until
 * `flushRows` or `flushIntervalMs`, then become an encoded batch in a queue capped in bytes.
 * When the server is away the queue fills and the OLDEST batches are dropped (and counted):
 * fresh data is worth more than old data to someone looking at a live system. One request is
 * in flight at a time, retried with exponential backoff on network errors and 5xx; a 4xx means
 * the batch itself is wrong, so it is dropped as rejected rather than retried forever.
 * While a request is on the wire, buffers grow past `flushRows` (up to `maxBatchRows`) instead
 * of queueing many small batches: under load each request carries more rows, so the server's
 * per-request cost (one transaction each) is paid less often and rows are not dropped for it.
 */
import { tableToIPC, Table } from 'apache-arrow';
import { findTable } from '../../schema/index.ts';
import type { Logger } from '../../lib/log.ts';
import { rowsToBatch, type IngestRow } from './arrow-batch.ts';
import type { ResourceRecord } from '../../schema/index.ts';
export type { ResourceRecord };


export interface SenderOptions {
  /** Server base URL, e.g. http://127.0.0.1:20416. */
  server: string;
  /**
   * Rows per table that trigger a flush. Default 1024: at 10k rows/s a row then waits ~0.1 s
   * and dies young in V8's heap; with 4096 rows buffered for ~0.4 s, rows outlived two
   * scavenges, were promoted, and the old generation grew ~8 MiB more before being collected.
   */
  flushRows?: number;
  /** Rows per table a buffer may reach while a request is in flight. Default 16384. */
  maxBatchRows?: number;
  /** Longest a row waits in a buffer. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Bytes of encoded batches kept while the server is slow or away. Default 16 MiB. */
  maxQueueBytes?: number;
  /** First retry delay; doubles up to maxBackoffMs. Defaults 100 ms, 10 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Per-request timeout. Default 10 s. */
  requestTimeoutMs?: number;
  log?: Logger;
}

interface Item {
  path: string;
  contentType: string;
  body: Uint8Array;
  rows: number;
}

export interface SenderStats {
  bufferedRows: number;
  queuedBatches: number;
  queuedBytes: number;
  sentBatches: number;
  sentRows: number;
  droppedBatches: number;
  droppedRows: number;
  rejectedBatches: number;
  rejectedRows: number;
  retries: number;
  /** Last failure text, for the health line. */
  lastError: string;
}

export class Sender {
  private readonly buffers = new Map<string, IngestRow[]>();
  private readonly queue: Item[] = [];
  private queuedBytes = 0;
  private readonly counters = { sentBatches: 0, sentRows: 0, droppedBatches: 0, droppedRows: 0, rejectedBatches: 0, rejectedRows: 0, retries: 0 };
  private lastError = '';
  private readonly timer: NodeJS.Timeout;
  private pumping: Promise<void> | undefined;
  private backoffMs = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly flushRows: number;
  private readonly maxBatchRows: number;
  private readonly maxQueueBytes: number;
  private readonly base: string;

  constructor(private readonly options: SenderOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.flushRows = options.flushRows ?? 1024;
    this.maxBatchRows = Math.max(this.flushRows, options.maxBatchRows ?? 16_384);
    this.maxQueueBytes = options.maxQueueBytes ?? 16 << 20;
    this.timer = setInterval(() => this.sealAll(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Buffers rows for `db.table`; throws at once on an unknown table (an agent bug). */
  add(table: string, rows: readonly IngestRow[]): void {
    if (rows.length === 0 || this.stopped) return;
    if (!findTable(table)) throw new Error(`unknown table '${table}'`);
    let buf = this.buffers.get(table);
    if (!buf) { buf = []; this.buffers.set(table, buf); }
    const limit = this.queue.length > 0 ? this.maxBatchRows : this.flushRows;
    for (const r of rows) {
      buf.push(r);
      if (buf.length >= limit) { this.seal(table, buf); buf = []; this.buffers.set(table, buf); }
    }
  }

  /** Queues resource metadata (labels become custom tags on the server). */
  addResources(records: readonly ResourceRecord[]): void {
    if (records.length === 0 || this.stopped) return;
    this.enqueue({ path: '/v1/ingest/resources', contentType: 'application/json', body: Buffer.from(JSON.stringify(records)), rows: records.length });
  }

  /** Seals every buffer and waits until the queue is empty or `timeoutMs` passes. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    this.sealAll();
    const deadline = Date.now() + timeoutMs;
    // Someone waits for the data now: retry at once instead of finishing a long backoff.
    this.wake?.();
    while (this.queue.length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.queue.length === 0;
  }

  /** Flushes what it can within `timeoutMs`, then stops; what is left is counted as dropped. */
  async stop(timeoutMs = 5000): Promise<void> {
    await this.flush(timeoutMs);
    this.stopped = true;
    clearInterval(this.timer);
    for (const it of this.queue.splice(0)) { this.counters.droppedBatches++; this.counters.droppedRows += it.rows; }
    this.queuedBytes = 0;
    this.wake?.();
    await this.pumping;
  }

  stats(): SenderStats {
    let buffered = 0;
    for (const b of this.buffers.values()) buffered += b.length;
    return { bufferedRows: buffered, queuedBatches: this.queue.length, queuedBytes: this.queuedBytes, ...this.counters, lastError: this.lastError };
  }

  /** Seals every buffer holding at least `minRows` rows. */
  private sealAll(minRows = 1): void {
    for (const [table, buf] of this.buffers) {
      if (buf.length >= minRows) { this.seal(table, buf); this.buffers.set(table, []); }
    }
  }

  private seal(table: string, rows: IngestRow[]): void {
    const batch = rowsToBatch(findTable(table)!, rows);
    const body = tableToIPC(new Table([batch]), 'stream');
    this.enqueue({ path: `/v1/ingest/${table}`, contentType: 'application/vnd.apache.arrow.stream', body, rows: rows.length });
  }

  private enqueue(item: Item): void {
    this.queue.push(item);
    this.queuedBytes += item.body.length;
    // Oldest first out, but never the head while it is on the wire (index 0 when pumping).
    const first = this.pumping ? 1 : 0;
    while (this.queuedBytes > this.maxQueueBytes && this.queue.length > first + 1) {
      const [old] = this.queue.splice(first, 1);
      this.queuedBytes -= old!.body.length;
      this.counters.droppedBatches++;
      this.counters.droppedRows += old!.rows;
    }
    this.kick();
  }

  private kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async pump(): Promise<void> {
    while (this.queue.length > 0 && !this.stopped) {
      const item = this.queue[0]!;
      const outcome = await this.post(item);
      if (outcome === 'retry') {
        this.counters.retries++;
        this.backoffMs = this.backoffMs === 0 ? (this.options.initialBackoffMs ?? 100) : Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 10_000);
        await this.sleep(this.backoffMs);
        continue;
      }
      this.backoffMs = 0;
      if (this.queue[0] === item) { this.queue.shift(); this.queuedBytes -= item.body.length; }
      if (outcome === 'ok') { this.counters.sentBatches++; this.counters.sentRows += item.rows; }
      else { this.counters.rejectedBatches++; this.counters.rejectedRows += item.rows; }
      // The wire is free: what grew while it was busy goes next, as one batch per table.
      if (this.queue.length === 0) this.sealAll(this.flushRows);
    }
  }

  private async post(item: Item): Promise<'ok' | 'rejected' | 'retry'> {
    try {
      const res = await fetch(this.base + item.path, {
        method: 'POST', headers: { 'content-type': item.contentType }, body: item.body,
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      const text = await res.text();
      if (res.ok) return 'ok';
      this.lastError = `${item.path}: HTTP ${res.status} ${text.slice(0, 300)}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        this.options.log?.error({ path: item.path, status: res.status, body: text.slice(0, 500) }, 'batch rejected by the server');
        return 'rejected';
      }
      return 'retry';
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      this.lastError = `${item.path}: ${err.cause?.code ?? err.message}`;
      if (this.counters.retries % 50 === 0) this.options.log?.warn({ error: this.lastError }, 'server unreachable; retrying with backoff');
      return 'retry';
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = undefined; resolve(); };
    });
  }
}
