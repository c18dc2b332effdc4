/**
 * Statements run again reuse their plan (and, reading no store, their answer) without ever
 * answering differently from a first run: the clock moves, new data shows, new tag names
 * resolve, parameters and search paths are told apart, and a caller changing an answer does
 * not change the next one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { Ingester } from '../ingester/ingester.ts';
import { QueryEngine } from './engine.ts';
import { generateL7Rows, PODS } from './conformance/dataset.ts';
import { loadIntoMetaFlow } from './conformance/load-metaflow.ts';
import { paramsKey, readsStore } from './plan-reuse.ts';
import type { Plan } from './sql/plan.ts';

const dir = mkdtempSync(join(tmpdir(), 'metaflow-plan-reuse-'));
const adapter = new DuckDBAdapter(dir);
let ingester: Ingester;
let engine: QueryEngine;

before(async () => {
  await adapter.open(TABLES, DICTIONARY_TABLES);
  ingester = new Ingester(adapter, pino({ level: 'warn' }));
  await ingester.start();
  await loadIntoMetaFlow(ingester, generateL7Rows(50, 1), PODS);
  engine = new QueryEngine({ adapter });
});
after(async () => { await adapter.close(); rmSync(dir, { recursive: true, force: true }); });

const first = async (sql: string, params?: Array<string | number | null>, searchPath?: string[]) =>
  (await engine.query(sql, { params, searchPath }))[0]!;

test('a constant statement answers the same each run, and changing one answer does not change the next', async () => {
  const a = await first('SELECT 1 AS one, upper(\'x\') AS x');
  assert.deepEqual(a.rows, [[1, 'X']]);
  a.rows[0]![0] = 99;
  a.rows.length = 0;
  a.columns = [];
  const b = await first('SELECT 1 AS one, upper(\'x\') AS x');
  assert.deepEqual(b.rows, [[1, 'X']]);
  assert.deepEqual(b.columns.map((c) => c.name), ['one', 'x']);
});

test('now() is read afresh on every run, never frozen in a kept plan', async () => {
  const sql = 'SELECT now() AS t, 1 AS k';
  const t1 = (await first(sql)).rows[0]![0] as number;
  await sleep(5);
  const t2 = (await first(sql)).rows[0]![0] as number;
  assert.ok(t2 > t1, `second now() ${t2} after the first ${t1}`);
  // Described once, the statement keeps its types while its values move.
  assert.deepEqual(engine.describe(sql).map((c) => c.type), ['timestamp', 'int']);
  await sleep(5);
  const t3 = (await first(sql)).rows[0]![0] as number;
  assert.ok(t3 > t2);
});

test('a store query run again sees rows that arrived in between', async () => {
  const sql = 'SELECT count(*) FROM flow_log.l7_flow_log';
  const before = Number((await first(sql)).rows[0]![0]);
  await loadIntoMetaFlow(ingester, generateL7Rows(7, 2), PODS);
  const afterRows = Number((await first(sql)).rows[0]![0]);
  assert.equal(afterRows, before + 7);
});

test('tag names that appear later resolve in a statement run before', async () => {
  const sql = "SELECT count(*) FROM flow_log.l7_flow_log WHERE pod_1 = 'pod-added-later'";
  assert.equal(Number((await first(sql)).rows[0]![0]), 0);
  const pod = { ...PODS[0]!, name: 'pod-added-later' };
  const rows = generateL7Rows(3, 3).map((r) => ({ ...r, pod_1: 'pod-added-later', pod_ns_1: pod.namespace }));
  await loadIntoMetaFlow(ingester, rows, [...PODS, pod]);
  engine.dictionaries.invalidate(); // names are cached for a second on purpose (dictionaries.ts)
  assert.equal(Number((await first(sql)).rows[0]![0]), 3);
});

test('parameters and search paths are told apart', async () => {
  assert.deepEqual((await first('SELECT $1 + 1 AS v', [1])).rows, [[2]]);
  assert.deepEqual((await first('SELECT $1 + 1 AS v', [41])).rows, [[42]]);
  assert.deepEqual((await first('SELECT $1 + 1 AS v', [1])).rows, [[2]]);
  assert.notEqual(paramsKey([1]), paramsKey(['1']));
  assert.notEqual(paramsKey(['a,b']), paramsKey(['a', 'b']));
  assert.notEqual(paramsKey([null]), paramsKey(['']));
  const inLog = await first('SELECT count(*) FROM l7_flow_log', [], ['flow_log']);
  assert.ok(Number(inLog.rows[0]![0]) > 0);
  await assert.rejects(first('SELECT count(*) FROM l7_flow_log', [], ['prometheus']), /l7_flow_log/);
});

test('errors are not kept: a failing constant statement fails every run', async () => {
  for (let i = 0; i < 2; i++) await assert.rejects(first('SELECT 1 / 0'), /division by zero/);
});

test('readsStore looks through subqueries in expressions', () => {
  const table = TABLES.find((t) => t.fullName === 'flow_log.l7_flow_log')!;
  const scan: Plan = { kind: 'scan', table, columns: ['time'] };
  const values: Plan = { kind: 'values', columns: [{ name: 'a', type: 'int' }], rows: [[1]] };
  assert.equal(readsStore(values), false);
  assert.equal(readsStore({ kind: 'limit', input: scan, limit: 1, offset: 0 }), true);
  const sub: Plan = { kind: 'project', input: values, columns: [{ name: 'x', expr: { kind: 'subquery', plan: scan, args: [], type: 'int' } }] };
  assert.equal(readsStore(sub), true);
});
