/**
 * InfluxDB store over the v1 HTTP API: `influxdb://[user:pass@]host:8086/db` (`influxdbs://`
 * for TLS). One InfluxDB database per store, created when missing; a measurement per table,
 * named by the table's full name. The mapping is documented in README.md.
 * InfluxDB is schemaless, so "upgrading" an older layout needs no DDL: new columns are new
 * fields or tags, and reading a field never written gives NULL.
 */
import { randomBytes } from 'node:crypto';
import type { RecordBatch } from 'apache-arrow';
import type { DictionaryTableDef, TableDef } from '../../schema/index.ts';
import { projection, refusesCall, wherePredicates } from './influxdb-where.ts';
import { NO_CAPABILITIES, StoreError, type Capabilities, type PlanFragment, type ResultBatch, type StorageAdapter, type StoreHealth, type TableStats } from '../adapter.ts';
import { InfluxHttp } from './influxdb-http.ts';
import { InfluxDictionary, DEFAULT_SETTLE_MS } from './influxdb-dictionary.ts';
import { batchLines, SlotBook, SlotDraft } from './influxdb-writer.ts';
import { compileFragment } from './influxdb-compiler.ts';
import { readSeries } from './influxdb-reader.ts';
import { measurementOf, quoteIdent, ROW_FIELD } from './influxdb-types.ts';

/**
 * Filters are pushed partly (tags, time) with the rest applied by the reader, so `filter` is
 * true; aggregates and buckets wait for the querier's richer fragments.
 */
export const INFLUXDB_CAPABILITIES: Capabilities = { ...NO_CAPABILITIES, filter: true, concurrentWriters: true, refusesCall };

/** The fragment with its pushed WHERE as ColumnPredicates (refusesCall lets only those down). */
function withWhere(f: PlanFragment): PlanFragment {
  if (!f.where) return f;
  const more = wherePredicates(f.where);
  if (!more) throw new StoreError('InfluxDB cannot run this WHERE; the planner must not push it', 'influxdb', 'XX000');
  return { ...f, where: undefined, filters: [...f.filters, ...more] };
}

/** Points per /write request: InfluxDB's advice (5 000), and it keeps each under the server's write timeout. */
export const POINTS_PER_REQUEST = 5_000;

/** Points per InfluxDB answer chunk, one ResultBatch each. */
export const CHUNK_ROWS = 10_000;

/** Attempts per /write request when InfluxDB times out or fails inside (5xx). */
const WRITE_ATTEMPTS = 3;

/**
 * A write InfluxDB timed out may still land, so it is simply sent again: the same points
 * (same tags, same slot times) overwrite themselves, never duplicate.
 */
