/**
 * Looking things up in the data model: tables by name, the fields a query may name, the
 * fields an ingest batch may carry. Everything is derived once from `tables.ts`.
 */
import type { ColumnDef, FieldDef, TableDef } from './types.ts';
import { TABLES } from './tables.ts';
import { CUSTOM_TAG_OWNERS, RESOURCES } from './resources.ts';
import { nearest } from '../lib/nearest.ts';

const byFullName = new Map(TABLES.map((t) => [t.fullName, t]));
export const DATABASES = [...new Set(TABLES.map((t) => t.database)), 'flow_tag'];

/** Finds a table by `db.name`, or by bare name in the databases of `searchPath`. */
export function findTable(name: string, searchPath: string[] = []): TableDef | undefined {
  const exact = byFullName.get(name);
  if (exact) return exact;
  for (const db of searchPath) {
    const t = byFullName.get(`${db}.${name}`);
    if (t) return t;
  }
  return undefined;
}

export function tableNames(): string[] {
  return TABLES.map((t) => t.fullName);
}

export function suggestTables(name: string): string[] {
  return nearest(name, [...tableNames(), ...TABLES.map((t) => t.name)]);
}

/** `pod_id_1` → `pod_1`; `pod_id` → `pod`. */
function resourceNameField(c: ColumnDef): string {
  return c.name.replace(/_id(_[01])?$/, '$1');
}

const fieldCache = new WeakMap<TableDef, Map<string, FieldDef>>();

/** Every name a query may use on this table (custom tags aside), keyed by name. */
export function queryFields(table: TableDef): Map<string, FieldDef> {
  let m = fieldCache.get(table);
  if (m) return m;
  m = new Map();
  for (const column of table.columns) {
    const enc = column.encoding;
    if (enc?.kind === 'resource') {
      m.set(resourceNameField(column), { name: resourceNameField(column), column, view: 'name', type: 'string' });
      m.set(column.name, { name: column.name, column, view: 'id', type: column.type });
    } else if (enc?.kind === 'enum') {
      m.set(column.name, { name: column.name, column, view: 'enum-name', type: 'string' });
    } else {
      m.set(column.name, { name: column.name, column, view: 'value', type: column.type });
    }
  }
  fieldCache.set(table, m);
  return m;
}

export interface CustomTagRef {
  /** Full custom tag key as stored in the dictionary: `k8s.label.app`. */
  key: string;
  side?: 0 | 1;
  /** Resource ID columns to resolve through, most specific first (`pod_id_1`, ...). */
  via: ColumnDef[];
}

/** Recognises `k8s.label.app_1` style names on a table; undefined when it is not one. */
export function customTag(table: TableDef, name: string): CustomTagRef | undefined {
  const prefixes = new Set(Object.values(RESOURCES).flatMap((r) => r.customTags));
  const dot = [...prefixes].find((p) => name.startsWith(p + '.'));
  if (!dot) return undefined;
  let key = name;
  let side: 0 | 1 | undefined;
  if (table.sided) {
    const m = /^(.*)_([01])$/.exec(name);
    if (!m) return undefined;
    key = m[1]!;
    side = Number(m[2]) as 0 | 1;
  }
  const via: ColumnDef[] = [];
  for (const owner of CUSTOM_TAG_OWNERS) {
    if (!RESOURCES[owner].customTags.includes(dot)) continue;
    const col = table.columns.find((c) => c.encoding?.kind === 'resource' && c.encoding.resource === owner && c.side === side);
    if (col) via.push(col);
  }
  return via.length ? { key, side, via } : undefined;
}

export function suggestFields(table: TableDef, name: string): string[] {
  return nearest(name, queryFields(table).keys());
}
