/**
 * Enough of PostgreSQL's system catalogs (pg_catalog, information_schema) for client tools:
 * psql's \dt and \d, JDBC's DatabaseMetaData.getTables/getColumns, Grafana's table and column
 * pickers. Every table is computed from schema/ (data tables as relations, query fields as
 * columns, descriptions as comments) and answered by the ordinary SQL engine, so the clients'
 * own catalog queries run unchanged. Catalogs MetaFlow has nothing for exist and are empty.
 */
import type { SqlType, Value } from '../../storage-adapters/fragment.ts';
import { TABLES, DATABASES, queryFields, type TableDef, type FieldDef } from '../../schema/index.ts';
import { sqlTypeOf } from '../sql/plan.ts';

export interface CatalogTable { columns: Array<{ name: string; type: SqlType }>; rows(): Value[][] }

/** pg_type OIDs of the types MetaFlow's columns have. */
export const TYPE_OIDS: Record<SqlType, number> = { bool: 16, int: 20, float: 701, text: 25, timestamp: 1184, interval: 1186, null: 25 };
const TYPES: Array<[number, string, number, string]> = [
  [16, 'bool', 1, 'boolean'], [18, 'char', 1, '"char"'], [19, 'name', 64, 'name'], [20, 'int8', 8, 'bigint'], [21, 'int2', 2, 'smallint'],
  [23, 'int4', 4, 'integer'], [25, 'text', -1, 'text'], [26, 'oid', 4, 'oid'], [700, 'float4', 4, 'real'], [701, 'float8', 8, 'double precision'],
  [1043, 'varchar', -1, 'character varying'], [1114, 'timestamp', 8, 'timestamp without time zone'],
  [1184, 'timestamptz', 8, 'timestamp with time zone'], [1186, 'interval', 16, 'interval'], [1700, 'numeric', -1, 'numeric'],
];
export const typeByOid = new Map(TYPES.map(([oid, name, len, display]) => [oid, { name, len, display }]));

const PG_CATALOG_NS = 11, INFO_SCHEMA_NS = 13000, PUBLIC_NS = 2200;
/** Namespaces: PostgreSQL's own, then one per MetaFlow database. */
const NAMESPACES: Array<[number, string]> = [[PG_CATALOG_NS, 'pg_catalog'], [INFO_SCHEMA_NS, 'information_schema'], [PUBLIC_NS, 'public'],
  ...DATABASES.map((d, i): [number, string] => [16384 + i, d])];
const nsOid = (db: string): number => NAMESPACES.find(([, n]) => n === db)?.[0] ?? PUBLIC_NS;
const DATA_TABLES = TABLES.filter((t) => !t.database.startsWith('flow_tag'));
/** Relation OIDs: stable per catalog order. */
export const tableOid = (t: TableDef): number => 17000 + DATA_TABLES.indexOf(t);
export const tableByOid = (oid: number): TableDef | undefined => DATA_TABLES[oid - 17000];
export const OWNER = 'metaflow';

function fieldsOf(t: TableDef): FieldDef[] {
  return [...queryFields(t).values()];
}
const fieldType = (f: FieldDef): SqlType => sqlTypeOf(f.type);

const t = (name: string, type: SqlType = 'text') => ({ name, type });
const table = (columns: Array<{ name: string; type: SqlType }>, rows: () => Value[][] = () => []): CatalogTable => ({ columns, rows });

