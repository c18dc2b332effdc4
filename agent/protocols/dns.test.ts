import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replayFixture } from './fixtures/replay.ts';

// fixtures/dns.pcap: dig against dnsmasq, over UDP and TCP (see fixtures/README.md).
test('DNS: names, query types, rcodes and answers over UDP and TCP', async () => {
  const rows = await replayFixture('dns');
  assert.equal(rows.length, 6);
  assert.ok(rows.every((r) => r.l7_protocol === 'DNS' && r.server_port === 15353 && r.response_duration > 0 && r.request_id !== null));
  assert.deepEqual(rows.map((r) => r.protocol), [17, 17, 17, 17, 6, 6]);
  assert.deepEqual(rows.map((r) => r.request_type), ['A', 'AAAA', 'A', 'A', 'A', 'MX']);
  assert.deepEqual(rows.map((r) => r.request_resource), ['www.example.test', 'www.example.test', 'alias.example.test', 'nothere.example.test', 'www.example.test', 'nothere.example.test']);
  assert.deepEqual(rows.map((r) => r.response_code), [0, 0, 0, 3, 0, 3]);
  assert.deepEqual(rows.map((r) => r.response_status), ['ok', 'ok', 'ok', 'client_error', 'ok', 'client_error']);
  assert.equal(rows[3]!.response_exception, 'NXDOMAIN');
  assert.equal(rows[0]!.response_result, 'A=10.1.2.3');
  assert.equal(rows[1]!.response_result, 'AAAA=fd00::5');
  assert.equal(rows[2]!.response_result, 'CNAME=www.example.test');
  assert.equal(rows[4]!.response_result, 'A=10.1.2.3');
});
