import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, ConfigError } from './config.ts';
import { tempDir } from './testing/server.ts';

test('defaults', () => {
  const c = loadConfig({ env: {} });
  assert.equal(c.data_dir, './data');
  assert.equal(c.http_port, 20416);
  assert.equal(c.pg_port, 20432);
  assert.equal(c.ingest.body_limit, 64 * 1024 * 1024);
  assert.equal(c.storage, undefined);
});

test('file < env < flags, with units', () => {
  const d = tempDir();
  try {
    const file = join(d.path, 'metaflow.yaml');
    writeFileSync(file, 'data_dir: /srv/mf\nhttp_port: 1000\npg_port: 2000\ningest:\n  body_limit: 8MiB\nquery:\n  timeout: 30s\nauth:\n  users:\n    alice: secret\n');
    const c = loadConfig({ file, env: { METAFLOW_HTTP_PORT: '3000', METAFLOW_QUERY_TIMEOUT: '2m' }, flags: { pg_port: '4000' } });
    assert.equal(c.data_dir, '/srv/mf');
    assert.equal(c.http_port, 3000);
    assert.equal(c.pg_port, 4000);
    assert.equal(c.ingest.body_limit, 8 * 1024 * 1024);
    assert.equal(c.query.timeout, 120_000);
    assert.deepEqual(c.auth.users, { alice: 'secret' });
    const viaEnv = loadConfig({ env: { METAFLOW_CONFIG: file } });
    assert.equal(viaEnv.http_port, 1000);
  } finally {
    d.remove();
  }
});

test('bad values are clear errors', () => {
  assert.throws(() => loadConfig({ env: { METAFLOW_HTTP_PORT: 'eighty' } }), (e: Error) => e instanceof ConfigError && /METAFLOW_HTTP_PORT: 'eighty' is not a valid int for http_port/.test(e.message));
  assert.throws(() => loadConfig({ env: {}, flags: { 'ingest.body_limit': '5 parsecs' } }), /not a valid size/);
  assert.throws(() => loadConfig({ env: {}, flags: { http_port: '70000' } }), /http_port must be a port number/);
  assert.throws(() => loadConfig({ env: {}, flags: { role: 'chef' } }), /role must be all, ingester or querier/);
  assert.throws(() => loadConfig({ file: '/nonexistent/metaflow.yaml', env: {} }), /cannot read config file/);
});
