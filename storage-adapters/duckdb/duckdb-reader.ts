/** DuckDB results → ResultBatch, chunk by chunk, with values as plain JS (bigint kept exact). */
import type { DuckDBResult, DuckDBType } from '@duckdb/node-api';
import type { ColumnType } from '../../schema/index.ts';
import type { ResultBatch } from '../adapter.ts';

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
