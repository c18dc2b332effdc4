/** Keeps the function registries in step: planner, executor and SQL compiler agree on names. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FUNCTIONS, lookupFunction } from './functions.ts';
import { AGGREGATES } from './aggregates.ts';
import { SQL_FUNCTIONS, SQL_AGGREGATES } from '../../storage-adapters/sql/sql-compiler.ts';
import { FILTER_FNS, PATTERN_FNS, EXPRESSION_FNS, TIME_FNS, BASIC_AGGREGATES } from '../pushdown/pushable.ts';
import { preprocess } from './parse.ts';
import { parseInterval, parseTimestamp, formatTimestamp, dateTrunc, dateBin } from './time.ts';

test('every function the planner may push is one the executor and the SQL compiler know', () => {
  for (const fn of [...FILTER_FNS, ...PATTERN_FNS, ...EXPRESSION_FNS, ...TIME_FNS]) {
    assert.ok(lookupFunction(fn), `${fn} missing from the executor registry`);
    assert.ok(SQL_FUNCTIONS.has(fn), `${fn} missing from the SQL compiler`);
  }
  for (const fn of SQL_FUNCTIONS) assert.ok(FUNCTIONS[fn], `compiler knows ${fn}, the executor does not`);
  for (const a of BASIC_AGGREGATES) assert.ok(AGGREGATES[a] && SQL_AGGREGATES.has(a), a);
  for (const a of SQL_AGGREGATES) assert.ok(AGGREGATES[a], a);
});

test('preprocessing quotes only DeepFlow spellings, outside strings, and maps positions back', () => {
  const p = preprocess(`SELECT Avg(x), avg(y), 'Max(' FROM flow_metrics.application.1m WHERE a OPERATOR(pg_catalog.~) 'b' COLLATE pg_catalog.default`);
  assert.equal(p.text, `SELECT "Avg"(x), avg(y), 'Max(' FROM flow_metrics."application.1m" WHERE a ~ 'b' `);
  const at = p.text.indexOf('avg(y)');
  assert.equal(p.original(at), 'SELECT Avg(x), '.length);
});

test('timestamps and intervals as PostgreSQL reads and prints them', () => {
  assert.equal(parseTimestamp('2024-01-15T10:00:00Z'), Date.UTC(2024, 0, 15, 10) * 1000);
  assert.equal(parseTimestamp('2024-01-15 12:00:00+02'), Date.UTC(2024, 0, 15, 10) * 1000);
  assert.equal(parseTimestamp('2024-01-15 10:00:00.000001'), Date.UTC(2024, 0, 15, 10) * 1000 + 1);
  assert.equal(formatTimestamp(Date.UTC(2024, 0, 15, 10) * 1000 + 500_000), '2024-01-15 10:00:00.5+00');
  assert.equal(parseInterval('1 hour 30 minutes'), 5_400_000_000);
  assert.equal(parseInterval('00:05:00'), 300_000_000);
  assert.throws(() => parseInterval('1 month'), /interval/);
  const t = Date.UTC(2024, 0, 17, 10, 7, 31) * 1000; // a Wednesday
  assert.equal(dateTrunc('week', t), Date.UTC(2024, 0, 15) * 1000);
  assert.equal(dateTrunc('month', t), Date.UTC(2024, 0, 1) * 1000);
  assert.equal(dateBin(300_000_000, t, 0), Date.UTC(2024, 0, 17, 10, 5) * 1000);
});