export const PG_CATALOG: Record<string, CatalogTable> = {
  pg_namespace: table([t('oid', 'int'), t('nspname'), t('nspowner', 'int'), t('nspacl')], () => NAMESPACES.map(([oid, name]) => [oid, name, 10, null])),
  pg_class: table([
    t('oid', 'int'), t('relname'), t('relnamespace', 'int'), t('relkind'), t('relowner', 'int'), t('relam', 'int'), t('reltuples', 'float'),
    t('relhasindex', 'bool'), t('relhasrules', 'bool'), t('relhastriggers', 'bool'), t('relrowsecurity', 'bool'), t('relforcerowsecurity', 'bool'),
    t('relispartition', 'bool'), t('reloptions'), t('reltablespace', 'int'), t('reloftype', 'int'), t('relpersistence'), t('relreplident'),
    t('reltoastrelid', 'int'), t('relchecks', 'int'), t('relnatts', 'int'), t('relacl'), t('relpartbound'), t('relhassubclass', 'bool'), t('reltype', 'int'),
  ], () => DATA_TABLES.map((x) => [tableOid(x), x.name, nsOid(x.database), 'r', 10, 2, -1, false, false, false, false, false, false, null, 0, 0, 'p', 'd', 0, 0, fieldsOf(x).length, null, null, false, 0])),
  pg_attribute: table([
    t('attrelid', 'int'), t('attname'), t('atttypid', 'int'), t('attnum', 'int'), t('attnotnull', 'bool'), t('attisdropped', 'bool'), t('atttypmod', 'int'),
    t('atthasdef', 'bool'), t('attidentity'), t('attgenerated'), t('attcollation', 'int'), t('attlen', 'int'), t('attstattarget', 'int'),
    t('attislocal', 'bool'), t('attinhcount', 'int'), t('attacl'), t('attoptions'), t('attfdwoptions'), t('attcompression'), t('attstorage'), t('attalign'), t('attbyval', 'bool'),
  ], () => DATA_TABLES.flatMap((x) => fieldsOf(x).map((f, i) => {
    const oid = TYPE_OIDS[fieldType(f)];
    const len = typeByOid.get(oid)!.len;
    return [tableOid(x), f.name, oid, i + 1, f.column.role === 'time', false, -1, false, '', '', fieldType(f) === 'text' ? 100 : 0, len, -1, true, 0, null, null, null, '', len < 0 ? 'x' : 'p', len === 8 ? 'd' : 'i', len > 0];
  }))),
  pg_type: table([t('oid', 'int'), t('typname'), t('typnamespace', 'int'), t('typtype'), t('typlen', 'int'), t('typbasetype', 'int'), t('typrelid', 'int'),
    t('typelem', 'int'), t('typnotnull', 'bool'), t('typtypmod', 'int'), t('typcollation', 'int'), t('typarray', 'int'), t('typdelim'), t('typowner', 'int'), t('typcategory')],
  () => TYPES.map(([oid, name, len]) => [oid, name, PG_CATALOG_NS, 'b', len, 0, 0, 0, false, -1, name === 'text' || name === 'varchar' ? 100 : 0, 0, ',', 10, name.startsWith('int') || name.startsWith('float') || name === 'numeric' ? 'N' : name === 'text' || name === 'varchar' ? 'S' : 'U'])),
  pg_am: table([t('oid', 'int'), t('amname'), t('amtype')], () => [[2, 'heap', 't']]),
  pg_database: table([t('oid', 'int'), t('datname'), t('datdba', 'int'), t('encoding', 'int'), t('datcollate'), t('datctype'), t('datallowconn', 'bool'), t('datistemplate', 'bool'), t('datacl')],
    () => ['metaflow', ...DATABASES].map((d, i) => [16000 + i, d, 10, 6, 'C', 'C', true, false, null])),
  pg_roles: table([t('oid', 'int'), t('rolname'), t('rolsuper', 'bool'), t('rolcanlogin', 'bool'), t('rolinherit', 'bool')], () => [[10, OWNER, true, true, true]]),
  pg_user: table([t('usesysid', 'int'), t('usename'), t('usesuper', 'bool')], () => [[10, OWNER, true]]),
  pg_description: table([t('objoid', 'int'), t('classoid', 'int'), t('objsubid', 'int'), t('description')], () => DATA_TABLES.flatMap((x) => [
    [tableOid(x), 1259, 0, x.description],
    ...fieldsOf(x).map((f, i) => [tableOid(x), 1259, i + 1, f.view === 'id' ? `${f.column.description} (ID)` : f.column.description]),
  ])),
  pg_settings: table([t('name'), t('setting'), t('unit'), t('category'), t('short_desc')], () => [['server_version', '15.0', null, 'Preset Options', 'Server version'], ['max_identifier_length', '63', null, 'Preset Options', '']]),
  pg_attrdef: table([t('oid', 'int'), t('adrelid', 'int'), t('adnum', 'int'), t('adbin')]),
  pg_collation: table([t('oid', 'int'), t('collname'), t('collnamespace', 'int')]),
  pg_index: table([t('indexrelid', 'int'), t('indrelid', 'int'), t('indisprimary', 'bool'), t('indisunique', 'bool'), t('indisclustered', 'bool'), t('indisvalid', 'bool'), t('indkey'), t('indnatts', 'int')]),
  pg_inherits: table([t('inhrelid', 'int'), t('inhparent', 'int'), t('inhseqno', 'int'), t('inhdetachpending', 'bool')]),
  pg_constraint: table([t('oid', 'int'), t('conname'), t('connamespace', 'int'), t('contype'), t('conrelid', 'int'), t('confrelid', 'int'), t('conkey'), t('confkey'), t('conindid', 'int')]),
  pg_trigger: table([t('oid', 'int'), t('tgrelid', 'int'), t('tgname'), t('tgisinternal', 'bool'), t('tgenabled')]),
  pg_policy: table([t('oid', 'int'), t('polrelid', 'int'), t('polname'), t('polcmd'), t('polpermissive', 'bool'), t('polroles'), t('polqual'), t('polwithcheck')]),
  pg_statistic_ext: table([t('oid', 'int'), t('stxrelid', 'int'), t('stxname'), t('stxnamespace', 'int'), t('stxkeys'), t('stxkind'), t('stxstattarget', 'int')]),
  pg_publication: table([t('oid', 'int'), t('pubname'), t('puballtables', 'bool'), t('pubinsert', 'bool'), t('pubupdate', 'bool'), t('pubdelete', 'bool'), t('pubtruncate', 'bool'), t('pubviaroot', 'bool')]),
  pg_publication_rel: table([t('oid', 'int'), t('prpubid', 'int'), t('prrelid', 'int'), t('prqual'), t('prattrs')]),
  pg_publication_namespace: table([t('oid', 'int'), t('pnpubid', 'int'), t('pnnspid', 'int')]),
  pg_rewrite: table([t('oid', 'int'), t('rulename'), t('ev_class', 'int'), t('ev_type')]),
  pg_proc: table([t('oid', 'int'), t('proname'), t('pronamespace', 'int'), t('prokind'), t('prorettype', 'int')]),
  pg_extension: table([t('oid', 'int'), t('extname'), t('extversion'), t('extnamespace', 'int')]),
  pg_tablespace: table([t('oid', 'int'), t('spcname')], () => [[1663, 'pg_default']]),
  pg_foreign_table: table([t('ftrelid', 'int'), t('ftserver', 'int')]),
  pg_partitioned_table: table([t('partrelid', 'int'), t('partstrat')]),
  pg_matviews: table([t('schemaname'), t('matviewname')]),
  pg_views: table([t('schemaname'), t('viewname'), t('viewowner'), t('definition')]),
  pg_tables: table([t('schemaname'), t('tablename'), t('tableowner'), t('tablespace'), t('hasindexes', 'bool'), t('hasrules', 'bool'), t('hastriggers', 'bool'), t('rowsecurity', 'bool')],
    () => DATA_TABLES.map((x) => [x.database, x.name, OWNER, null, false, false, false, false])),
};

