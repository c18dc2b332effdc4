/**
 * PostgreSQL (and TimescaleDB) store: `postgres://user:pass@host:5432/db`. Each catalog
 * database is a schema; time-series tables get a BRIN index on time (tiny, and rows arrive in
 * time order) or, when the timescaledb extension is available, become hypertables.
 * The database is created when missing; DDL runs under an advisory lock so several MetaFlow
 * processes may open the same store at once.
 */
import pg, { type Pool, type PoolClient } from 'pg';
import type { RecordBatch } from 'apache-arrow';
import type { DictionaryTableDef, TableDef } from '../../schema/index.ts';
import { StoreError, type Capabilities, type PlanFragment, type ResultBatch, type StorageAdapter, type StoreHealth, type TableStats } from '../adapter.ts';
import { addColumnsSql, createTableSql, quoteIdent, quoteLiteral, tableRef, timeLayoutSql } from './postgres-types.ts';
import { copyBatch } from './postgres-writer.ts';
import { DICTIONARY_DDL, PostgresDictionary } from './postgres-dictionary.ts';
import { compileFragment } from './postgres-compiler.ts';
import { readCursor } from './postgres-reader.ts';

/**
 * Everything the shared PostgreSQL-family compiler (storage-adapters/sql) emits: the querier
 * speaks PostgreSQL's SQL, so this store runs it as written.
 */
export const POSTGRES_CAPABILITIES: Capabilities = {
  filter: true, patternMatch: true, aggregate: true, quantile: true, timeBucket: true, orderLimit: true, expressions: true,
  concurrentWriters: true,
};

/** pg_advisory_lock key that serializes MetaFlow's DDL (any constant both processes agree on). */
const DDL_LOCK = 0x4d657461;
const UNDEFINED_DATABASE = '3D000';
/** Another process created the database between our check and our CREATE. */
const RACED_CREATE = new Set(['42P04', '23505']);

/** A store failure with Postgres's SQLSTATE when it sent one, connection classes otherwise. */
export function storeError(e: unknown, what: string): StoreError {
  if (e instanceof StoreError) return e;
  const err = e as { code?: string; message?: string };
  const code = err.code && /^[0-9A-Z]{5}$/.test(err.code) ? err.code
    : err.code === 'ECONNREFUSED' || err.code === 'ENOTFOUND' || err.code === 'ETIMEDOUT' ? '08001' : '58000';
  return new StoreError(`${what}: ${err.message ?? String(e)}`, 'postgres', code, e);
}

export class PostgresAdapter implements StorageAdapter {
  readonly kind = 'postgres';
  readonly capabilities = POSTGRES_CAPABILITIES;
  readonly dictionaries: PostgresDictionary;
  /** True when TimescaleDB is installed in the database: hypertables and `time_bucket`. */
  timescale = false;
  private pool?: Pool;
  private tables: TableDef[] = [];

  constructor(readonly url: string) {
    this.dictionaries = new PostgresDictionary(() => this.connected());
  }

