/** DuckDB results → ResultBatch, chunk by chunk, with values as plain JS (bigint kept exact). */
import duckdb from '@duckdb/node-bindings';
import type { DuckDBDataChunk, DuckDBResult, DuckDBType } from '@duckdb/node-api';
import type { ColumnType } from '../../schema/index.ts';
import type { ColumnBatch, ResultBatch } from '../adapter.ts';

const FROM_DUCK: Record<string, ColumnType> = {
  TIMESTAMP: 'timestamp', 'TIMESTAMP WITH TIME ZONE': 'timestamp', TINYINT: 'int8', SMALLINT: 'int16', INTEGER: 'int32', BIGINT: 'int64',
  UTINYINT: 'uint8', USMALLINT: 'uint16', UINTEGER: 'uint32', UBIGINT: 'uint64', HUGEINT: 'int64', DOUBLE: 'float64', FLOAT: 'float64',
  BOOLEAN: 'bool', VARCHAR: 'string',
};

export function columnTypeOf(t: DuckDBType): ColumnType {
  return FROM_DUCK[t.toString()] ?? (t.toString().startsWith('DECIMAL') ? 'float64' : 'string');
}

export async function* readResult(result: DuckDBResult): AsyncIterable<ResultBatch> {
  const names = result.columnNames();
  const types = result.columnTypes().map(columnTypeOf);
  const columns = names.map((name, i) => ({ name, type: types[i]! }));
  let sent = false;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const rows = chunk.getRows().map((row) => row.map((v, i) => plain(v, types[i]!)));
    sent = true;
    yield { columns, rows };
  }
  if (!sent) yield { columns, rows: [] };
}

/** Timestamps come back as µs bigint; other DuckDB value objects as their text. */
function plain(v: unknown, type: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'timestamp') return (v as { micros: bigint }).micros;
  if (typeof v === 'object' && !(v instanceof Uint8Array)) return String(v);
  return v;
}

type Fixed = { width: number; make: (b: ArrayBuffer) => ArrayLike<unknown> };
const FIXED: Partial<Record<ColumnType, Fixed>> = {
  int8: { width: 1, make: (b) => new Int8Array(b) }, uint8: { width: 1, make: (b) => new Uint8Array(b) },
  int16: { width: 2, make: (b) => new Int16Array(b) }, uint16: { width: 2, make: (b) => new Uint16Array(b) },
  int32: { width: 4, make: (b) => new Int32Array(b) }, uint32: { width: 4, make: (b) => new Uint32Array(b) },
  int64: { width: 8, make: (b) => new BigInt64Array(b) }, uint64: { width: 8, make: (b) => new BigUint64Array(b) },
  timestamp: { width: 8, make: (b) => new BigInt64Array(b) }, float64: { width: 8, make: (b) => new Float64Array(b) },
};

/** True when the validity mask clears a bit below n (whole bytes first: masks are mostly all set). */
function hasNull(mask: Uint8Array, n: number): boolean {
  const full = n >> 3;
  for (let b = 0; b < full; b++) if (mask[b] !== 0xff) return true;
  for (let i = full << 3; i < n; i++) if ((mask[i >> 3]! & (1 << (i & 7))) === 0) return true;
  return false;
}

/** One chunk's column as a typed array copied out of the DuckDB vector (or JS values for the rest). */
function chunkColumn(chunk: DuckDBDataChunk, i: number, type: ColumnType, n: number) {
  const fixed = FIXED[type];
  const vector = duckdb.data_chunk_get_vector(chunk.chunk, i);
  const mask = duckdb.vector_get_validity(vector, (n + 7) >> 3) as Uint8Array | null | undefined;
  const valid = mask && mask.length && hasNull(mask, n) ? Uint8Array.from(mask) : null;
  if (fixed) {
    const bytes = duckdb.vector_get_data(vector, n * fixed.width);
    return { values: fixed.make(bytes.slice(0, n * fixed.width).buffer), valid };
  }
  return { values: chunk.getColumnValues(i).map((v) => plain(v, type)), valid };
}

export async function* readColumns(result: DuckDBResult): AsyncIterable<ColumnBatch> {
  const names = result.columnNames();
  const types = result.columnTypes().map(columnTypeOf);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const n = chunk.rowCount;
    yield { length: n, columns: names.map((name, i) => ({ name, type: types[i]!, ...chunkColumn(chunk, i, types[i]!, n) })) };
  }
}