const ISO_TYPE: Record<SqlType, string> = { bool: 'boolean', int: 'bigint', float: 'double precision', text: 'text', timestamp: 'timestamp with time zone', interval: 'interval', null: 'text' };

export const INFORMATION_SCHEMA: Record<string, CatalogTable> = {
  schemata: table([t('catalog_name'), t('schema_name'), t('schema_owner')], () => NAMESPACES.map(([, n]) => ['metaflow', n, OWNER])),
  tables: table([t('table_catalog'), t('table_schema'), t('table_name'), t('table_type'), t('is_insertable_into')],
    () => DATA_TABLES.map((x) => ['metaflow', x.database, x.name, 'BASE TABLE', 'NO'])),
  columns: table([t('table_catalog'), t('table_schema'), t('table_name'), t('column_name'), t('ordinal_position', 'int'), t('column_default'), t('is_nullable'),
    t('data_type'), t('character_maximum_length', 'int'), t('numeric_precision', 'int'), t('numeric_scale', 'int'), t('datetime_precision', 'int'), t('udt_name'), t('udt_schema'), t('is_updatable')],
  () => DATA_TABLES.flatMap((x) => fieldsOf(x).map((f, i) => {
    const ty = fieldType(f);
    return ['metaflow', x.database, x.name, f.name, i + 1, null, f.column.role === 'time' ? 'NO' : 'YES', ISO_TYPE[ty], null, ty === 'int' ? 64 : ty === 'float' ? 53 : null, ty === 'int' ? 0 : null, ty === 'timestamp' ? 6 : null, typeByOid.get(TYPE_OIDS[ty])!.name, 'pg_catalog', 'NO'];
  }))),
  views: table([t('table_catalog'), t('table_schema'), t('table_name'), t('view_definition')]),
  routines: table([t('routine_catalog'), t('routine_schema'), t('routine_name'), t('routine_type')]),
  key_column_usage: table([t('constraint_name'), t('table_schema'), t('table_name'), t('column_name'), t('ordinal_position', 'int')]),
  table_constraints: table([t('constraint_name'), t('table_schema'), t('table_name'), t('constraint_type')]),
};

/** The catalog table a FROM item names, or undefined. Bare pg_* names resolve as PostgreSQL's search_path does. */
export function findCatalogTable(db: string | null, name: string): CatalogTable | undefined {
  if (db === 'information_schema') return INFORMATION_SCHEMA[name];
  if (db === 'pg_catalog' || (db === null && name.startsWith('pg_'))) return PG_CATALOG[name];
  return undefined;
}
