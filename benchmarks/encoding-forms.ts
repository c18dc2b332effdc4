/**
 * The two forms of the same l7_flow_log rows the SmartEncoding benchmarks store side by side:
 * resource tags as IDs (what MetaFlow writes) and as plain strings (the baseline).
 */
import { Field, makeData, RecordBatch, Schema, Struct, type Data } from 'apache-arrow';
import { ingestFields, type ColumnDef, type TableDef } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { stringCodes, utf8FromCodes } from '../lib/arrow-read.ts';
import type { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';
import { progress } from './util.ts';

const enc = new TextEncoder();

/** The l7 table with its resource tags as names (VARCHAR) instead of IDs: the plain-strings baseline. */
export function plainTable(l7: TableDef): TableDef {
  const names = new Map([...ingestFields(l7).values()].filter((f) => f.convert === 'resource').map((f) => [f.column.name, f.name]));
  return {
    ...l7, database: 'bench', name: 'plain',
    columns: l7.columns.map((c): ColumnDef => names.has(c.name) ? { ...c, name: names.get(c.name)!, type: 'string', encoding: { kind: 'plain' } } : c),
    // Same sort order, by name instead of ID (it matters to stores that sort parts, like ClickHouse).
    sortKey: l7.sortKey.map((k) => names.get(k) ?? k),
  };
}

export function onlyColumns(t: TableDef, keep: (c: ColumnDef) => boolean, name: string): TableDef {
  return { ...t, database: 'bench', name, columns: t.columns.filter(keep) };
}

export function project(b: RecordBatch, t: TableDef): RecordBatch {
  const cols = t.columns.filter((c) => b.getChild(c.name));
  const datas = cols.map((c) => b.getChild(c.name)!.data[0]!);
  const fields = cols.map((c, i) => new Field(c.name, datas[i]!.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: b.numRows, children: datas }));
}

/**
 * The plain form: the stored batch's columns as they are, except the resource tags, which
 * are the names from the ingest batch as plain Utf8 (the only difference between the forms).
 */
export function plainBatch(ingest: RecordBatch, stored: RecordBatch, t: TableDef, tagNames: Set<string>): RecordBatch {
  const source = (name: string) => (tagNames.has(name) ? ingest : stored).getChild(name);
  const cols = t.columns.filter((c) => source(c.name));
  const datas: Data[] = cols.map((c) => {
    const d = source(c.name)!.data[0]!;
    if (!tagNames.has(c.name)) return d;
    const { codes, values } = stringCodes(d);
    return utf8FromCodes(values.map((v) => (v === null ? null : enc.encode(v))), codes, ingest.numRows);
  });
  const fields = cols.map((c, i) => new Field(c.name, datas[i]!.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: ingest.numRows, children: datas }));
}

/** Names of the plain table's resource tag columns (those the encoded table stores as IDs). */
export function resourceTagNames(l7: TableDef, plain: TableDef): Set<string> {
  return new Set(plain.columns.filter((c) => !l7.columns.some((x) => x.name === c.name)).map((c) => c.name));
}

/** `total` generated rows in batches of up to 100k: stored (SmartEncoded) and flat (plain) forms. */
export async function* benchRows(total: number, l7: TableDef, plain: TableDef, encoder: ResourceEncoder, label: string):
    AsyncIterable<{ stored: RecordBatch; flat: RecordBatch; tagsSent: number }> {
  const batchRows = Math.min(100_000, total);
  const tagNames = resourceTagNames(l7, plain);
  const topo = topology();
  for (let done = 0, i = 0; done < total; done += batchRows, i++) {
    const n = Math.min(batchRows, total - done);
    const b = generateL7Batch({ rows: n, seed: i + 1, topo, startUs: 1_700_000_000_000_000n + BigInt(done) * 1000n });
    const stored = await toStorageBatch(l7, b, encoder, 0n);
    yield { stored, flat: plainBatch(b, stored, plain, tagNames), tagsSent: [...tagNames].filter((t) => b.getChild(t)).length };
    if (i % 10 === 0) progress(`${label}: ${(done + n).toLocaleString('en-US')} / ${total.toLocaleString('en-US')} rows`);
  }
}
