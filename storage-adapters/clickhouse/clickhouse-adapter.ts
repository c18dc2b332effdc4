/**
 * The ClickHouse store over HTTP (@clickhouse/client), for Debian's 18.16 and current versions.
 * One server, or a cluster: local MergeTree tables on every shard plus Distributed tables
 * (see clickhouse-layout.ts). Rows go in as one Native block per write and come back as Native
 * blocks, so 64-bit integers and µs timestamps stay exact both ways.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import type { RecordBatch } from 'apache-arrow';
import type { DictionaryTableDef, TableDef } from '../../schema/index.ts';
import { StoreError, type Capabilities, type PlanFragment, type ResultBatch, type StorageAdapter, type StoreHealth, type TableStats } from '../adapter.ts';
import { hostOf, type ClickHouseOptions } from './clickhouse-config.ts';
import { parseServerError, storeError } from './clickhouse-errors.ts';
import { ensureSchema } from './clickhouse-schema.ts';
import { compileFragment, fragmentColumns } from './clickhouse-compiler.ts';
import { compileOps, hasOps } from './clickhouse-query.ts';
import { refusesAggregate, refusesCall } from './clickhouse-sql.ts';
import { NativeDecoder, type ExpectedColumn } from './clickhouse-reader.ts';
import { nativeBlock } from './clickhouse-writer.ts';
import { ClickHouseDictionary } from './clickhouse-dictionary.ts';
import { quoteIdent, quoteLiteral, tableRef, type Naming } from './clickhouse-types.ts';
import { layoutOf, type Layout } from './clickhouse-layout.ts';

/**
 * What clickhouse-sql.ts compiles with PostgreSQL's answers; the calls it cannot match
 * (float division by a column, most math and string functions, sample variances, ...) are
 * refused one by one and run in the querier.
 */
export const CLICKHOUSE_CAPABILITIES: Capabilities = {
  filter: true, patternMatch: true, aggregate: true, quantile: true, timeBucket: true, orderLimit: true, expressions: true,
  concurrentWriters: true, refusesCall, refusesAggregate,
};

/** Rows per ResultBatch at most (a Native block can be bigger). */
const BATCH_ROWS = 8192;

/** One server MetaFlow talks to. */
export interface ClickHouseNode { base: string; host: string; client: ClickHouseClient }

function connect(base: string, o: ClickHouseOptions): ClickHouseNode {
  const client = createClient({
    url: base, username: o.username, password: o.password, request_timeout: o.requestTimeoutMs,
    compression: { request: false, response: false }, max_open_connections: 8,
    // Failures come back as StoreErrors that the caller logs; the client's own log would repeat them.
    log: { level: ClickHouseLogLevel.OFF },
    // Progress headers keep long queries' connections alive through idle timeouts (18.16 has them).
    clickhouse_settings: { send_progress_in_http_headers: 1, http_headers_progress_interval_ms: '60000' },
  });
  return { base, host: hostOf(base), client };
}

export class ClickHouseAdapter implements StorageAdapter {
  readonly kind = 'clickhouse';
  readonly capabilities = CLICKHOUSE_CAPABILITIES;
  readonly dictionaries: ClickHouseDictionary;
  readonly options: ClickHouseOptions;
  readonly naming: Naming;
  readonly layout: Layout;
  private readonly entry: ClickHouseNode;
  private readonly shards: ClickHouseNode[];
  private tables: TableDef[] = [];
  private version = '';

  constructor(options: ClickHouseOptions) {
    this.options = options;
    this.naming = { prefix: options.prefix };
    this.entry = connect(options.url, options);
    this.shards = (options.cluster?.shards ?? []).map((s) => (s === options.url ? this.entry : connect(s, options)));
    this.layout = layoutOf(this.naming, options.cluster?.name);
    // The dictionary needs one arbiter: the first shard in cluster mode, else the server.
    const dictNode = this.shards[0] ?? this.entry;
    this.dictionaries = new ClickHouseDictionary(this.naming,
      (sql) => this.command(dictNode, sql),
      (sql, columns) => this.selectAll(dictNode, sql, columns.map((c) => ({ ...c, nullable: false })), { max_threads: 1 }));
  }

  /** The servers holding rows: every shard, or the one server. */
  shardNodes(): ClickHouseNode[] {
    return this.shards.length ? this.shards : [this.entry];
  }

  /** Every server DDL must reach: the shards, and the entry server when it is not one. */
  private nodes(): ClickHouseNode[] {
    return this.shards.length === 0 ? [this.entry] : this.shards.includes(this.entry) ? this.shards : [...this.shards, this.entry];
  }

