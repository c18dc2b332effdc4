/**
 * THE storage boundary. The ingester writes and the querier reads only through this file's
 * interfaces; only `storage-adapters/<store>/` may import a store's client library.
 * A new store is a folder with the same file names (`<x>-adapter.ts`, `<x>-compiler.ts`, ...)
 * that passes `storage-adapters/testkit` against a real server.
 */
import type { RecordBatch } from 'apache-arrow';
import type { TableDef, DictionaryTableDef, ColumnType } from '../schema/index.ts';
import type { AggregateCall, CallExpr, FragmentOps } from './fragment.ts';

/**
 * What a store can run itself. The planner reads these flags (never the adapter's name) to
 * decide what to push down; anything not pushed is run by the querier, so a false flag costs
 * speed, never correctness.
 */
export interface Capabilities {
  /** Column comparisons, IN lists, IS NULL, AND/OR/NOT in the store. */
  filter: boolean;
  /** LIKE/ILIKE and regular expressions on string columns. */
  patternMatch: boolean;
  /** GROUP BY with count/sum/min/max/avg. */
  aggregate: boolean;
  /** Exact percentiles (percentile_cont/disc) in the store. */
  quantile: boolean;
  /** Time bucketing (date_trunc / date_bin style). */
  timeBucket: boolean;
  /** ORDER BY + LIMIT (top-N). */
  orderLimit: boolean;
  /**
   * Scalar expressions beyond comparisons: arithmetic, CASE, casts, COALESCE and the standard
   * string/math/time functions of the querier's registry (`storage-adapters/sql` compiles them).
   */
  expressions?: boolean;
  /** Several processes may write at once (the dictionary claim protocol then arbitrates). */
  concurrentWriters: boolean;
  /**
   * Per-call vetoes inside the flags above: a store whose SQL cannot give PostgreSQL's answer
   * for some function or argument shape refuses it, and the querier runs that part itself.
   */
  refusesCall?(call: CallExpr): boolean;
  refusesAggregate?(call: AggregateCall): boolean;
}

export const NO_CAPABILITIES: Capabilities = {
  filter: false, patternMatch: false, aggregate: false, quantile: false, timeBucket: false, orderLimit: false, concurrentWriters: false,
};

/** One dictionary entry: a resource's ID and its scoped key/name. */
export interface DictEntry {
  type: string;
  id: number;
  /** Name inside its scope (see schema/resources.ts scopedKey). */
  key: string;
  name: string;
}

export interface CustomTagRow {
  type: string;
  id: number;
  /** `k8s.label.app`, `label.job`, ... */
  key: string;
  value: string;
}

/**
 * Dictionary storage. ID allocation is arbitrated by the store: `claim` inserts only entries
 * whose (type, id) AND (type, key) are both free, atomically per entry; the caller reads back
 * and re-proposes for the ones it lost. Several ingesters can therefore allocate at once and
 * still agree, with no coordination of their own.
 */
export interface DictionaryStore {
  /** Inserts the entries that conflict with nothing; silently skips the others. */
  claim(entries: DictEntry[]): Promise<void>;
  /** Entries of one type whose key is in `keys` (the winners after a claim). */
  findByKeys(type: string, keys: string[]): Promise<DictEntry[]>;
  /** Largest ID in use for a type (0 when none). */
  maxId(type: string): Promise<number>;
  /** Every entry, optionally of one type (dictionaries are small next to data). */
  entries(type?: string): Promise<DictEntry[]>;
  /** Writes custom tags; a later value for the same (type, id, key) replaces the earlier. */
  putCustomTags(rows: CustomTagRow[]): Promise<void>;
  customTags(type?: string): Promise<CustomTagRow[]>;
}

/** A predicate on one stored column, ANDed with the others in a fragment. */
export type ColumnPredicate =
  | { column: string; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: number | bigint | string | boolean }
  | { column: string; op: 'in' | 'not in'; values: Array<number | bigint | string> }
  | { column: string; op: 'is null' | 'is not null' };

/**
 * The part of a query handed to a store. It starts as a filtered scan; the querier grows it
 * (aggregates, buckets, top-N) as far as `capabilities` allow: the optional `FragmentOps`
 * (fragment.ts) stack one SELECT block on the scan; a compiler that sees none runs a scan.
 */
export interface PlanFragment extends FragmentOps {
  table: TableDef;
  /** Stored columns to return, in order. */
  columns: string[];
  /** Rows with `time` in [startUs, endUs). */
  timeRange?: { startUs?: bigint; endUs?: bigint };
  filters: ColumnPredicate[];
  /** Sort order of the result (stores sort far faster than the querier can). */
  orderBy?: Array<{ column: string; desc?: boolean }>;
  limit?: number;
}

/** Rows coming back from a store, in column order of the fragment. */
export interface ResultBatch {
  columns: Array<{ name: string; type: ColumnType }>;
  rows: unknown[][];
}

/**
 * Rows as columns: fixed-width columns as typed arrays (64-bit integers and µs timestamps as
 * BigInt64Array/BigUint64Array), strings as arrays; `valid` (bit i = row i not NULL) is null
 * when the column has no NULLs. For scans of millions of rows, where a JS array per row costs
 * more than the scan itself.
 */
export interface ColumnBatch {
  length: number;
  columns: Array<{ name: string; type: ColumnType; values: ArrayLike<unknown>; valid: Uint8Array | null }>;
}

export interface TableStats { rows: number; bytes: number }

export interface StoreHealth {
  ok: boolean;
  /** What is wrong, or what the store is (version, path) when fine. */
  detail: string;
}

export interface StorageAdapter {
  /** 'duckdb', 'clickhouse', ... — for logs and status only, never for planning. */
  readonly kind: string;
  readonly capabilities: Capabilities;
  readonly dictionaries: DictionaryStore;
  /** Connects, creates databases/tables when missing and upgrades older layouts. Idempotent. */
  open(tables: TableDef[], dictionaries: DictionaryTableDef[]): Promise<void>;
  /**
   * Appends batches already in storage form (IDs and enum codes; schema/arrow.ts
   * storageArrowSchema, any subset of columns), all or none. Resolves only once the rows are
   * durable.
   */
  write(table: TableDef, batches: RecordBatch[]): Promise<void>;
  /** Runs a fragment; batches stream so big results never sit in memory whole. */
  execute(fragment: PlanFragment, options?: { signal?: AbortSignal }): AsyncIterable<ResultBatch>;
  /** Like execute, as columns. Optional: `scanColumns` (columns.ts) falls back to execute. */
  executeColumns?(fragment: PlanFragment, options?: { signal?: AbortSignal }): AsyncIterable<ColumnBatch>;
  /** Rows and bytes per table (`fullName` → stats). */
  stats(): Promise<Record<string, TableStats>>;
  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}

/** Raised by adapters for store failures; the querier maps it to SQLSTATE. */
export class StoreError extends Error {
  constructor(message: string, readonly store: string, readonly sqlstate = '58000', override readonly cause?: unknown) {
    super(message);
    this.name = 'StoreError';
  }
}
