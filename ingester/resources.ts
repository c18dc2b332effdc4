/**
 * Resource records (`POST /v1/ingest/resources`): a resource's name gets its ID like any tag,
 * and its labels/annotations/env become custom tags on the dictionary entry, never on rows.
 */
import { RESOURCES, scopedKey, type ResourceType } from '../schema/index.ts';
import type { CustomTagRow, DictionaryStore } from '../storage-adapters/adapter.ts';
import { IngestError } from './errors.ts';
import type { ResourceEncoder } from './smart-encoding/encoder.ts';
import type { ResourceRecord } from '../schema/index.ts';
export type { ResourceRecord };


/** Record field → custom tag prefix it fills. */
const CUSTOM_FIELDS = { labels: 'k8s.label', annotations: 'k8s.annotation', env: 'k8s.env' } as const;
/** The scope resource → the record field naming it. */
const SCOPE_FIELD: Partial<Record<ResourceType, keyof ResourceRecord>> = { pod_cluster: 'cluster', pod_ns: 'namespace', host: 'host' };

function bad(index: number, detail: string, hint?: string): IngestError {
  return new IngestError('BAD_RESOURCE', `resource ${index}: ${detail}`, { index, hint });
}

function stringMap(v: unknown, index: number, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(index, `${field} must be an object of strings`);
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'string' || k === '') throw bad(index, `${field}.${k} must be a string`);
  return v as Record<string, string>;
}

/** Checks the whole body before anything is written. */
export function parseResources(body: unknown): ResourceRecord[] {
  if (!Array.isArray(body)) throw new IngestError('BAD_RESOURCE', 'body must be a JSON array of resources');
  const types = Object.values(RESOURCES).filter((r) => !r.internal).map((r) => r.type);
  return body.map((item, index) => {
    if (!item || typeof item !== 'object') throw bad(index, 'must be an object');
    const r = item as Record<string, unknown>;
    if (typeof r.type !== 'string' || !types.includes(r.type as ResourceType)) throw bad(index, `unknown type '${String(r.type)}'`, `one of: ${types.join(', ')}`);
    if (typeof r.name !== 'string' || r.name === '') throw bad(index, 'name must be a non-empty string');
    for (const f of ['namespace', 'cluster', 'host'] as const) {
      if (r[f] !== undefined && typeof r[f] !== 'string') throw bad(index, `${f} must be a string`);
    }
    const rec: ResourceRecord = { type: r.type as ResourceType, name: r.name, namespace: r.namespace as string | undefined, cluster: r.cluster as string | undefined, host: r.host as string | undefined };
    for (const field of Object.keys(CUSTOM_FIELDS) as Array<keyof typeof CUSTOM_FIELDS>) {
      const m = stringMap(r[field], index, field);
      if (m && Object.keys(m).length && !RESOURCES[rec.type].customTags.includes(CUSTOM_FIELDS[field])) {
        throw bad(index, `a ${rec.type} carries no ${field}`);
      }
      rec[field] = m;
    }
    return rec;
  });
}

export async function storeResources(records: ResourceRecord[], encoder: ResourceEncoder, dictionaries: DictionaryStore): Promise<number> {
  const byType = new Map<ResourceType, Array<{ rec: ResourceRecord; key: string }>>();
  for (const rec of records) {
    const scope = RESOURCES[rec.type].scope.map((s) => {
      const f = SCOPE_FIELD[s];
      return f ? (rec[f] as string | undefined) : undefined;
    });
    const key = scopedKey(scope, rec.name);
    const list = byType.get(rec.type) ?? [];
    list.push({ rec, key });
    byType.set(rec.type, list);
  }
  const tags: CustomTagRow[] = [];
  for (const [type, list] of byType) {
    const ids = await encoder.encode(type, list.map(({ rec, key }) => ({ key, name: rec.name })));
    for (const { rec, key } of list) {
      for (const field of Object.keys(CUSTOM_FIELDS) as Array<keyof typeof CUSTOM_FIELDS>) {
        for (const [k, value] of Object.entries(rec[field] ?? {})) tags.push({ type, id: ids.get(key)!, key: `${CUSTOM_FIELDS[field]}.${k}`, value });
      }
    }
  }
  await dictionaries.putCustomTags(tags);
  return records.length;
}
