/**
 * The ingest service: Arrow IPC body → checked, SmartEncoded storage batches → adapter.write.
 * A request is answered only after the store has committed it; a rejected request writes nothing.
 */
import { RecordBatchReader, type RecordBatch } from 'apache-arrow';
import { findTable, suggestTables, type TableDef } from '../schema/index.ts';
import { StoreError, type StorageAdapter } from '../storage-adapters/adapter.ts';
import type { Logger } from '../lib/log.ts';
import { IngestError } from './errors.ts';
import { checkFrames } from './ipc-frames.ts';
import { checkSchema, toStorageBatch } from './convert.ts';
import { ResourceEncoder } from './smart-encoding/encoder.ts';
import { parseResources, storeResources } from './resources.ts';
import { RemoteWriteReceiver } from './prometheus/remote-write.ts';

export interface IngestResult { rows: number; batches: number }

export class Ingester {
  readonly encoder: ResourceEncoder;
  readonly remoteWrite: RemoteWriteReceiver;
  private readonly dictionaryListeners: Array<() => void> = [];

  constructor(private readonly adapter: StorageAdapter, private readonly log: Logger) {
    this.encoder = new ResourceEncoder(adapter.dictionaries);
    this.remoteWrite = new RemoteWriteReceiver(adapter, this.encoder);
  }

  async start(): Promise<void> {
    await this.encoder.warm();
  }

  table(name: string): TableDef {
    const t = findTable(name);
    if (!t) {
      const near = suggestTables(name);
      throw new IngestError('UNKNOWN_TABLE', `'${name}'`, { table: name, hint: near.length ? `did you mean ${near.join(', ')}?` : 'see GET /v1/status for the tables' });
    }
    return t;
  }

  /** Decodes every batch first (so garbage anywhere rejects the whole request), then writes. */
  async ingestArrow(tableName: string, body: Uint8Array): Promise<IngestResult> {
    const table = this.table(tableName);
    if (body.length === 0) throw new IngestError('EMPTY_BODY', 'send an Arrow IPC stream', { table: table.fullName });
    checkFrames(body);
    let batches: RecordBatch[];
    try {
      const reader = RecordBatchReader.from(body);
      batches = [...reader];
      if (batches.length === 0) checkSchema(table, reader.schema);
    } catch (e) {
      if (e instanceof IngestError) throw e;
      throw new IngestError('BAD_ARROW', (e as Error).message, { table: table.fullName });
    }
    const nowUs = BigInt(Date.now()) * 1000n;
    const stored: RecordBatch[] = [];
    let rows = 0;
    for (const b of batches) {
      if (b.numRows === 0) continue;
      stored.push(await toStorageBatch(table, b, this.encoder, nowUs));
      rows += b.numRows;
    }
    if (stored.length) {
      try {
        await this.adapter.write(table, stored);
      } catch (e) {
        this.log.error({ err: e, table: table.fullName }, 'store write failed');
        throw new IngestError('STORE_FAILED', e instanceof StoreError ? e.message : String(e), { table: table.fullName });
      }
    }
    this.log.debug({ table: table.fullName, rows, batches: batches.length }, 'ingested');
    return { rows, batches: batches.length };
  }

  async ingestResources(body: unknown): Promise<{ resources: number }> {
    const records = parseResources(body);
    const resources = await storeResources(records, this.encoder, this.adapter.dictionaries);
    // Custom tags changed even when every name was known already.
    for (const l of this.dictionaryListeners) l();
    return { resources };
  }

  /**
   * Calls `listener` after this ingester stored dictionary entries or custom tags, so a
   * querier in the same process reads new names at once instead of after its cache expires.
   */
  onDictionaryChange(listener: () => void): void {
    this.dictionaryListeners.push(listener);
    this.encoder.onLearned(listener);
  }
}
