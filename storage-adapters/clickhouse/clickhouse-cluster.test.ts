/**
 * Cluster mode against a real two-shard cluster: two clickhouse-server processes on 127.0.0.1
 * that both know cluster `metaflow` (one replica per shard, no ZooKeeper). The conformance
 * suite runs through the Distributed tables, then rows are checked shard by shard.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, makeData, RecordBatch, Schema, Struct, Uint32, Utf8, vectorFromArray, TimestampMicrosecond } from 'apache-arrow';
import { DICTIONARY_TABLES, findTable, TABLES } from '../../schema/index.ts';
import { adapterConformance } from '../testkit/conformance.ts';
import { clickhouseFixture } from './testing/conformance-fixture.ts';
import { clickhouseSkipReason, startClickHouseCluster, type ClickHouseCluster } from '../../lib/testing/clickhouse.ts';
import { ClickHouseAdapter } from './clickhouse-adapter.ts';
import { clickhouseOptions } from './clickhouse-config.ts';
import { LOCAL_SUFFIX } from './clickhouse-layout.ts';
import { createAdapter } from '../registry.ts';

const skip = clickhouseSkipReason();

if (skip) {
  test('clickhouse cluster', { skip }, () => undefined);
} else {
  let cluster: Promise<ClickHouseCluster> | undefined;
  const started = () => (cluster ??= startClickHouseCluster('metaflow', 2));
  after(async () => { if (cluster) await (await cluster).stop(); });
  let stores = 0;

  /** An adapter entering the cluster through shard `entry`, on a fresh database prefix. */
  async function clusterAdapter(prefix: string, entry = 0): Promise<ClickHouseAdapter> {
    const c = await started();
    const shards = c.servers.map((s) => `127.0.0.1:${s.httpPort}`).join(',');
    return new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${c.servers[entry]!.httpPort}/${prefix}?cluster=metaflow&shards=${shards}`)));
  }

  adapterConformance('clickhouse cluster', clickhouseFixture(() => clusterAdapter(`cluster${++stores}`), 'metaflow'));

  const l7 = findTable('flow_log.l7_flow_log')!;

  function l7Batch(n: number, startUs: bigint): RecordBatch {
    const time = makeData({ type: new TimestampMicrosecond(), length: n, data: BigInt64Array.from({ length: n }, (_, i) => startUs + BigInt(i)) });
    const pod = makeData({ type: new Uint32(), length: n, data: Uint32Array.from({ length: n }, (_, i) => i % 7) });
    const endpoint = vectorFromArray(Array.from({ length: n }, (_, i) => `/api/${i}`), new Utf8()).data[0]!;
    const fields = [new Field('time', time.type, false), new Field('pod_id_1', pod.type, true), new Field('endpoint', endpoint.type, true)];
    return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: n, children: [time, pod, endpoint] }));
  }

  test('clickhouse cluster: writes through the Distributed table spread over both shards and read back whole from either', async () => {
    const a = await clusterAdapter('spread');
    await a.open(TABLES, DICTIONARY_TABLES);
    await a.write(l7, [l7Batch(2000, 1_700_000_000_000_000n)]);
    const perShard: number[] = [];
    for (const node of a.shardNodes()) {
      const rows = await a.selectAll(node, `SELECT count() AS n FROM \`spread_flow_log\`.\`l7_flow_log${LOCAL_SUFFIX}\``, [{ name: 'n', type: 'uint64', nullable: false }]);
      perShard.push(Number(rows[0]![0]));
    }
    assert.equal(perShard.length, 2);
    assert.equal(perShard[0]! + perShard[1]!, 2000, 'every row stored exactly once');
    assert.ok(perShard.every((n) => n > 500), `rows spread over the shards: ${perShard}`);
    assert.equal((await a.stats())['flow_log.l7_flow_log']!.rows, 2000);

    const b = await clusterAdapter('spread', 1);
    await b.open(TABLES, DICTIONARY_TABLES);
    for (const adapter of [a, b]) {
      const rows: unknown[][] = [];
      for await (const batch of adapter.execute({ table: l7, columns: ['time', 'endpoint'], filters: [{ column: 'pod_id_1', op: '=', value: 3 }], timeRange: { startUs: 1_700_000_000_000_100n, endUs: 1_700_000_000_000_200n } })) rows.push(...batch.rows);
      const want = [];
      for (let i = 100; i < 200; i++) if (i % 7 === 3) want.push([1_700_000_000_000_000n + BigInt(i), `/api/${i}`]);
      assert.deepEqual(rows.sort((x, y) => Number((x[0] as bigint) - (y[0] as bigint))), want);
    }
    await a.close();
    await b.close();
  });

  test('clickhouse cluster: dictionaries live on the first shard whichever server a process enters through', async () => {
    const a = await clusterAdapter('dict', 0);
    const b = await clusterAdapter('dict', 1);
    await a.open(TABLES, DICTIONARY_TABLES);
    await b.open(TABLES, DICTIONARY_TABLES);
    await b.dictionaries.claim([{ type: 'pod', id: 1, key: 'ns/a', name: 'a' }]);
    await a.dictionaries.claim([{ type: 'pod', id: 1, key: 'ns/b', name: 'b' }, { type: 'pod', id: 2, key: 'ns/b', name: 'b' }]);
    assert.deepEqual((await a.dictionaries.entries('pod')).map((e) => [e.id, e.key]), [[1, 'ns/a'], [2, 'ns/b']]);
    assert.deepEqual(await b.dictionaries.entries('pod'), await a.dictionaries.entries('pod'));
    await a.close();
    await b.close();
  });

  test('clickhouse cluster: a cluster the servers do not know, or a wrong shard count, fails open clearly', async () => {
    const c = await started();
    const port = c.servers[0]!.httpPort;
    const unknown = createAdapter(`clickhouse://127.0.0.1:${port}/bad?cluster=nosuch&shards=127.0.0.1:${port}`, { dataDir: '.' });
    await assert.rejects(unknown.open(TABLES, DICTIONARY_TABLES), (e: Error & { sqlstate?: string }) =>
      /has no cluster 'nosuch' in its remote_servers/.test(e.message) && e.message.includes(`127.0.0.1:${port}`));
    await unknown.close();
    const short = createAdapter(`clickhouse://127.0.0.1:${port}/bad?cluster=metaflow&shards=127.0.0.1:${port}`, { dataDir: '.' });
    await assert.rejects(short.open(TABLES, DICTIONARY_TABLES), /2 replicas in remote_servers .* but 1 shards are configured/);
    await short.close();
  });
}
