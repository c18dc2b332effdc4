import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture, countBy } from './fixtures/replay.ts';

// fixtures/mysql.pcap: the mariadb CLI and DBD::MariaDB (server-side prepares) against
// MariaDB 10.11 (see fixtures/README.md).
test('MySQL: text queries, errors and the handshake', async () => {
  const rows = (await replayFixture('mysql')).filter((r) => r.response_status !== 'unknown');
  assert.ok(rows.every((r) => r.l7_protocol === 'MySQL' && r.server_port === 13306 && r.response_duration > 0));
  const cli = rows.slice(0, 6);
  assert.deepEqual(cli.map((r) => r.request_type), ['CREATE', 'CREATE', 'INSERT', 'SELECT', 'UPDATE', 'SELECT']);
  assert.deepEqual(cli.map((r) => r.response_status), ['ok', 'ok', 'ok', 'ok', 'ok', 'server_error']);
  // Affected rows from the OK packets (CREATE DATABASE reports 1); a result set or an error has none.
  assert.deepEqual(cli.map((r) => r.sql_affected_rows), [1, 0, 2, null, 1, null]);
  assert.equal(cli[3]!.request_resource, 'SELECT * FROM shop.items');
  assert.ok(cli[3]!.response_length > cli[4]!.response_length, 'a result set is longer than an OK');
  assert.equal(cli[5]!.response_code, 1146);
  assert.equal(cli[5]!.response_exception, "Table 'shop.nosuch' doesn't exist");
});

test('MySQL: COM_STMT_PREPARE / EXECUTE carry the statement id and its SQL', async () => {
  const all = await replayFixture('mysql');
  assert.equal(all.length, 21);
  assert.deepEqual(countBy(all, (r) => r.response_status), { ok: 15, server_error: 2, unknown: 4 });
  // Requests the server never answers (COM_QUIT twice, COM_STMT_CLOSE twice) are rows without a response.
  assert.deepEqual(countBy(all.filter((r) => r.response_status === 'unknown'), (r) => r.request_type), { COM_QUIT: 2, COM_STMT_CLOSE: 2 });
  const prepared = all.filter((r) => r.request_id !== null);
  // SELECT: prepare + 2 executes (statement 1); INSERT: prepare + 2 executes (statement 2).
  assert.deepEqual(prepared.map((r) => [r.request_type, r.request_id]), [['SELECT', 1], ['SELECT', 1], ['SELECT', 1], ['INSERT', 2], ['INSERT', 2], ['INSERT', 2]]);
  assert.ok(prepared.every((r) => r.request_resource.includes('?')));
  const dup = prepared[5]!;
  assert.deepEqual([dup.response_code, dup.response_status], [1062, 'server_error']);
  // A prepare's OK carries the statement id, not affected rows; an execute's OK does.
  assert.deepEqual(prepared.slice(3).map((r) => r.sql_affected_rows), [null, 1, null]);
  assert.match(dup.response_exception, /^Duplicate entry '1'/);
});
