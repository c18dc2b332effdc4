/**
 * Tag names for the querier: resource IDs and custom tags from the store's dictionaries
 * (read through the adapter), enum codes from schema/. Read once per query and cached
 * briefly, since dictionaries are small next to the data and change rarely.
 */
import type { DictionaryStore } from '../../storage-adapters/adapter.ts';
import type { TagDecoder, Value } from '../../storage-adapters/fragment.ts';
import { ENUMS } from '../../schema/index.ts';
import type { TagLookup } from '../exec/eval.ts';

/** code → display value for one decoder. */
export type CodeNames = ReadonlyMap<number, string>;

export class TagDictionaries {
  private cache = new Map<string, { at: number; names: Promise<CodeNames> }>();
  constructor(private readonly store: DictionaryStore, private readonly ttlMs = 1000) {}

  /** Names for every code a decoder knows. */
  names(tag: TagDecoder): Promise<CodeNames> {
    if (tag.kind === 'enum') return Promise.resolve(ENUMS[tag.enumName]?.values ?? new Map());
    const key = tag.kind === 'resource' ? `r:${tag.resource}` : `c:${tag.resource}:${tag.key}`;
    const hit = this.cache.get(key);
    if (hit && Date.now() - hit.at < this.ttlMs) return hit.names;
    const names = tag.kind === 'resource'
      ? this.store.entries(tag.resource).then((es) => new Map(es.map((e) => [e.id, e.name])))
      : this.store.customTags(tag.resource).then((rows) => new Map(rows.filter((r) => r.key === tag.key).map((r) => [r.id, r.value])));
    this.cache.set(key, { at: Date.now(), names });
    names.catch(() => this.cache.delete(key));
    return names;
  }

  /** Forgets cached names (after a write the caller knows about). */
  invalidate(): void { this.cache.clear(); }
}

export const decoderKey = (t: TagDecoder): string => (t.kind === 'resource' ? `r:${t.resource}` : t.kind === 'enum' ? `e:${t.enumName}` : `c:${t.resource}:${t.key}`);

/**
 * A synchronous lookup over prefetched names. A code without a name (0 = no resource, or a
 * resource without that custom tag) reads as NULL, as a missing value does in SQL.
 */
export function tagLookup(prefetched: Map<string, CodeNames>): TagLookup {
  return {
    decoder(tag: TagDecoder): (code: Value) => Value {
      const names = prefetched.get(decoderKey(tag));
      if (!names) return () => null;
      return (code) => (code === null ? null : names.get(typeof code === 'number' ? code : Number(code)) ?? null);
    },
  };
}
