/** The dictionary store on DuckDB: UNIQUE(type, id) and UNIQUE(type, key) arbitrate claims. */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CustomTagRow, DictEntry, DictionaryStore } from '../adapter.ts';
import { quoteLiteral } from './duckdb-types.ts';

export const DICTIONARY_DDL = [
  `CREATE TABLE IF NOT EXISTS flow_tag.resource_dict (type VARCHAR NOT NULL, id UINTEGER NOT NULL, key VARCHAR NOT NULL, name VARCHAR NOT NULL,
     created_at TIMESTAMP DEFAULT current_timestamp, UNIQUE (type, id), UNIQUE (type, key))`,
  `CREATE TABLE IF NOT EXISTS flow_tag.custom_tag (type VARCHAR NOT NULL, id UINTEGER NOT NULL, key VARCHAR NOT NULL, value VARCHAR,
     updated_at TIMESTAMP DEFAULT current_timestamp, PRIMARY KEY (type, id, key))`,
];

/** Runs statements one at a time on a connection shared with writers. */
export type Run = <T>(work: (c: DuckDBConnection) => Promise<T>) => Promise<T>;

export class DuckDBDictionary implements DictionaryStore {
  constructor(private readonly run: Run) {}

  async claim(entries: DictEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const values = entries.map((e) => `(${quoteLiteral(e.type)}, ${e.id}, ${quoteLiteral(e.key)}, ${quoteLiteral(e.name)})`);
    await this.run((c) => c.run(`INSERT INTO flow_tag.resource_dict (type, id, key, name) VALUES ${values.join(',')} ON CONFLICT DO NOTHING`));
  }

  async findByKeys(type: string, keys: string[]): Promise<DictEntry[]> {
    if (keys.length === 0) return [];
    const list = keys.map(quoteLiteral).join(',');
    return this.select(`WHERE type = ${quoteLiteral(type)} AND key IN (${list})`);
  }

  async maxId(type: string): Promise<number> {
    const r = await this.run((c) => c.runAndReadAll(`SELECT coalesce(max(id), 0) FROM flow_tag.resource_dict WHERE type = ${quoteLiteral(type)}`));
    return Number(r.getRows()[0]![0]);
  }

  entries(type?: string): Promise<DictEntry[]> {
    return this.select(type === undefined ? '' : `WHERE type = ${quoteLiteral(type)}`);
  }

  async putCustomTags(rows: CustomTagRow[]): Promise<void> {
    if (rows.length === 0) return;
    const values = rows.map((r) => `(${quoteLiteral(r.type)}, ${r.id}, ${quoteLiteral(r.key)}, ${quoteLiteral(r.value)}, current_timestamp)`);
    await this.run((c) => c.run(`INSERT INTO flow_tag.custom_tag VALUES ${values.join(',')}
      ON CONFLICT (type, id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`));
  }

  async customTags(type?: string): Promise<CustomTagRow[]> {
    const where = type === undefined ? '' : `WHERE type = ${quoteLiteral(type)}`;
    const r = await this.run((c) => c.runAndReadAll(`SELECT type, id, key, value FROM flow_tag.custom_tag ${where} ORDER BY type, id, key`));
    return r.getRows().map(([type, id, key, value]) => ({ type: String(type), id: Number(id), key: String(key), value: String(value) }));
  }

  private async select(where: string): Promise<DictEntry[]> {
    const r = await this.run((c) => c.runAndReadAll(`SELECT type, id, key, name FROM flow_tag.resource_dict ${where} ORDER BY type, id`));
    return r.getRows().map(([type, id, key, name]) => ({ type: String(type), id: Number(id), key: String(key), name: String(name) }));
  }
}
