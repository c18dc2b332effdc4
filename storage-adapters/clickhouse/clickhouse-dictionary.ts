/**
 * The dictionary store on ClickHouse, which has no unique constraints and no transactions.
 *
 * Claims are appended to `flow_tag.resource_dict`, a Log-engine table. Log appends each
 * INSERT at the end of its files under an exclusive table lock and reads back a prefix of
 * them in file order (single-threaded), so the file order is one total order of all claims
 * that every reader sees the same way and that later claims can only extend. Readers replay
 * it as a unique index would have applied it: a claim wins when neither its (type, id) nor
 * its (type, key) was taken by an earlier winner. That is exactly `INSERT ... ON CONFLICT DO
 * NOTHING` run in file order, so every process agrees on every ID and a winner never changes.
 * (An ordering by a claim timestamp would not do: a claim stamped earlier can become visible
 * later, after someone already read the other claim as the winner.)
 * Losing claims stay in the table as dead rows; `created_at` is informative only.
 * Replay is incremental: each refresh reads only rows past the ones already seen.
 *
 * Custom tags are last-writer-wins: a ReplacingMergeTree on (type, id, key), read with
 * argMax over (updated_at, value), so the answer never depends on whether merges ran.
 */
import type { CustomTagRow, DictEntry, DictionaryStore } from '../adapter.ts';
import { quoteLiteral, type Naming } from './clickhouse-types.ts';

/** Runs a statement; resolves when ClickHouse has done it. */
export type Command = (sql: string) => Promise<void>;
/** Runs a SELECT returning the given column types, single-threaded so Log tables read in file order. */
export type Select = (sql: string, columns: Array<{ name: string; type: 'string' | 'uint32' | 'int64' }>) => Promise<unknown[][]>;

/** The dictionary tables, in the flow_tag database. */
export const DICTIONARY_DDL: Array<{ name: string; create: (naming: Naming) => string }> = [
  { name: 'resource_dict', create: (n) => `CREATE TABLE IF NOT EXISTS \`${n.prefix}flow_tag\`.resource_dict (type String, id UInt32, key String, name String, created_at Int64) ENGINE = Log` },
  {
    name: 'custom_tag',
    create: (n) => `CREATE TABLE IF NOT EXISTS \`${n.prefix}flow_tag\`.custom_tag (type String, id UInt32, key String, value String, updated_at Int64)
      ENGINE = ReplacingMergeTree(updated_at) ORDER BY (type, id, key)`,
  },
];

interface Replay {
  /** Claim rows consumed so far, in file order. */
  seen: number;
  byId: Map<string, Map<number, DictEntry>>;
  byKey: Map<string, Map<string, DictEntry>>;
  maxId: Map<string, number>;
}

/** Microseconds now, strictly increasing within this process. */
let lastUs = 0n;
function nowUs(): bigint {
  const t = BigInt(Date.now()) * 1000n;
  lastUs = t > lastUs ? t : lastUs + 1n;
  return lastUs;
}

export class ClickHouseDictionary implements DictionaryStore {
  private replay: Replay = { seen: 0, byId: new Map(), byKey: new Map(), maxId: new Map() };
  /** Reads run one after another; `waiting` is the next one, not yet started, which callers share. */
  private chain: Promise<void> = Promise.resolve();
  private waiting?: Promise<void>;

  constructor(private readonly naming: Naming, private readonly command: Command, private readonly select: Select) {}

  private get db(): string {
    return `\`${this.naming.prefix}flow_tag\``;
  }

  async claim(entries: DictEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const at = nowUs();
    const values = entries.map((e) => `(${quoteLiteral(e.type)}, ${e.id >>> 0}, ${quoteLiteral(e.key)}, ${quoteLiteral(e.name)}, ${at})`);
    await this.command(`INSERT INTO ${this.db}.resource_dict (type, id, key, name, created_at) VALUES ${values.join(', ')}`);
  }

  async findByKeys(type: string, keys: string[]): Promise<DictEntry[]> {
    if (keys.length === 0) return [];
    await this.refresh();
    const byKey = this.replay.byKey.get(type);
    return keys.map((k) => byKey?.get(k)).filter((e): e is DictEntry => e !== undefined);
  }

  async maxId(type: string): Promise<number> {
    await this.refresh();
    return this.replay.maxId.get(type) ?? 0;
  }

  async entries(type?: string): Promise<DictEntry[]> {
    await this.refresh();
    const types = type === undefined ? [...this.replay.byId.keys()].sort() : [type];
    return types.flatMap((t) => [...(this.replay.byId.get(t)?.values() ?? [])].sort((a, b) => a.id - b.id));
  }

  async putCustomTags(rows: CustomTagRow[]): Promise<void> {
    if (rows.length === 0) return;
    const at = nowUs();
    const values = rows.map((r) => `(${quoteLiteral(r.type)}, ${r.id >>> 0}, ${quoteLiteral(r.key)}, ${quoteLiteral(r.value)}, ${at})`);
    await this.command(`INSERT INTO ${this.db}.custom_tag (type, id, key, value, updated_at) VALUES ${values.join(', ')}`);
  }

  async customTags(type?: string): Promise<CustomTagRow[]> {
    const where = type === undefined ? '' : ` WHERE type = ${quoteLiteral(type)}`;
    const rows = await this.select(
      `SELECT type, id, key, argMax(value, (updated_at, value)) AS value FROM ${this.db}.custom_tag${where} GROUP BY type, id, key ORDER BY type, id, key`,
      [{ name: 'type', type: 'string' }, { name: 'id', type: 'uint32' }, { name: 'key', type: 'string' }, { name: 'value', type: 'string' }]);
    return rows.map(([type, id, key, value]) => ({ type: type as string, id: id as number, key: key as string, value: value as string }));
  }

  /**
   * Replays claims appended since the last refresh. A read already running may have started
   * before the caller's own claim landed, so callers wait for a read that starts after them.
   */
  private refresh(): Promise<void> {
    if (this.waiting) return this.waiting;
    const next: Promise<void> = this.chain.then(() => {
      if (this.waiting === next) this.waiting = undefined;
      return this.readNewClaims();
    });
    this.waiting = next;
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async readNewClaims(): Promise<void> {
    const r = this.replay;
    // No WHERE and no ORDER BY: a single-threaded read of a Log table returns its rows in the
    // order they were appended, and LIMIT skips the prefix already replayed.
    const rows = await this.select(`SELECT type, id, key, name FROM ${this.db}.resource_dict LIMIT ${r.seen}, 1000000000000`,
      [{ name: 'type', type: 'string' }, { name: 'id', type: 'uint32' }, { name: 'key', type: 'string' }, { name: 'name', type: 'string' }]);
    for (const [type, id, key, name] of rows as Array<[string, number, string, string]>) {
      let byId = r.byId.get(type);
      let byKey = r.byKey.get(type);
      if (!byId || !byKey) { r.byId.set(type, (byId = new Map())); r.byKey.set(type, (byKey = new Map())); }
      if (byId.has(id) || byKey.has(key)) continue;
      const e = { type, id, key, name };
      byId.set(id, e);
      byKey.set(key, e);
      if (id > (r.maxId.get(type) ?? 0)) r.maxId.set(type, id);
    }
    r.seen += rows.length;
  }
}
