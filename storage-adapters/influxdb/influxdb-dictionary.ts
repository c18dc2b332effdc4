/**
 * The dictionary store on InfluxDB, which has no uniqueness constraint and no transactions.
 * Claims are points in `flow_tag.resource_dict` (tags type, key, claimant; fields id, name)
 * written WITHOUT a timestamp, so the server stamps them in arrival order. Every reader then
 * resolves the same winners from the same points: claims in (server time, claimant, key, id)
 * order, each accepted when neither its id nor its key was taken by an earlier accepted claim.
 * A winner can never be displaced (only earlier claims decide), so once a claimant has seen
 * its claim win, every later reader agrees.
 * The one assumption: a write is visible to queries within `settleMs` of its server
 * timestamp. `claim` waits that long before returning, so a claim stamped earlier than ours
 * but still in flight is visible when we read back.
 * Custom tags are points at time 0 keyed by (type, id, key): a later write of the same key
 * overwrites the earlier, which is exactly "the latest value wins".
 */
import type { CustomTagRow, DictEntry, DictionaryStore } from '../adapter.ts';
import type { InfluxHttp } from './influxdb-http.ts';
import { escapeKey, escapeMeasurement, quoteIdent, quoteLiteral, stringField } from './influxdb-types.ts';

export const RESOURCE_DICT = 'flow_tag.resource_dict';
export const CUSTOM_TAG = 'flow_tag.custom_tag';
export const DEFAULT_SETTLE_MS = 200;

interface Claim { type: string; id: number; key: string; name: string; claimant: string; time: bigint }

/** Earliest-wins resolution of one type's claims (see the file comment). */
export function resolveClaims(claims: Claim[]): DictEntry[] {
  const ordered = [...claims].sort((a, b) =>
    a.time !== b.time ? (a.time < b.time ? -1 : 1)
      : a.claimant !== b.claimant ? (a.claimant < b.claimant ? -1 : 1)
        : a.key !== b.key ? (a.key < b.key ? -1 : 1) : a.id - b.id);
  const ids = new Set<number>();
  const keys = new Set<string>();
  const out: DictEntry[] = [];
  for (const c of ordered) {
    if (ids.has(c.id) || keys.has(c.key)) continue;
    ids.add(c.id);
    keys.add(c.key);
    out.push({ type: c.type, id: c.id, key: c.key, name: c.name });
  }
  return out.sort((a, b) => a.id - b.id);
}

function tagText(s: string, what: string): string {
  if (s === '') throw new RangeError(`InfluxDB cannot store an empty ${what}`);
  return escapeKey(s);
}

export class InfluxDictionary implements DictionaryStore {
  constructor(private readonly http: () => InfluxHttp, private readonly claimant: string, private readonly settleMs = DEFAULT_SETTLE_MS) {}

  async claim(entries: DictEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const m = escapeMeasurement(RESOURCE_DICT);
    const lines = entries.map((e) => `${m},claimant=${escapeKey(this.claimant)},key=${tagText(e.key, 'dictionary key')},type=${tagText(e.type, 'dictionary type')} ` +
      `id=${e.id}i,name=${stringField(e.name)}`);
    await this.http().write(lines.join('\n'), 'InfluxDB dictionary claim failed');
    await new Promise((r) => setTimeout(r, this.settleMs));
  }

  private async claims(type?: string): Promise<Claim[]> {
    const where = type === undefined ? '' : ` WHERE "type" = ${quoteLiteral(type)}`;
    const out: Claim[] = [];
    const q = `SELECT "id"::field, "name"::field, "type"::tag, "key"::tag, "claimant"::tag FROM ${quoteIdent(RESOURCE_DICT)}${where}`;
    for await (const s of this.http().query(q)) {
      const at = ['time', 'id', 'name', 'type', 'key', 'claimant'].map((c) => s.columns.indexOf(c));
      for (const v of s.values) {
        const [time, id, name, t, key, claimant] = at.map((i) => v[i]);
        out.push({ time: BigInt(time as string), id: Number(id), name: String(name), type: String(t), key: String(key), claimant: String(claimant) });
      }
    }
    return out;
  }

  async findByKeys(type: string, keys: string[]): Promise<DictEntry[]> {
    if (keys.length === 0) return [];
    const wanted = new Set(keys);
    return resolveClaims(await this.claims(type)).filter((e) => wanted.has(e.key));
  }

  async maxId(type: string): Promise<number> {
    return resolveClaims(await this.claims(type)).reduce((m, e) => Math.max(m, e.id), 0);
  }

  async entries(type?: string): Promise<DictEntry[]> {
    const byType = new Map<string, Claim[]>();
    for (const c of await this.claims(type)) {
      if (!byType.has(c.type)) byType.set(c.type, []);
      byType.get(c.type)!.push(c);
    }
    return [...byType.keys()].sort().flatMap((t) => resolveClaims(byType.get(t)!));
  }

  async putCustomTags(rows: CustomTagRow[]): Promise<void> {
    if (rows.length === 0) return;
    const m = escapeMeasurement(CUSTOM_TAG);
    // Same series and time 0: within the request too, the later line overwrites the earlier.
    const lines = rows.map((r) => `${m},id=${r.id},key=${tagText(r.key, 'custom tag key')},type=${tagText(r.type, 'dictionary type')} value=${stringField(r.value)} 0`);
    await this.http().write(lines.join('\n'), 'InfluxDB custom tag write failed');
  }

  async customTags(type?: string): Promise<CustomTagRow[]> {
    const where = type === undefined ? '' : ` WHERE "type" = ${quoteLiteral(type)}`;
    const out: CustomTagRow[] = [];
    for await (const s of this.http().query(`SELECT "value"::field, "type"::tag, "id"::tag, "key"::tag FROM ${quoteIdent(CUSTOM_TAG)}${where}`)) {
      const at = ['type', 'id', 'key', 'value'].map((c) => s.columns.indexOf(c));
      for (const v of s.values) {
        const [t, id, key, value] = at.map((i) => v[i]);
        out.push({ type: String(t), id: Number(id), key: String(key), value: String(value) });
      }
    }
    return out.sort((a, b) => (a.type !== b.type ? (a.type < b.type ? -1 : 1) : a.id !== b.id ? a.id - b.id : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
