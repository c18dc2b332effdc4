/**
 * PostgreSQL's catalog functions that client tools call in their metadata queries, answered
 * from schema/ through the virtual catalogs (pg-catalog.ts).
 */
import type { ScalarFunction } from '../sql/functions.ts';
import { OWNER, tableByOid, typeByOid, PG_CATALOG } from './pg-catalog.ts';
import { TABLES } from '../../schema/index.ts';
import { toNumber } from '../sql/values.ts';

const fixed = <T extends ScalarFunction['returns']>(f: T) => f;
const text = (f: (args: unknown[]) => string | null, minArgs = 0, maxArgs = minArgs): ScalarFunction => ({ minArgs, maxArgs, returns: fixed(() => 'text'), nullAware: true, eval: (a) => f(a) });
const bool = (v: boolean, minArgs: number, maxArgs = minArgs): ScalarFunction => ({ minArgs, maxArgs, returns: () => 'bool', nullAware: true, eval: () => v });

function description(oid: unknown, sub: unknown): string | null {
  if (oid === null || oid === undefined) return null;
  const rows = PG_CATALOG.pg_description!.rows();
  return (rows.find((r) => r[0] === toNumber(oid as number) && r[2] === (sub === undefined ? 0 : toNumber(sub as number)))?.[3] as string) ?? null;
}

/** Settings clients read through current_setting(). */
const SETTINGS: Record<string, string> = {
  server_version_num: '150000', server_version: '15.0', search_path: 'flow_log, flow_metrics, prometheus',
  server_encoding: 'UTF8', client_encoding: 'UTF8', timezone: 'UTC', datestyle: 'ISO, MDY', max_identifier_length: '63', standard_conforming_strings: 'on',
};

export const CATALOG_FUNCTIONS: Record<string, ScalarFunction> = {
  pg_get_userbyid: text(() => OWNER, 1),
  pg_table_is_visible: bool(true, 1),
  pg_type_is_visible: bool(true, 1),
  has_table_privilege: bool(true, 2, 3),
  has_schema_privilege: bool(true, 2, 3),
  has_database_privilege: bool(true, 2, 3),
  pg_has_role: bool(true, 2, 3),
  format_type: text(([oid]) => (oid === null ? null : typeByOid.get(toNumber(oid as number))?.display ?? '???'), 2),
  pg_get_expr: text(() => null, 2, 3),
  pg_get_indexdef: text(() => null, 1, 3),
  pg_get_constraintdef: text(() => null, 1, 2),
  pg_get_viewdef: text(() => null, 1, 2),
  pg_get_partkeydef: text(() => null, 1),
  pg_get_statisticsobjdef_columns: text(() => null, 1),
  obj_description: text(([oid]) => description(oid, 0), 1, 2),
  col_description: text(([oid, n]) => description(oid, n), 2),
  shobj_description: text(() => null, 2),
  current_database: text(() => 'metaflow'),
  current_schema: text(() => 'flow_log'),
  current_user: text(() => OWNER),
  session_user: text(() => OWNER),
  version: text(() => 'PostgreSQL 15.0 (MetaFlow)'),
  pg_encoding_to_char: text(() => 'UTF8', 1),
  quote_ident: text(([s]) => (s === null ? null : /^[a-z_][a-z0-9_]*$/.test(String(s)) ? String(s) : `"${String(s).replace(/"/g, '""')}"`), 1),
  array_to_string: text(([a]) => (a === null ? null : String(a)), 2, 3),
  current_setting: text(([name]) => SETTINGS[String(name).toLowerCase()] ?? null, 1, 2),
  pg_backend_pid: { minArgs: 0, maxArgs: 0, returns: () => 'int', eval: () => 0 },
  /** `x::regclass` of an OID: the relation's name, schema-qualified as PostgreSQL prints it outside search_path. */
  regclass_name: text(([oid]) => {
    if (oid === null) return null;
    const t = tableByOid(toNumber(oid as number));
    return t ? `${t.database}."${t.name}"`.replace(/"([a-z_][a-z0-9_]*)"$/, '$1') : String(oid);
  }, 1),
  regnamespace_name: text(([oid]) => (oid === null ? null : (PG_CATALOG.pg_namespace!.rows().find((r) => r[0] === toNumber(oid as number))?.[1] as string) ?? String(oid)), 1),
  regproc_name: text(([oid]) => (oid === null ? null : String(oid)), 1),
  regtype_name: text(([oid]) => (oid === null ? null : typeByOid.get(toNumber(oid as number))?.display ?? String(oid)), 1),
};

/** `'flow_log.l7_flow_log'::regclass` → the relation OID. */
export function regclassOid(name: string): number | undefined {
  const clean = name.replace(/"/g, '').replace(/^pg_catalog\./, '');
  const system: Record<string, number> = { pg_class: 1259, pg_type: 1247, pg_attribute: 1249, pg_proc: 1255, pg_namespace: 2615, pg_database: 1262 };
  if (system[clean]) return system[clean];
  const t = TABLES.find((x) => x.fullName === clean || x.name === clean);
  return t ? PG_CATALOG.pg_class!.rows().find((r) => r[1] === t.name && true)?.[0] as number : undefined;
}