  async command(node: ClickHouseNode, sql: string, settings: ClickHouseSettings = {}): Promise<void> {
    try {
      await node.client.command({ query: sql, clickhouse_settings: settings });
    } catch (e) {
      throw storeError(e, node.host);
    }
  }

  async open(tables: TableDef[], _dictionaries: DictionaryTableDef[]): Promise<void> {
    for (const node of this.nodes()) await this.checkReachable(node);
    if (this.options.cluster) await this.checkCluster();
    const dictNode = this.shards[0] ?? this.entry;
    for (const node of this.nodes()) {
      const roles = { rows: this.shardNodes().includes(node), distributed: this.shards.length > 0, dictionary: node === dictNode };
      await ensureSchema({
        command: (sql) => this.command(node, sql),
        strings: async (sql, names) => (await this.selectAll(node, sql, names.map((name) => ({ name, type: 'string', nullable: false })))) as string[][],
      }, this.layout.tablesFor(roles, tables));
    }
    this.tables = tables;
  }

  /** Connects and authenticates, turning failures into a message naming the server and cause. */
  private async checkReachable(node: ClickHouseNode): Promise<void> {
    try {
      const rows = await this.selectAll(node, 'SELECT version()', [{ name: 'version()', type: 'string', nullable: false }]);
      this.version ||= String(rows[0]?.[0] ?? '');
    } catch (e) {
      const err = storeError(e, node.host);
      if (err.sqlstate.startsWith('28')) {
        const cause = err.message.replace(` (ClickHouse at ${node.host})`, '');
        throw new StoreError(`ClickHouse at ${node.host} refused user '${this.options.username}': ${cause}`, 'clickhouse', err.sqlstate, e);
      }
      throw new StoreError(err.message.includes(node.host) ? err.message : `cannot open ClickHouse at ${node.host}: ${err.message}`, 'clickhouse', err.sqlstate, e);
    }
  }

  private async checkCluster(): Promise<void> {
    const c = this.options.cluster!;
    const rows = await this.selectAll(this.entry, `SELECT count() AS n FROM system.clusters WHERE cluster = ${quoteLiteral(c.name)}`, [{ name: 'n', type: 'uint64', nullable: false }]);
    const n = Number(rows[0]?.[0] ?? 0);
    if (n === 0) throw new StoreError(`ClickHouse at ${this.entry.host} has no cluster '${c.name}' in its remote_servers`, 'clickhouse', '42704');
    if (n !== c.shards.length) {
      throw new StoreError(`ClickHouse cluster '${c.name}' has ${n} replicas in remote_servers at ${this.entry.host}, but ${c.shards.length} shards are configured`, 'clickhouse', '22023');
    }
  }

  /**
   * Appends the batches as ONE INSERT carrying ONE Native block, so ClickHouse parses all of
   * it before storing any of it (a bad value fails the whole call). Stored, the block becomes
   * one part per day partition, committed one after another: ClickHouse has no transaction
   * across parts, so only a server crash in between can leave a partial write. In cluster mode
   * the Distributed table forwards each shard its rows synchronously (insert_distributed_sync),
   * so the call resolves once every shard has stored them; all-or-nothing then holds per shard.
   */
  async write(table: TableDef, batches: RecordBatch[]): Promise<void> {
    const block = nativeBlock(table, batches);
    if (block.rows === 0) return;
    const sql = `INSERT INTO ${tableRef(this.naming, table)} (${block.columns.map(quoteIdent).join(', ')}) FORMAT Native`;
    const settings: ClickHouseSettings = this.shards.length ? { insert_distributed_sync: 1 } : {};
    try {
      const r = await this.entry.client.exec({ query: sql, values: Readable.from(block.chunks), clickhouse_settings: settings });
      await drain(r.stream);
    } catch (e) {
      throw storeError(e, this.entry.host, `ClickHouse write to ${table.fullName} failed`);
    }
  }

  async *execute(fragment: PlanFragment, options: { signal?: AbortSignal } = {}): AsyncIterable<ResultBatch> {
    if (hasOps(fragment)) {
      const { sql, columns } = compileOps(this.naming, fragment);
      yield* this.query(this.entry, sql, columns, options);
      return;
    }
    const columns = fragmentColumns(fragment).map((c) => ({ name: c.name, type: c.type, nullable: c.role !== 'time' }));
    yield* this.query(this.entry, compileFragment(this.naming, fragment), columns, options);
  }

