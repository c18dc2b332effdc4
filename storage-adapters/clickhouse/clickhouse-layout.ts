/**
 * Where tables live. One server: a MergeTree table per catalog table. A cluster (no
 * ZooKeeper needed): `<name>_local` MergeTree tables on every shard and, on every node, a
 * Distributed table with the catalog's name over them, which spreads inserted rows across
 * the shards and fans queries out. DDL is sent node by node (it needs no DDL queue, which
 * `ON CLUSTER` would). Dictionaries live on one node (see clickhouse-dictionary.ts).
 */
import type { TableDef } from '../../schema/index.ts';
import { dictionaryDdl } from './clickhouse-dictionary.ts';
import { databaseName, distributedDdl, mergeTreeDdl, quoteIdent, type Naming } from './clickhouse-types.ts';

export const LOCAL_SUFFIX = '_local';

export interface Layout {
  /** Suffix of the tables holding rows ('' on one server). */
  localSuffix: string;
  databases(tables: TableDef[]): string[];
  localTable(t: TableDef): string;
  distributedTable(t: TableDef): string;
  dictionaryTables(): string[];
}

export function layoutOf(naming: Naming, cluster?: string): Layout {
  const localSuffix = cluster ? LOCAL_SUFFIX : '';
  return {
    localSuffix,
    databases: (tables) => [...new Set([...tables.map((t) => t.database), 'flow_tag'])]
      .map((db) => `CREATE DATABASE IF NOT EXISTS ${quoteIdent(databaseName(naming, db))}`),
    localTable: (t) => mergeTreeDdl(naming, t, localSuffix),
    distributedTable: (t) => {
      if (!cluster) throw new Error('distributed tables need a cluster');
      return distributedDdl(naming, t, cluster, localSuffix);
    },
    dictionaryTables: () => dictionaryDdl(naming),
  };
}
