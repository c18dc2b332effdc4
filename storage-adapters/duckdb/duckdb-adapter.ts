/**
 * The embedded store (default): one DuckDB database file in the data directory. DuckDB allows
 * one writing process per file; a second MetaFlow on the same directory gets a clear error.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBResult } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import type { DictionaryTableDef, TableDef } from '../../schema/index.ts';
import { StoreError, type Capabilities, type ColumnBatch, type PlanFragment, type ResultBatch, type StorageAdapter, type StoreHealth, type TableStats } from '../adapter.ts';
import { createTableSql, quoteIdent, quoteLiteral, SQL_TYPE, tableRef } from './duckdb-types.ts';
import { appendBatch } from './duckdb-writer.ts';
import { DICTIONARY_DDL, DuckDBDictionary } from './duckdb-dictionary.ts';
import { compileFragment } from './duckdb-compiler.ts';
import { readColumns, readResult } from './duckdb-reader.ts';

export const DUCKDB_FILE = 'metaflow.duckdb';

/** Idle reader connections kept open. */
const IDLE_READERS = 8;

export const DUCKDB_CAPABILITIES: Capabilities = {
  filter: true, patternMatch: true, aggregate: true, quantile: true, timeBucket: true, orderLimit: true, expressions: true,
  concurrentWriters: false,
};

/** Turns DuckDB's lock message into one that says what to do. */
function openError(path: string, e: unknown): StoreError {
  const msg = e instanceof Error ? e.message : String(e);
  const pid = /PID (\d+)/.exec(msg)?.[1];
  if (/Could not set lock/.test(msg)) {
    return new StoreError(`data directory is in use by another process${pid ? ` (pid ${pid})` : ''}: ${path}; stop it or use another --data-dir`, 'duckdb', '55006', e);
  }
  return new StoreError(`cannot open DuckDB database ${path}: ${msg}`, 'duckdb', '58030', e);
}

export class DuckDBAdapter implements StorageAdapter {
  readonly kind = 'duckdb';
  readonly capabilities = DUCKDB_CAPABILITIES;
  readonly dictionaries: DuckDBDictionary;
  readonly path: string;
  private instance?: DuckDBInstance;
  private writer?: DuckDBConnection;
  /** Writes and dictionary claims run one at a time on the writer connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private tables: TableDef[] = [];
  /** Reader connections kept between queries (opening one per query costs more than a small query). */
  private idle: DuckDBConnection[] = [];

  constructor(dataDir: string) {
    this.path = join(resolve(dataDir), DUCKDB_FILE);
    this.dictionaries = new DuckDBDictionary((work) => this.serial(work));
  }

