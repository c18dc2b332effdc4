/**
 * Arrow (storage form) → DuckDB data chunks → appender. Columns missing from the batch are
 * written as NULL. Values are read from the raw Arrow buffers (exact 64-bit integers and µs).
 */
import { DuckDBDataChunk, type DuckDBAppender, type DuckDBValue } from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { boolReader, numberReader, stringReader } from '../../lib/arrow-read.ts';
import { DUCK_TYPE } from './duckdb-types.ts';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

type Reader = (i: number) => DuckDBValue;

function readerFor(type: ColumnType, data: Data): Reader {
  switch (type) {
    case 'timestamp': {
      const read = numberReader(data);
      return (i) => { const v = read(i); return v === null ? null : ({ micros: BigInt(v) } as unknown as DuckDBValue); };
    }
    case 'int64': case 'uint64': {
      const read = numberReader(data);
      return (i) => { const v = read(i); return v === null ? null : BigInt(v); };
    }
    case 'string': return stringReader(data);
    case 'bool': return boolReader(data);
    default: {
      const read = numberReader(data);
      return (i) => { const v = read(i); return v === null ? null : Number(v); };
    }
  }
}

export function appendBatch(appender: DuckDBAppender, table: TableDef, batch: RecordBatch): void {
  const types = table.columns.map((c) => DUCK_TYPE[c.type]);
  const readers = table.columns.map((c) => {
    const data = batch.getChild(c.name)?.data[0];
    return data ? readerFor(c.type, data) : undefined;
  });
  for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, batch.numRows - start);
    const chunk = DuckDBDataChunk.create(types, n);
    const values: DuckDBValue[] = new Array(n);
    readers.forEach((read, col) => {
      if (read) for (let i = 0; i < n; i++) values[i] = read(start + i);
      else values.fill(null);
      chunk.setColumnValues(col, values);
    });
    appender.appendDataChunk(chunk);
  }
}
