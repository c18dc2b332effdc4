/**
 * SmartEncoding, write side: resource names → small sequential integer IDs per type.
 * IDs are kept small and dense on purpose: stores bit-pack integer columns, so an ID costs
 * ~log2(#resources) bits per row, where a name would cost its length (or a per-block string
 * dictionary). The store arbitrates: claims insert only conflict-free entries, then everyone
 * reads back the winners, so several ingesters agree on every ID with no coordination.
 */
import type { DictEntry, DictionaryStore } from '../../storage-adapters/adapter.ts';

export interface ResourceName {
  /** Scoped dictionary key (schema scopedKey). */
  key: string;
  /** Display name. */
  name: string;
}

/** Claim rounds before giving up; each lost round means another writer took the IDs we proposed. */
const MAX_ROUNDS = 50;

export class ResourceEncoder {
  private readonly ids = new Map<string, Map<string, number>>();
  /** Allocation per type runs one at a time in this process (the store still arbitrates across processes). */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly learnedListeners: Array<() => void> = [];

  constructor(private readonly store: DictionaryStore) {}

  /** Loads every existing entry, so steady-state encoding never touches the store. */
  async warm(): Promise<void> {
    for (const e of await this.store.entries()) this.remember(e);
  }

  private remember(e: DictEntry): void {
    let m = this.ids.get(e.type);
    if (!m) this.ids.set(e.type, (m = new Map()));
    m.set(e.key, e.id);
  }

  /** The cached ID of a key, if already known. */
  cached(type: string, key: string): number | undefined {
    return this.ids.get(type)?.get(key);
  }

  /** IDs for every name, allocating the unknown ones. Returns key → id for this type. */
  async encode(type: string, names: Iterable<ResourceName>): Promise<Map<string, number>> {
    const known = this.ids.get(type);
    const missing = new Map<string, ResourceName>();
    for (const n of names) if (!known?.has(n.key)) missing.set(n.key, n);
    if (missing.size > 0) await this.withLock(type, () => this.allocate(type, missing));
    return this.ids.get(type) ?? new Map();
  }

  private async withLock<T>(type: string, work: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(type) ?? Promise.resolve();
    const next = prev.then(work);
    this.locks.set(type, next.catch(() => undefined));
    return next;
  }

  /** Calls `listener` whenever names new to this encoder got their IDs (in the store now). */
  onLearned(listener: () => void): void {
    this.learnedListeners.push(listener);
  }

  private async allocate(type: string, wanted: Map<string, ResourceName>): Promise<void> {
    const pending = new Map([...wanted].filter(([k]) => !this.ids.get(type)?.has(k)));
    if (pending.size === 0) return;
    await this.resolve(type, pending);
    for (const l of this.learnedListeners) l();
  }

  private async resolve(type: string, pending: Map<string, ResourceName>): Promise<void> {
    for (let round = 0; pending.size > 0; round++) {
      if (round === MAX_ROUNDS) throw new Error(`could not allocate ${pending.size} ${type} IDs after ${MAX_ROUNDS} rounds of contention`);
      for (const e of await this.store.findByKeys(type, [...pending.keys()])) {
        this.remember(e);
        pending.delete(e.key);
      }
      if (pending.size === 0) break;
      const base = await this.store.maxId(type);
      const proposals: DictEntry[] = [...pending.values()].map((n, i) => ({ type, id: base + 1 + i, key: n.key, name: n.name }));
      await this.store.claim(proposals);
    }
  }
}
