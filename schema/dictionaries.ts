/**
 * The `flow_tag` dictionaries that SmartEncoding keeps in the store beside the data.
 * - resource_dict: one row per (type, id): the resource's scoped key and display name.
 * - custom_tag: labels/annotations/env of a resource (k8s.label.app = web), never on rows.
 * Stores that cannot enforce uniqueness (ClickHouse, InfluxDB) keep every claim and resolve
 * winners on read the way a unique index would: a claim wins when neither its ID nor its key
 * was taken by an earlier claim (ClickHouse: append order; InfluxDB: server timestamps).
 */
import type { ColumnType } from './types.ts';

export interface DictionaryColumn { name: string; type: ColumnType; description: string }
export interface DictionaryTableDef { database: 'flow_tag'; name: string; fullName: string; description: string; columns: DictionaryColumn[]; key: string[] }

export const RESOURCE_DICT: DictionaryTableDef = {
  database: 'flow_tag', name: 'resource_dict', fullName: 'flow_tag.resource_dict',
  description: 'Resource ID ↔ name, per resource type',
  columns: [
    { name: 'type', type: 'string', description: 'Resource type (pod, host, ...)' },
    { name: 'id', type: 'uint32', description: 'ID stored on rows' },
    { name: 'key', type: 'string', description: 'Name inside its scope: cluster/namespace/name (a / inside a part is escaped)' },
    { name: 'name', type: 'string', description: 'Display name' },
    { name: 'created_at', type: 'timestamp', description: 'When the ID was claimed' },
  ],
  key: ['type', 'id'],
};

export const CUSTOM_TAG: DictionaryTableDef = {
  database: 'flow_tag', name: 'custom_tag', fullName: 'flow_tag.custom_tag',
  description: 'Custom tags of a resource (k8s.label.*, k8s.annotation.*, k8s.env.*, cloud.tag.*, label.*)',
  columns: [
    { name: 'type', type: 'string', description: 'Resource type' },
    { name: 'id', type: 'uint32', description: 'Resource ID' },
    { name: 'key', type: 'string', description: 'Tag name, e.g. k8s.label.app' },
    { name: 'value', type: 'string', description: 'Tag value' },
    { name: 'updated_at', type: 'timestamp', description: 'When this value was written; the latest wins' },
  ],
  key: ['type', 'id', 'key'],
};

export const DICTIONARY_TABLES: DictionaryTableDef[] = [RESOURCE_DICT, CUSTOM_TAG];
