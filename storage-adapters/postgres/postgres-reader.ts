/**
 * Streams a query's rows through a server-side cursor (DECLARE … / FETCH n inside a
 * transaction), so a big result never sits in memory whole. 64-bit integers, numerics and
 * timestamps arrive as text and become exact JS values here, by the catalog type of each column.
 */
import pg, { type PoolClient } from 'pg';
import type { ColumnType } from '../../schema/index.ts';
import type { ResultBatch } from '../adapter.ts';
import { parseTimestamp } from './postgres-types.ts';

/** Rows per FETCH: one ResultBatch each. */
export const FETCH_ROWS = 2000;

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const TIMESTAMPTZ_OID = 1184;
const TEXT_KEPT = new Set([INT8_OID, NUMERIC_OID, TIMESTAMPTZ_OID]);

/** pg's parsers, except that int8, numeric and timestamptz stay text (pg would round them). */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (TEXT_KEPT.has(oid)) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const CONVERT: Partial<Record<ColumnType, (v: string) => unknown>> = {
  timestamp: parseTimestamp,
  int64: (v) => BigInt(v),
  uint64: (v) => BigInt(v),
  uint32: Number,
};

/** Result columns typed by PostgreSQL itself (computed outputs have no catalog column). */
const BY_OID: Record<number, ColumnType> = { [INT8_OID]: 'int64', [TIMESTAMPTZ_OID]: 'timestamp', 21: 'int16', 23: 'int32', 16: 'bool', 701: 'float64', 700: 'float64' };

/** Numeric results of aggregates (sum(bigint), div) stay exact: integral text → bigint. */
const numericValue = (v: string): unknown => (/^-?\d+$/.test(v) ? BigInt(v) : Number(v));

/**
 * `columns` are the catalog types of a plain scan; without them (a fragment with computed
 * outputs) each column's type comes from the server's row description.
 */
export async function* readCursor(client: PoolClient, sql: string, columns: Array<{ name: string; type: ColumnType }> | undefined,
  signal?: AbortSignal): AsyncIterable<ResultBatch> {
  let converts = columns?.map((c) => CONVERT[c.type]);
  await client.query('DECLARE metaflow_cursor NO SCROLL CURSOR FOR ' + sql);
  for (;;) {
    if (signal?.aborted) throw Object.assign(new Error('query canceled'), { code: '57014' });
    const r = await client.query<unknown[]>({ text: `FETCH FORWARD ${FETCH_ROWS} FROM metaflow_cursor`, rowMode: 'array', types: TYPES });
    if (!columns) {
      columns = r.fields.map((f) => ({ name: f.name, type: BY_OID[f.dataTypeID] ?? (f.dataTypeID === NUMERIC_OID ? 'float64' : 'string') }));
      converts = r.fields.map((f) => (f.dataTypeID === NUMERIC_OID ? numericValue : CONVERT[BY_OID[f.dataTypeID] ?? 'string']));
    }
    const rows = r.rows.map((row) => row.map((v, i) => (v === null || !converts![i] ? v : converts![i]!(v as string))));
    if (rows.length > 0 || r.rows.length === 0) yield { columns, rows };
    if (r.rows.length < FETCH_ROWS) return;
  }
}
