/**
 * (b) SmartEncoding on disk: the same rows stored with resource tags as IDs (what MetaFlow
 * writes) versus as plain strings, in the same store (DuckDB, same version and settings).
 * Two measurements, each as separate database files after CHECKPOINT:
 *   - the resource tag columns alone (what the encoding changes), and
 *   - the whole l7_flow_log row.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Field, makeData, RecordBatch, Schema, Struct, type Data } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { findTable, ingestFields, type ColumnDef, type TableDef } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { stringCodes, utf8FromCodes } from '../lib/arrow-read.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';
import { DuckDBDictionary, DICTIONARY_DDL } from '../storage-adapters/duckdb/duckdb-dictionary.ts';
import { appendBatch } from '../storage-adapters/duckdb/duckdb-writer.ts';
import { createTableSql } from '../storage-adapters/duckdb/duckdb-types.ts';
import { fileMiB, progress, table } from './util.ts';

export interface EncodingResult { rows: number; tagRatio: number; rowRatio: number; markdown: string }

const enc = new TextEncoder();

/** The l7 table with its resource tags as names (VARCHAR) instead of IDs: the plain-strings baseline. */
function plainTable(l7: TableDef): TableDef {
  const names = new Map([...ingestFields(l7).values()].filter((f) => f.convert === 'resource').map((f) => [f.column.name, f.name]));
  return { ...l7, database: 'bench', name: 'plain', columns: l7.columns.map((c): ColumnDef => names.has(c.name) ? { ...c, name: names.get(c.name)!, type: 'string', encoding: { kind: 'plain' } } : c) };
}

function onlyColumns(t: TableDef, keep: (c: ColumnDef) => boolean, name: string): TableDef {
  return { ...t, database: 'bench', name, columns: t.columns.filter(keep) };
}

function project(b: RecordBatch, t: TableDef): RecordBatch {
  const cols = t.columns.filter((c) => b.getChild(c.name));
  const datas = cols.map((c) => b.getChild(c.name)!.data[0]!);
  const fields = cols.map((c, i) => new Field(c.name, datas[i]!.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: b.numRows, children: datas }));
}

/** Ingest-form batch → plain form: every string column (dictionary-encoded or not) as plain Utf8. */
function plainBatch(b: RecordBatch, t: TableDef): RecordBatch {
  const cols = t.columns.filter((c) => b.getChild(c.name));
  const datas: Data[] = cols.map((c) => {
    const d = b.getChild(c.name)!.data[0]!;
    if (c.type !== 'string') return d;
    const { codes, values } = stringCodes(d);
    return utf8FromCodes(values.map((v) => (v === null ? null : enc.encode(v))), codes, b.numRows);
  });
  const fields = cols.map((c, i) => new Field(c.name, datas[i]!.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: b.numRows, children: datas }));
}

class Db {
  private constructor(readonly path: string, private readonly inst: DuckDBInstance, readonly c: DuckDBConnection) {}
  static async open(path: string, tables: TableDef[]): Promise<Db> {
    const inst = await DuckDBInstance.create(path, { autoinstall_known_extensions: 'false', autoload_known_extensions: 'false' });
    const c = await inst.connect();
    await c.run('CREATE SCHEMA IF NOT EXISTS bench');
    await c.run('CREATE SCHEMA IF NOT EXISTS flow_tag');
    for (const t of tables) await c.run(createTableSql(t));
    return new Db(path, inst, c);
  }
  async append(t: TableDef, b: RecordBatch): Promise<void> {
    const a = await this.c.createAppender(t.name, t.database);
    appendBatch(a, t, b);
    a.flushSync();
    a.closeSync();
  }
  async finish(): Promise<number> {
    await this.c.run('CHECKPOINT');
    this.c.closeSync();
    this.inst.closeSync();
    return fileMiB(this.path);
  }
}

export async function benchEncoding(opts: { rows?: number } = {}): Promise<EncodingResult> {
  const total = opts.rows ?? 10_000_000;
  const batchRows = Math.min(100_000, total);
  const l7 = findTable('flow_log.l7_flow_log')!;
  const plain = plainTable(l7);
  const isResource = (c: ColumnDef) => c.encoding?.kind === 'resource';
  const tagNames = new Set(plain.columns.filter((c) => !l7.columns.some((x) => x.name === c.name)).map((c) => c.name));
  const encTags = onlyColumns(l7, isResource, 'tags_encoded');
  const plainTags = onlyColumns(plain, (c) => tagNames.has(c.name), 'tags_plain');
  const encRows = { ...l7, database: 'bench', name: 'rows_encoded' };
  const plainRows = { ...plain, name: 'rows_plain' };
  const work = join(tmpdir(), `metaflow-bench-encoding-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const dbs = {
    encTags: await Db.open(join(work, 'enc-tags.duckdb'), [encTags]),
    plainTags: await Db.open(join(work, 'plain-tags.duckdb'), [plainTags]),
    encRows: await Db.open(join(work, 'enc-rows.duckdb'), [encRows]),
    plainRows: await Db.open(join(work, 'plain-rows.duckdb'), [plainRows]),
  };
  // The dictionary lives in the encoded row database, as it does in a real store.
  for (const ddl of DICTIONARY_DDL) await dbs.encRows.c.run(ddl);
  const encoder = new ResourceEncoder(new DuckDBDictionary((work) => work(dbs.encRows.c)));
  const topo = topology();
  let sent = 0;
  for (let done = 0, i = 0; done < total; done += batchRows, i++) {
    const n = Math.min(batchRows, total - done);
    const b = generateL7Batch({ rows: n, seed: i + 1, topo, startUs: 1_700_000_000_000_000n + BigInt(done) * 1000n });
    sent = [...tagNames].filter((t) => b.getChild(t)).length;
    const stored = await toStorageBatch(l7, b, encoder, 0n);
    const flat = plainBatch(b, plain);
    await dbs.encTags.append(encTags, project(stored, encTags));
    await dbs.plainTags.append(plainTags, project(flat, plainTags));
    await dbs.encRows.append(encRows, stored);
    await dbs.plainRows.append(plainRows, flat);
    if (i % 10 === 0) progress(`encoding: ${(done + n).toLocaleString('en-US')} / ${total.toLocaleString('en-US')} rows`);
  }
  const size = {
    encTags: await dbs.encTags.finish(), plainTags: await dbs.plainTags.finish(),
    encRows: await dbs.encRows.finish(), plainRows: await dbs.plainRows.finish(),
  };
  rmSync(work, { recursive: true, force: true });
  const tagRatio = size.plainTags / size.encTags;
  const rowRatio = size.plainRows / size.encRows;
  const markdown = [
    `${total.toLocaleString('en-US')} l7_flow_log rows, ${sent} resource tag columns sent (1k pods, 200 services, 50 nodes). DuckDB files after CHECKPOINT.`, '',
    table(['what', 'plain strings (MiB)', 'SmartEncoded (MiB)', 'ratio'], [
      ['resource tag columns', size.plainTags, size.encTags, `${tagRatio.toFixed(2)}x`],
      ['whole rows (incl. dictionary)', size.plainRows, size.encRows, `${rowRatio.toFixed(2)}x`],
    ]), '',
    `**tag columns ${tagRatio.toFixed(2)}x smaller** (target ≥ 5x).`,
  ].join('\n');
  return { rows: total, tagRatio, rowRatio, markdown };
}
