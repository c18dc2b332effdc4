/**
 * Arrow (storage form) → DuckDB data chunks → appender, copying buffers instead of values:
 * fixed-width columns are copied byte for byte from the Arrow buffer into the DuckDB vector,
 * null bitmaps likewise (Arrow and DuckDB both keep validity LSB-first, 1 = valid), and
 * strings go in as UTF-8 byte slices, never decoded to JS strings. Columns missing from the
 * batch are written as NULL.
 */
import duckdb from '@duckdb/node-bindings';
import { DuckDBDataChunk, type DuckDBAppender } from '@duckdb/node-api';
import type { Data, RecordBatch } from 'apache-arrow';
import type { ColumnType, TableDef } from '../../schema/index.ts';
import { isValid } from '../../lib/arrow-read.ts';
import { DUCK_TYPE } from './duckdb-types.ts';

/** DuckDB's vector size: a data chunk holds at most this many rows. */
const CHUNK_ROWS = 2048;

/** Bytes per value of fixed-width columns, as both Arrow and DuckDB lay them out. */
const WIDTH: Partial<Record<ColumnType, number>> = {
  int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, float64: 8, timestamp: 8,
};

type Vector = ReturnType<typeof duckdb.data_chunk_get_vector>;

/** Writes a validity mask (bit i = row i valid) into the vector; DuckDB hands out copies, so masks are copied in. */
function setValidity(vector: Vector, mask: Uint8Array): void {
  duckdb.vector_ensure_validity_writable(vector);
  duckdb.copy_data_to_vector_validity(vector, 0, mask.buffer as ArrayBuffer, mask.byteOffset, mask.byteLength);
}

function copyValidity(vector: Vector, data: Data, start: number, n: number): void {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return;
  const first = data.offset + start;
  if ((first & 7) === 0) {
    setValidity(vector, data.nullBitmap.subarray(first >> 3, (first >> 3) + ((n + 7) >> 3)));
    return;
  }
  const mask = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) if (isValid(data, start + i)) mask[i >> 3]! |= 1 << (i & 7);
  setValidity(vector, mask);
}

const NULL_MASK = new Uint8Array(CHUNK_ROWS >> 3);

function allNull(vector: Vector, n: number): void {
  setValidity(vector, NULL_MASK.subarray(0, (n + 7) >> 3));
}

function fillColumn(vector: Vector, type: ColumnType, data: Data, start: number, n: number): void {
  const width = WIDTH[type];
  if (width !== undefined) {
    const values = data.values as ArrayBufferView;
    duckdb.copy_data_to_vector(vector, 0, values.buffer as ArrayBuffer, values.byteOffset + start * width, n * width);
  } else if (type === 'string') {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    for (let i = 0; i < n; i++) {
      const j = start + i;
      if (isValid(data, j)) duckdb.vector_assign_string_element_len(vector, i, bytes.subarray(offsets[j]!, offsets[j + 1]!));
    }
  } else {
    // BOOLEAN is one byte per value in DuckDB, one bit in Arrow (bits count from data.offset,
    // while byte-aligned buffers of a sliced Data are already cut at the slice).
    const bits = data.values as Uint8Array;
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) { const j = data.offset + start + i; out[i] = (bits[j >> 3]! >> (j & 7)) & 1; }
    duckdb.copy_data_to_vector(vector, 0, out.buffer, 0, n);
  }
  copyValidity(vector, data, start, n);
}

export function appendBatch(appender: DuckDBAppender, table: TableDef, batch: RecordBatch): void {
  const types = table.columns.map((c) => DUCK_TYPE[c.type]);
  const sources = table.columns.map((c) => batch.getChild(c.name)?.data[0]);
  for (let start = 0; start < batch.numRows; start += CHUNK_ROWS) {
    const n = Math.min(CHUNK_ROWS, batch.numRows - start);
    const chunk = DuckDBDataChunk.create(types, n);
    table.columns.forEach((c, col) => {
      const vector = duckdb.data_chunk_get_vector(chunk.chunk, col);
      const data = sources[col];
      if (data) fillColumn(vector, c.type, data, start, n);
      else allNull(vector, n);
    });
    appender.appendDataChunk(chunk);
  }
}