  get database(): string {
    return decodeURIComponent(new URL(this.url).pathname.replace(/^\//, '')) || 'metaflow';
  }

  /** Client settings for a database of this server (the URL's own database unless told). */
  private settings(database = this.database): pg.PoolConfig {
    const u = new URL(this.url);
    u.pathname = '/' + encodeURIComponent(database);
    // Sessions in UTC: timestamptz text then always ends in +00 (the reader accepts any offset anyway).
    return { connectionString: u.toString(), max: 4, options: '-c TimeZone=UTC' };
  }

  private connected(): Pool {
    if (!this.pool) throw new StoreError('PostgreSQL store is not open', 'postgres', '08003');
    return this.pool;
  }

  async open(tables: TableDef[], dictionaries: DictionaryTableDef[]): Promise<void> {
    await this.createDatabase();
    if (!this.pool) {
      this.pool = new pg.Pool(this.settings());
      this.pool.on('error', () => undefined); // an idle client dropped by the server; the next query reconnects
    }
    this.tables = tables;
    const schemas = new Set([...tables.map((t) => t.database), ...dictionaries.map((d) => d.database)]);
    await this.transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1)', [DDL_LOCK]);
      this.timescale = await this.enableTimescale(c);
      for (const s of schemas) await c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(s)}`);
      for (const t of tables) await this.createTable(c, t);
      for (const ddl of DICTIONARY_DDL) await c.query(ddl);
    }, `cannot set up PostgreSQL database ${this.database}`);
  }

  /**
   * Creates the database when missing, from the server's maintenance database. A database
   * that exists is connected to directly, so a role that may only reach its own database works.
   */
  private async createDatabase(): Promise<void> {
    const probe = new pg.Client(this.settings());
    try {
      await probe.connect();
      return;
    } catch (e) {
      if ((e as { code?: string }).code !== UNDEFINED_DATABASE) throw storeError(e, `cannot connect to PostgreSQL at ${new URL(this.url).host}`);
    } finally {
      await probe.end().catch(() => undefined);
    }
    const admin = new pg.Client(this.settings('postgres'));
    try {
      await admin.connect();
    } catch (e) {
      throw storeError(e, `cannot connect to PostgreSQL at ${new URL(this.url).host}`);
    }
    try {
      const r = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [this.database]);
      if (r.rowCount === 0) await admin.query(`CREATE DATABASE ${quoteIdent(this.database)}`);
    } catch (e) {
      if (!RACED_CREATE.has((e as { code?: string }).code ?? '')) throw storeError(e, `cannot create database ${this.database}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  private async enableTimescale(c: PoolClient): Promise<boolean> {
    const r = await c.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
    if (r.rowCount === 0) return false;
    await c.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
    return true;
  }

  private async createTable(c: PoolClient, t: TableDef): Promise<void> {
    await c.query(createTableSql(t));
    const r = await c.query('SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [t.database, t.name]);
    for (const sql of addColumnsSql(t, new Set(r.rows.map((x) => x.column_name as string)))) await c.query(sql);
    await c.query(timeLayoutSql(t, this.timescale));
  }

  private async transaction<T>(work: (c: PoolClient) => Promise<T>, what: string): Promise<T> {
    let c: PoolClient;
    try {
      c = await this.connected().connect();
    } catch (e) {
      throw storeError(e, what);
    }
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw storeError(e, what);
    } finally {
      c.release();
    }
  }

  /** Copies every batch in one transaction: all are stored or none. */
  write(table: TableDef, batches: RecordBatch[]): Promise<void> {
    return this.transaction(async (c) => {
      for (const b of batches) await copyBatch(c, table, b);
    }, `PostgreSQL write to ${table.fullName} failed`);
  }

  async *execute(fragment: PlanFragment, options: { signal?: AbortSignal } = {}): AsyncIterable<ResultBatch> {
    const computed = fragment.select !== undefined || fragment.groupBy !== undefined || fragment.aggregates !== undefined;
    if (computed) { yield* this.query(compileFragment(fragment), undefined, options.signal); return; }
    const byName = new Map(fragment.table.columns.map((c) => [c.name, c.type]));
    const names = fragment.columns.length ? fragment.columns : fragment.table.columns.map((c) => c.name);
    const columns = names.map((name) => ({ name, type: byName.get(name) ?? 'string' as const }));
    yield* this.query(compileFragment(fragment), columns, options.signal);
  }

  /** Runs SQL through a cursor on its own connection; leaving the loop early closes the cursor. */
  async *query(sql: string, columns: ResultBatch['columns'] | undefined, signal?: AbortSignal): AsyncIterable<ResultBatch> {
    let c: PoolClient;
    try {
      c = await this.connected().connect();
    } catch (e) {
      throw storeError(e, 'cannot connect to PostgreSQL');
    }
    let done = false;
    try {
      await c.query('BEGIN READ ONLY');
      yield* readCursor(c, sql, columns, signal);
      await c.query('COMMIT');
      done = true;
    } catch (e) {
      throw storeError(e, 'PostgreSQL query failed');
    } finally {
      if (!done) await c.query('ROLLBACK').catch(() => undefined);
      c.release();
    }
  }

  async stats(): Promise<Record<string, TableStats>> {
    const out: Record<string, TableStats> = {};
    for (const t of this.tables) {
      // Hypertables keep rows in chunks: hypertable_size counts them, pg_total_relation_size would not.
      const size = this.timescale ? `hypertable_size(${quoteLiteral(tableRef(t))})` : `pg_total_relation_size(${quoteLiteral(tableRef(t))})`;
      const r = await this.connected().query(`SELECT (SELECT count(*) FROM ${tableRef(t)})::int8 AS n, ${size}::int8 AS b`);
      out[t.fullName] = { rows: Number(r.rows[0].n), bytes: Number(r.rows[0].b) };
    }
    return out;
  }

  async health(): Promise<StoreHealth> {
    try {
      const r = await this.connected().query('SELECT version() AS v');
      return { ok: true, detail: `${r.rows[0].v} database ${this.database}${this.timescale ? ' (timescaledb)' : ''}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    await p?.end();
  }
}