  private serial<T>(work: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => work(this.conn()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private conn(): DuckDBConnection {
    if (!this.writer) throw new StoreError('DuckDB store is not open', 'duckdb', '08003');
    return this.writer;
  }

  async open(tables: TableDef[], dictionaries: DictionaryTableDef[]): Promise<void> {
    mkdirSync(resolve(this.path, '..'), { recursive: true });
    try {
      // Extensions are never downloaded: this store must work with no network.
      this.instance = await DuckDBInstance.create(this.path, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    } catch (e) {
      throw openError(this.path, e);
    }
    this.writer = await this.instance.connect();
    this.tables = tables;
    const schemas = new Set([...tables.map((t) => t.database), ...dictionaries.map((d) => d.database)]);
    for (const s of schemas) await this.writer.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);
    for (const t of tables) {
      await this.writer.run(createTableSql(t));
      await this.addMissingColumns(t);
    }
    for (const ddl of DICTIONARY_DDL) await this.writer.run(ddl);
  }

  /** Upgrades a table made by an older version: columns added to the catalog since are added here. */
  private async addMissingColumns(t: TableDef): Promise<void> {
    const r = await this.conn().runAndReadAll(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = ${quoteLiteral(t.database)} AND table_name = ${quoteLiteral(t.name)}`);
    const have = new Set(r.getRows().map((row) => String(row[0])));
    for (const c of t.columns) {
      if (!have.has(c.name)) {
        await this.conn().run(`ALTER TABLE ${tableRef(t)} ADD COLUMN ${quoteIdent(c.name)} ${SQL_TYPE[c.type]}`);
      }
    }
  }

  /** Appends the batches in one transaction: all are stored or none. */
  write(table: TableDef, batches: RecordBatch[]): Promise<void> {
    return this.serial(async (c) => {
      await c.run('BEGIN TRANSACTION');
      try {
        const appender = await c.createAppender(table.name, table.database);
        try {
          for (const b of batches) appendBatch(appender, table, b);
          appender.flushSync();
        } finally {
          appender.closeSync();
        }
        await c.run('COMMIT');
      } catch (e) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw new StoreError(`DuckDB write to ${table.fullName} failed: ${(e as Error).message}`, 'duckdb', '58000', e);
      }
    });
  }

  async *execute(fragment: PlanFragment, options: { signal?: AbortSignal } = {}): AsyncIterable<ResultBatch> {
    yield* this.query(compileFragment(fragment), options);
  }

  async *executeColumns(fragment: PlanFragment, options: { signal?: AbortSignal } = {}): AsyncIterable<ColumnBatch> {
    yield* this.read(compileFragment(fragment), readColumns, options);
  }

  /** Runs SQL on a fresh reader connection and streams the rows as JS values. */
  query(sql: string, options: { signal?: AbortSignal } = {}): AsyncIterable<ResultBatch> {
    return this.read(sql, readResult, options);
  }

  private async *read<T>(sql: string, reader: (r: DuckDBResult) => AsyncIterable<T>, options: { signal?: AbortSignal }): AsyncIterable<T> {
    if (!this.instance) throw new StoreError('DuckDB store is not open', 'duckdb', '08003');
    const c = this.idle.pop() ?? await this.instance.connect();
    let finished = false;
    const onAbort = () => c.interrupt();
    options.signal?.addEventListener('abort', onAbort);
    try {
      yield* reader(await c.stream(sql));
      finished = !options.signal?.aborted;
    } catch (e) {
      if (options.signal?.aborted) throw new StoreError('query canceled', 'duckdb', '57014', e);
      throw new StoreError((e as Error).message, 'duckdb', '58000', e);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      // A reader that stopped early (or was interrupted) may leave a result pending on the
      // connection: only connections whose result was read to the end go back to the pool.
      if (finished && this.instance && this.idle.length < IDLE_READERS) this.idle.push(c);
      else c.closeSync();
    }
  }

  async stats(): Promise<Record<string, TableStats>> {
    const out: Record<string, TableStats> = {};
    for (const t of this.tables) {
      const rows = await this.serial((c) => c.runAndReadAll(`SELECT count(*) FROM ${tableRef(t)}`));
      // Bytes: distinct storage blocks the table's persisted segments use, plus the raw size
      // of rows not yet checkpointed. An estimate: DuckDB does not report per-table bytes.
      const blocks = await this.serial((c) => c.runAndReadAll(
        `SELECT count(DISTINCT block_id) FILTER (WHERE persistent), sum(CASE WHEN persistent THEN 0 ELSE count * 8 END)
         FROM pragma_storage_info(${quoteLiteral(`${t.database}."${t.name}"`)})`));
      const [nBlocks, unpersisted] = blocks.getRows()[0]!;
      out[t.fullName] = { rows: Number(rows.getRows()[0]![0]), bytes: Number(nBlocks ?? 0) * 262144 + Number(unpersisted ?? 0) };
    }
    return out;
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.serial((c) => c.run('SELECT 1'));
      return { ok: true, detail: `duckdb ${this.path}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  /** Forces data to the database file (instead of only the write-ahead log). */
  async checkpoint(): Promise<void> {
    await this.serial((c) => c.run('CHECKPOINT'));
  }

  async close(): Promise<void> {
    await this.queue;
    for (const c of this.idle.splice(0)) c.closeSync();
    this.writer?.closeSync();
    this.instance?.closeSync();
    this.writer = undefined;
    this.instance = undefined;
  }
}
