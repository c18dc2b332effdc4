/** Store URLs, the config block, and ClickHouse error texts of both eras → SQLSTATE. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clickhouseOptions, clickhouseUrl } from './clickhouse-config.ts';
import { parseServerError, storeError } from './clickhouse-errors.ts';
import { loadConfig } from '../../lib/config.ts';

test('clickhouse:// URLs: credentials, default port, prefix, TLS', () => {
  const o = clickhouseOptions(new URL('clickhouse://metaflow:s%40cret@ch.example:9123/prod'));
  assert.deepEqual({ ...o, requestTimeoutMs: 0 }, { url: 'http://ch.example:9123', username: 'metaflow', password: 's@cret', prefix: 'prod_', cluster: undefined, requestTimeoutMs: 0 });
  const d = clickhouseOptions(new URL('clickhouse://ch.example'));
  assert.equal(d.url, 'http://ch.example:8123');
  assert.equal(d.username, 'default');
  assert.equal(d.prefix, '');
  assert.equal(clickhouseOptions(new URL('clickhouse://ch.example/?secure=true')).url, 'https://ch.example:8443');
  assert.throws(() => clickhouseOptions(new URL('clickhouse://h/bad-name')), /may hold only letters, digits and _/);
});

test('cluster from the URL or the config block; the URL round-trips for another process', () => {
  const o = clickhouseOptions(new URL('clickhouse://h1:8123/x?cluster=metaflow&shards=h1:8123,http://h2:8124'));
  assert.deepEqual(o.cluster, { name: 'metaflow', shards: ['http://h1:8123', 'http://h2:8124'] });
  assert.deepEqual(clickhouseOptions(new URL(clickhouseUrl(o))), o);
  const fromBlock = clickhouseOptions(new URL('clickhouse://h1'), { cluster: 'c', shards: 'h1,h2' });
  assert.deepEqual(fromBlock.cluster, { name: 'c', shards: ['http://h1:8123', 'http://h2:8123'] });
  assert.throws(() => clickhouseOptions(new URL('clickhouse://h1?cluster=c')), /needs its shards/);
  assert.throws(() => clickhouseOptions(new URL('clickhouse://h1?shards=h1')), /without a cluster name/);
});

test('config: the clickhouse block from YAML (list or string) and environment', async () => {
  const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-chcfg-'));
  try {
    const file = join(dir, 'metaflow.yaml');
    writeFileSync(file, 'storage: clickhouse://h1:8123/\nclickhouse:\n  cluster: metaflow\n  shards: [h1:8123, h2:8123]\n');
    const cfg = loadConfig({ file, env: {} });
    assert.deepEqual(cfg.clickhouse, { cluster: 'metaflow', shards: 'h1:8123,h2:8123' });
    assert.equal(loadConfig({ file, env: { METAFLOW_CLICKHOUSE_SHARDS: 'h3:8123' } }).clickhouse?.shards, 'h3:8123');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('server errors of 18.16 and of current versions give code, message and SQLSTATE', () => {
  const old = "Code: 60, e.displayText() = DB::Exception: Table flow_log.nosuch doesn't exist., e.what() = DB::Exception";
  assert.deepEqual(parseServerError(old), { code: 60, message: "Table flow_log.nosuch doesn't exist." });
  const cur = 'Code: 60. DB::Exception: Table flow_log.nosuch does not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))';
  assert.deepEqual(parseServerError(cur), { code: 60, message: 'Table flow_log.nosuch does not exist.' });
  const e = storeError(new Error(old), 'h:8123');
  assert.equal(e.sqlstate, '42P01');
  assert.equal(e.store, 'clickhouse');
  assert.equal(storeError(new Error('Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception'), 'h:8123').sqlstate, '28P01');
  assert.equal(storeError(new Error('Code: 999999. DB::Exception: something new. (NEW_THING)'), 'h').sqlstate, '58000');
  const refused = storeError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), '127.0.0.1:1');
  assert.equal(refused.sqlstate, '08001');
  assert.match(refused.message, /cannot reach ClickHouse at 127\.0\.0\.1:1: ECONNREFUSED/);
});
