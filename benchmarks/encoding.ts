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
import type { RecordBatch } from 'apache-arrow';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { findTable, type ColumnDef, type TableDef } from '../schema/index.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { DuckDBDictionary, DICTIONARY_DDL } from '../storage-adapters/duckdb/duckdb-dictionary.ts';
import { appendBatch } from '../storage-adapters/duckdb/duckdb-writer.ts';
import { createTableSql } from '../storage-adapters/duckdb/duckdb-types.ts';
import { fileMiB, table } from './util.ts';
import { benchRows, onlyColumns, plainTable, project, resourceTagNames } from './encoding-forms.ts';

export interface EncodingResult { rows: number; tagRatio: number; rowRatio: number; markdown: string }

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
  const l7 = findTable('flow_log.l7_flow_log')!;
  const plain = plainTable(l7);
  const isResource = (c: ColumnDef) => c.encoding?.kind === 'resource';
  const tagNames = resourceTagNames(l7, plain);
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
  let sent = 0;
  for await (const { stored, flat, tagsSent } of benchRows(total, l7, plain, encoder, 'encoding')) {
    sent = tagsSent;
    await dbs.encTags.append(encTags, project(stored, encTags));
    await dbs.plainTags.append(plainTags, project(flat, plainTags));
    await dbs.encRows.append(encRows, stored);
    await dbs.plainRows.append(plainRows, flat);
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
