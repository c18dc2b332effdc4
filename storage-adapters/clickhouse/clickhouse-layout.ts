/**
 * Where tables live. One server: a MergeTree table per catalog table. A cluster (no
 * ZooKeeper needed): `<name>_local` MergeTree tables on every shard and, on every node, a
 * Distributed table with the catalog's name over them, which spreads inserted rows across
 * the shards and fans queries out. DDL is sent node by node (it needs no DDL queue, which
 * `ON CLUSTER` would). Dictionaries live on one node (see clickhouse-dictionary.ts).
 */
import type { ColumnDef, TableDef } from '../../schema/index.ts';
import { DICTIONARY_DDL } from './clickhouse-dictionary.ts';
import { databaseName, distributedDdl, mergeTreeDdl, type Naming } from './clickhouse-types.ts';

export const LOCAL_SUFFIX = '_local';

/** One table a node must hold: its CREATE, and the columns an older layout may lack. */
export interface TableSpec { database: string; name: string; create: string; columns: ColumnDef[] }

/** What a node is for: holding rows (a shard, or the one server), fronting a cluster, the dictionaries. */
export interface NodeRoles { rows: boolean; distributed: boolean; dictionary: boolean }

export interface Layout {
  /** Suffix of the tables holding rows ('' on one server). */
  localSuffix: string;
  tablesFor(roles: NodeRoles, tables: TableDef[]): TableSpec[];
}

export function layoutOf(naming: Naming, cluster?: string): Layout {
  const localSuffix = cluster ? LOCAL_SUFFIX : '';
  return {
    localSuffix,
    tablesFor(roles, tables) {
      const out: TableSpec[] = [];
      for (const t of tables) {
        const database = databaseName(naming, t.database);
        if (roles.rows) out.push({ database, name: t.name + localSuffix, create: mergeTreeDdl(naming, t, localSuffix), columns: t.columns });
        if (roles.distributed && cluster) out.push({ database, name: t.name, create: distributedDdl(naming, t, cluster, localSuffix), columns: t.columns });
      }
      if (roles.dictionary) {
        for (const d of DICTIONARY_DDL) out.push({ database: databaseName(naming, 'flow_tag'), name: d.name, create: d.create(naming), columns: [] });
      }
      return out;
    },
  };
}
