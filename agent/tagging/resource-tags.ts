/**
 * The resource names AutoTagging attaches to one side of a call (client or server), and how
 * they become ingest columns: `pod` on a two-sided table is `pod_0` or `pod_1`, on a
 * single-sided metrics table just `pod`.
 */
import type { IngestRow } from '../ship/arrow-batch.ts';

/** Resource tags the agent fills, in the catalog's order (schema/resources.ts FLOW_RESOURCES). */
export const RESOURCE_TAGS = ['region', 'az', 'host', 'gprocess', 'pod_cluster', 'pod_node', 'pod_ns', 'pod_group', 'pod', 'pod_service'] as const;
export type ResourceTagName = typeof RESOURCE_TAGS[number];
export type ResourceTags = Partial<Record<ResourceTagName, string>>;

export const NO_TAGS: ResourceTags = Object.freeze({});

const SIDE_KEYS = { '': RESOURCE_TAGS.map((k) => k), _0: RESOURCE_TAGS.map((k) => `${k}_0`), _1: RESOURCE_TAGS.map((k) => `${k}_1`) };

/**
 * Writes the tags into `row` with the side suffix ('' single-sided, '_0' client, '_1' server).
 * Every key is written, undefined when absent, so all rows share one object shape (property
 * reads in the batch builder stay fast).
 */
export function putTags(row: IngestRow, tags: ResourceTags, suffix: '' | '_0' | '_1'): IngestRow {
  const keys = SIDE_KEYS[suffix];
  for (let i = 0; i < RESOURCE_TAGS.length; i++) {
    const v = tags[RESOURCE_TAGS[i]!];
    row[keys[i]!] = v === '' ? undefined : v;
  }
  return row;
}

const keys = new WeakMap<ResourceTags, string>();

/**
 * A stable grouping key for a tag set (aggregation keys). Remembered per object: tag sets
 * are shared by every row of a process (AutoTagger.side), and must not be mutated.
 */
export function tagsKey(tags: ResourceTags): string {
  let s = keys.get(tags);
  if (s !== undefined) return s;
  s = '';
  for (const k of RESOURCE_TAGS) s += (tags[k] ?? '') + '\x1f';
  keys.set(tags, s);
  return s;
}
