import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture } from './fixtures/replay.ts';

// fixtures/postgres.pcap: psql (simple protocol) and node-postgres (extended protocol)
// against PostgreSQL 15 with SCRAM authentication (see fixtures/README.md).
test('PostgreSQL: simple queries, extended-protocol batches, errors with SQLSTATE', async () => {
  const rows = await replayFixture('postgres');
  assert.equal(rows.length, 9);
  assert.ok(rows.every((r) => r.l7_protocol === 'PostgreSQL' && r.server_port === 15432 && r.response_duration > 0));
  assert.deepEqual(rows.map((r) => r.request_type), ['CREATE', 'INSERT', 'SELECT', 'SELECT', 'UPDATE', 'SELECT', 'SELECT', 'SELECT', 'INSERT']);
  assert.deepEqual(rows.map((r) => r.response_status), ['ok', 'ok', 'ok', 'client_error', 'ok', 'ok', 'ok', 'ok', 'client_error']);
  assert.deepEqual(rows.map((r) => r.response_result), ['CREATE TABLE', 'INSERT 0 2', 'SELECT 2', '42P01', 'UPDATE 1', 'SELECT 1', 'SELECT 1', 'SELECT 1', '23505']);
  // Rows from the command tag's count; none for CREATE TABLE or an error.
  assert.deepEqual(rows.map((r) => r.sql_affected_rows), [null, 2, 2, null, 1, 1, 1, 1, null]);
  assert.equal(rows[3]!.response_exception, 'relation "nosuch" does not exist');
  assert.match(rows[8]!.response_exception, /^duplicate key value violates unique constraint/);
  // The third extended query re-binds the named statement without a Parse: its SQL comes from the first.
  assert.equal(rows[7]!.request_resource, 'SELECT name FROM items WHERE id = $1');
  assert.ok(rows[7]!.request_length < rows[6]!.request_length);
  // psql opens one connection; node-postgres another.
  assert.equal(new Set(rows.slice(0, 5).map((r) => r.client_port)).size, 1);
  assert.notEqual(rows[0]!.client_port, rows[5]!.client_port);
});
