/**
 * The conformance kit's fixture for ClickHouse, single server or cluster: reopen from the
 * same options, the worker's URL, and an older table layout created the way the adapter
 * lays tables out (a MergeTree per shard, plus the Distributed table in cluster mode).
 */
import type { AdapterFixture } from '../../testkit/conformance.ts';
import { ClickHouseAdapter } from '../clickhouse-adapter.ts';
import { clickhouseUrl } from '../clickhouse-config.ts';
import { distributedDdl, mergeTreeDdl, quoteIdent } from '../clickhouse-types.ts';
import { LOCAL_SUFFIX } from '../clickhouse-layout.ts';

export function clickhouseFixture(create: () => Promise<ClickHouseAdapter>, cluster?: string): AdapterFixture {
  return {
    create,
    async reopen(a) {
      return new ClickHouseAdapter((a as ClickHouseAdapter).options);
    },
    workerArgs(a) {
      return [clickhouseUrl((a as ClickHouseAdapter).options)];
    },
    async createOlderLayout(a, table, keep) {
      const ch = a as ClickHouseAdapter;
      const older = { ...table, columns: table.columns.filter((c) => keep.includes(c.name)), sortKey: table.sortKey.filter((k) => keep.includes(k)) };
      for (const node of ch.shardNodes()) {
        await ch.command(node, `CREATE DATABASE IF NOT EXISTS ${quoteIdent(ch.naming.prefix + table.database)}`);
        await ch.command(node, mergeTreeDdl(ch.naming, older, cluster ? LOCAL_SUFFIX : ''));
        if (cluster) await ch.command(node, distributedDdl(ch.naming, older, cluster, LOCAL_SUFFIX));
      }
    },
  };
}
