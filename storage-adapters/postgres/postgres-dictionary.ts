/**
 * The dictionary store on PostgreSQL: UNIQUE(type, id) and UNIQUE(type, key) arbitrate claims
 * through INSERT … ON CONFLICT DO NOTHING. Values travel as array parameters (unnest), never
 * spliced into SQL text.
 */
import type { Pool } from 'pg';
import type { CustomTagRow, DictEntry, DictionaryStore } from '../adapter.ts';

export const DICTIONARY_DDL = [
  `CREATE TABLE IF NOT EXISTS flow_tag.resource_dict (type text NOT NULL, id bigint NOT NULL, key text NOT NULL, name text NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (type, id), UNIQUE (type, key))`,
  `CREATE TABLE IF NOT EXISTS flow_tag.custom_tag (type text NOT NULL, id bigint NOT NULL, key text NOT NULL, value text,
     updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (type, id, key))`,
];

/** Two claims inserting overlapping keys in opposite orders wait on each other; Postgres aborts one (40P01). */
const DEADLOCK = '40P01';
const CLAIM_ATTEMPTS = 10;

export class PostgresDictionary implements DictionaryStore {
  constructor(private readonly pool: () => Pool) {}

  async claim(entries: DictEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const sql = `INSERT INTO flow_tag.resource_dict (type, id, key, name)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) ON CONFLICT DO NOTHING`;
    const params = [entries.map((e) => e.type), entries.map((e) => e.id), entries.map((e) => e.key), entries.map((e) => e.name)];
    for (let attempt = 1; ; attempt++) {
      try {
        await this.pool().query(sql, params);
        return;
      } catch (e) {
        if ((e as { code?: string }).code !== DEADLOCK || attempt === CLAIM_ATTEMPTS) throw e;
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }

  findByKeys(type: string, keys: string[]): Promise<DictEntry[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.select('WHERE type = $1 AND key = ANY($2::text[])', [type, keys]);
  }

  async maxId(type: string): Promise<number> {
    const r = await this.pool().query('SELECT coalesce(max(id), 0)::int8 AS m FROM flow_tag.resource_dict WHERE type = $1', [type]);
    return Number(r.rows[0].m);
  }

  entries(type?: string): Promise<DictEntry[]> {
    return type === undefined ? this.select('', []) : this.select('WHERE type = $1', [type]);
  }

  async putCustomTags(rows: CustomTagRow[]): Promise<void> {
    // One statement may not update a row twice: the last value per (type, id, key) wins here already.
    const last = new Map(rows.map((r) => [JSON.stringify([r.type, r.id, r.key]), r]));
    if (last.size === 0) return;
    const rs = [...last.values()];
    await this.pool().query(`INSERT INTO flow_tag.custom_tag (type, id, key, value)
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
      ON CONFLICT (type, id, key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    [rs.map((r) => r.type), rs.map((r) => r.id), rs.map((r) => r.key), rs.map((r) => r.value)]);
  }

  async customTags(type?: string): Promise<CustomTagRow[]> {
    const where = type === undefined ? '' : 'WHERE type = $1';
    const r = await this.pool().query(`SELECT type, id, key, value FROM flow_tag.custom_tag ${where} ORDER BY type COLLATE "C", id, key COLLATE "C"`, type === undefined ? [] : [type]);
    return r.rows.map((x) => ({ type: x.type, id: Number(x.id), key: x.key, value: x.value }));
  }

  private async select(where: string, params: unknown[]): Promise<DictEntry[]> {
    const r = await this.pool().query(`SELECT type, id, key, name FROM flow_tag.resource_dict ${where} ORDER BY type COLLATE "C", id`, params);
    return r.rows.map((x) => ({ type: x.type, id: Number(x.id), key: x.key, name: x.name }));
  }
}
