/**
 * The ClickHouse adapter against a real clickhouse-server (lib/testing/clickhouse.ts): the
 * shared conformance suite, with each test in its own database prefix on one server.
 */
import { after, test } from 'node:test';
import { adapterConformance } from '../testkit/conformance.ts';
import { clickhouseSkipReason, startClickHouse, type ClickHouseServer } from '../../lib/testing/clickhouse.ts';
import { ClickHouseAdapter } from './clickhouse-adapter.ts';
import { clickhouseOptions, clickhouseUrl } from './clickhouse-config.ts';
import { mergeTreeDdl, quoteIdent } from './clickhouse-types.ts';

const skip = clickhouseSkipReason();

if (skip) {
  test('clickhouse adapter conformance', { skip }, () => undefined);
} else {
  let server: Promise<ClickHouseServer> | undefined;
  const started = () => (server ??= startClickHouse());
  after(async () => { if (server) await (await server).stop(); });
  let stores = 0;

  adapterConformance('clickhouse', {
    async create() {
      const s = await started();
      return new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${s.httpPort}/conformance${++stores}`)));
    },
    async reopen(a) {
      return new ClickHouseAdapter((a as ClickHouseAdapter).options);
    },
    workerArgs(a) {
      return [clickhouseUrl((a as ClickHouseAdapter).options)];
    },
    async createOlderLayout(a, table, keep) {
      const ch = a as ClickHouseAdapter;
      const [node] = ch.shardNodes();
      await ch.command(node!, `CREATE DATABASE IF NOT EXISTS ${quoteIdent(ch.naming.prefix + table.database)}`);
      const older = { ...table, columns: table.columns.filter((c) => keep.includes(c.name)), sortKey: table.sortKey.filter((k) => keep.includes(k)) };
      await ch.command(node!, mergeTreeDdl(ch.naming, older));
    },
  });
}