  /**
   * Runs a SELECT and streams its rows, decoding Native blocks as they arrive. Stopping early
   * (break, abort) closes the response and kills the query on the server.
   */
  async *query(node: ClickHouseNode, sql: string, columns: ExpectedColumn[], options: { signal?: AbortSignal; settings?: ClickHouseSettings } = {}): AsyncIterable<ResultBatch> {
    const queryId = randomUUID();
    const decoder = new NativeDecoder(columns);
    let stream: Readable | undefined;
    let finished = false;
    let sent = false;
    // The client honours abort_signal only until the response starts; after that, aborting
    // ends the body stream here (and the finally block kills the query on the server).
    const onAbort = () => stream?.destroy(new StoreError('query canceled', 'clickhouse', '57014'));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.signal?.aborted) throw new StoreError('query canceled', 'clickhouse', '57014');
      const r = await node.client.exec({ query: `${sql} FORMAT Native`, query_id: queryId, abort_signal: options.signal, clickhouse_settings: options.settings ?? {} });
      stream = r.stream as Readable;
      if (options.signal?.aborted) onAbort();
      for await (const chunk of stream) {
        for (const rows of decoder.push(chunk as Buffer)) {
          for (let i = 0; i < rows.length; i += BATCH_ROWS) { sent = true; yield { columns: decoder.columns, rows: rows.slice(i, i + BATCH_ROWS) }; }
        }
      }
      const { blocks, rest } = decoder.finish();
      for (const rows of blocks) if (rows.length) { sent = true; yield { columns: decoder.columns, rows }; }
      if (rest) {
        const text = rest.toString('utf8');
        const parsed = parseServerError(text);
        throw parsed ? storeError(text, node.host) : new StoreError(`ClickHouse at ${node.host} answered with data that is not the Native blocks asked for`, 'clickhouse', '58000');
      }
      finished = true;
      if (!sent) yield { columns: decoder.columns, rows: [] };
    } catch (e) {
      if (options.signal?.aborted) throw new StoreError('query canceled', 'clickhouse', '57014', e);
      throw storeError(e, node.host);
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      if (!finished) {
        stream?.destroy();
        // The server keeps running a query whose client left until it next writes; stop it now.
        node.client.command({ query: `KILL QUERY WHERE query_id = ${quoteLiteral(queryId)} ASYNC` }).catch(() => undefined);
      }
    }
  }

  /** A small SELECT, read whole. */
  async selectAll(node: ClickHouseNode, sql: string, columns: ExpectedColumn[], settings: ClickHouseSettings = {}): Promise<unknown[][]> {
    const out: unknown[][] = [];
    for await (const b of this.query(node, sql, columns, { settings })) for (const r of b.rows) out.push(r);
    return out;
  }

  async stats(): Promise<Record<string, TableStats>> {
    const out: Record<string, TableStats> = {};
    for (const t of this.tables) out[t.fullName] = { rows: 0, bytes: 0 };
    const byName = new Map(this.tables.map((t) => [`${this.naming.prefix}${t.database}.${t.name}${this.layout.localSuffix}`, t]));
    const dbs = [...new Set(this.tables.map((t) => this.naming.prefix + t.database))].map(quoteLiteral).join(', ');
    if (!dbs) return out;
    for (const node of this.shardNodes()) {
      const rows = await this.selectAll(node,
        `SELECT database, table, sum(rows) AS r, sum(bytes_on_disk) AS b FROM system.parts WHERE active AND database IN (${dbs}) GROUP BY database, table`,
        [{ name: 'database', type: 'string', nullable: false }, { name: 'table', type: 'string', nullable: false }, { name: 'r', type: 'uint64', nullable: false }, { name: 'b', type: 'uint64', nullable: false }]);
      for (const [db, table, r, b] of rows) {
        const t = byName.get(`${db}.${table}`);
        if (!t) continue;
        out[t.fullName]!.rows += Number(r);
        out[t.fullName]!.bytes += Number(b);
      }
    }
    return out;
  }

  async health(): Promise<StoreHealth> {
    try {
      for (const node of this.nodes()) {
        await this.selectAll(node, 'SELECT 1', [{ name: '1', type: 'uint8', nullable: false }]);
      }
      const where = this.options.cluster ? `cluster '${this.options.cluster.name}' (${this.shards.length} shards) via ${this.entry.host}` : this.entry.host;
      return { ok: true, detail: `clickhouse ${this.version} at ${where}` };
    } catch (e) {
      return { ok: false, detail: (e as Error).message };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...new Set([this.entry, ...this.shards])].map((n) => n.client.close()));
  }
}

async function drain(stream: unknown): Promise<void> {
  for await (const _ of stream as AsyncIterable<unknown>) { /* the INSERT's empty answer */ }
}
