/**
 * Arrow (storage form) → PostgreSQL binary COPY. Binary rather than text COPY: timestamps go
 * in as exact µs integers, numbers need no formatting and strings no escaping (their UTF-8
 * bytes are copied from the Arrow buffer as they are). Columns absent from a batch are left
 * out of the COPY column list, so Postgres stores NULL for them. The tuples themselves are
 * built by postgres-copy-codec.ts.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { RecordBatch } from 'apache-arrow';
import type { TableDef } from '../../schema/index.ts';
import { columnCodecs, copyChunks } from './postgres-copy-codec.ts';
import { quoteIdent, tableRef } from './postgres-types.ts';

/** Copies one batch on a client already inside the caller's transaction. */
export async function copyBatch(client: PoolClient, table: TableDef, batch: RecordBatch): Promise<void> {
  if (batch.numRows === 0) return;
  const { names, codecs } = columnCodecs(table, batch);
  if (names.length === 0) throw new Error(`batch for ${table.fullName} has none of its columns`);
  const sql = `COPY ${tableRef(table)} (${names.map(quoteIdent).join(', ')}) FROM STDIN (FORMAT binary)`;
  await pipeline(Readable.from(copyChunks(batch.numRows, codecs)), client.query(copyFrom(sql)));
}
