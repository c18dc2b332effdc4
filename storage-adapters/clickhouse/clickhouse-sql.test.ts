/**
 * The SQL conformance suite on a real clickhouse-server: what the ClickHouse compiler runs
 * must give the reference PostgreSQL's answer, and what it cannot match stays in the querier.
 */
import { after, test } from 'node:test';
import { clickhouseSkipReason, startClickHouse, type ClickHouseServer } from '../../lib/testing/clickhouse.ts';
import { sqlConformance } from '../../querier/conformance/sql-conformance.ts';
import { ClickHouseAdapter } from './clickhouse-adapter.ts';
import { clickhouseOptions } from './clickhouse-config.ts';

const skip = clickhouseSkipReason();

if (skip) {
  test('clickhouse SQL conformance', { skip }, () => undefined);
} else {
  let server: ClickHouseServer | undefined;
  after(async () => { await server?.stop(); });
  sqlConformance('clickhouse', async () => {
    server = await startClickHouse();
    return new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${server.httpPort}/sqlconformance`)));
  });
}