async function writeRetrying(http: InfluxHttp, body: string, what: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await http.write(body, what);
    } catch (e) {
      const transient = e instanceof StoreError && (e.sqlstate === '57014' || e.sqlstate === '58000');
      if (!transient || attempt === WRITE_ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}

export class InfluxDBAdapter implements StorageAdapter {
  readonly kind = 'influxdb';
  readonly capabilities = INFLUXDB_CAPABILITIES;
  readonly dictionaries: InfluxDictionary;
  /** This adapter instance's writer tag value and dictionary claimant. */
  readonly writer = randomBytes(6).toString('base64url');
  readonly database: string;
  private readonly slots = new SlotBook();
  /** Write calls run one at a time: each one's slots build on the previous one's. */
  private writes: Promise<unknown> = Promise.resolve();
  private http?: InfluxHttp;
  private tables: TableDef[] = [];

  constructor(readonly url: string) {
    const u = new URL(url);
    this.database = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'metaflow';
    const settle = Number(u.searchParams.get('claim_settle_ms') ?? DEFAULT_SETTLE_MS);
    if (!Number.isInteger(settle) || settle < 0) throw new StoreError(`claim_settle_ms must be a whole number of milliseconds ≥ 0, got '${u.searchParams.get('claim_settle_ms')}'`, 'influxdb', '22023');
    this.dictionaries = new InfluxDictionary(() => this.client(), this.writer, settle);
  }

  private client(): InfluxHttp {
    if (!this.http) throw new StoreError('InfluxDB store is not open', 'influxdb', '08003');
    return this.http;
  }

  async open(tables: TableDef[], _dictionaries: DictionaryTableDef[]): Promise<void> {
    const u = new URL(this.url);
    const scheme = u.protocol === 'influxdbs:' ? 'https' : 'http';
    const http = new InfluxHttp(`${scheme}://${u.hostname}:${u.port || 8086}`, this.database,
      u.username ? decodeURIComponent(u.username) : undefined, u.password ? decodeURIComponent(u.password) : undefined);
    await http.ping();
    // Created only when missing: InfluxDB 2.x/3.x list their DBRP-mapped buckets here but
    // refuse CREATE DATABASE, so an existing one must not be created again.
    const databases: unknown[] = [];
    for await (const s of http.query('SHOW DATABASES', { database: false })) databases.push(...s.values.map((v) => v[0]));
    if (!databases.includes(this.database)) await http.command(`CREATE DATABASE ${quoteIdent(this.database)}`, false);
    this.http = http;
    this.tables = tables;
  }

  /**
   * Sends a write call once every row has been turned into line protocol (so bad values fail
   * the call before anything is stored), in requests of POINTS_PER_REQUEST points. InfluxDB has
   * no transactions: a server failure part way may keep a prefix of the call, and retrying the
   * same batches rewrites the same points (same tags and slots) instead of duplicating them.
   */
  write(table: TableDef, batches: RecordBatch[]): Promise<void> {
    const next = this.writes.then(() => this.writeNow(table, batches));
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async writeNow(table: TableDef, batches: RecordBatch[]): Promise<void> {
    const http = this.client();
    const draft = new SlotDraft(this.slots);
    let lines: string[];
    try {
      lines = batches.flatMap((b) => batchLines(table, b, this.writer, draft));
    } catch (e) {
      throw new StoreError(`InfluxDB write to ${table.fullName} refused: ${(e as Error).message}`, 'influxdb', '22003', e);
    }
    for (let i = 0; i < lines.length; i += POINTS_PER_REQUEST) {
      await writeRetrying(http, lines.slice(i, i + POINTS_PER_REQUEST).join('\n'), `InfluxDB write to ${table.fullName} failed`);
    }
    draft.commit();
  }

  async *execute(pushed: PlanFragment, options: { signal?: AbortSignal } = {}): AsyncIterable<ResultBatch> {
    if (pushed.select) {
      const stored = pushed.table.columns.map((c) => c.name);
      const p = projection(pushed.select, stored);
      const names = pushed.select.map((s) => ({ name: s.name, type: pushed.table.columns.find((c) => s.expr.kind === 'column' && c.name === s.expr.name)?.type ?? 'string' as const }));
      for await (const b of this.execute({ ...pushed, select: undefined, columns: p.columns.length ? p.columns : ['time'] }, options)) {
        yield { columns: names, rows: b.rows.map(p.row) };
      }
      return;
    }
    const fragment = withWhere(pushed);
    const q = compileFragment(fragment);
    const columns = fragment.columns.length ? fragment.columns : fragment.table.columns.map((c) => c.name);
    // Leaving the loop early aborts the HTTP answer instead of reading it to the end.
    const abort = new AbortController();
    const onAbort = () => abort.abort();
    options.signal?.addEventListener('abort', onAbort);
    try {
      yield* readSeries(this.client().query(q.influxql, { chunkSize: CHUNK_ROWS, signal: abort.signal }), fragment.table, columns, q);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      abort.abort();
    }
  }

  /** Rows per table (points counted by their always-present field). InfluxDB 1.x reports no per-measurement bytes: 0. */
  async stats(): Promise<Record<string, TableStats>> {
    const out: Record<string, TableStats> = {};
    for (const t of this.tables) {
      let rows = 0;
      for await (const s of this.client().query(`SELECT count(${quoteIdent(ROW_FIELD)}) FROM ${quoteIdent(measurementOf(t))}`)) {
        rows += Number(s.values[0]?.[1] ?? 0);
      }
      out[t.fullName] = { rows, bytes: 0 };
    }
    return out;
  }

  async health(): Promise<StoreHealth> {
    try {
      const version = await this.client().ping();
      return { ok: true, detail: `InfluxDB ${version} database ${this.database}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    this.http = undefined;
  }
}
