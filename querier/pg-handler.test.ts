/**
 * The PG handler's fast path (`answerNow`) gives exactly the events `execute` gives, and only
 * for statements whose answer is kept: never for a first run, a clock-reading statement,
 * other parameter values or a meta statement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QueryEngine } from './engine.ts';
import { createPgHandler } from './pg-handler.ts';
import { Session } from './pgwire/session.ts';
import type { ExecuteEvent, ExecuteOptions } from './pgwire/handler.ts';
import type { StorageAdapter } from '../storage-adapters/adapter.ts';

// Store-free statements never reach the store; any use of it fails the test.
const noStore = new Proxy({}, { get: (_t, name) => { if (name === 'then') return undefined; throw new Error(`store used: ${String(name)}`); } });
const adapter = { capabilities: {}, dictionaries: noStore } as unknown as StorageAdapter;

function setup(defaultLimit?: number) {
  const handler = createPgHandler(new QueryEngine({ adapter, defaultLimit }));
  const session = new Session(1, '127.0.0.1:1', '15.0 (MetaFlow)');
  session.database = 'flow_log';
  const options: ExecuteOptions = { session, paramTypes: [], maxRows: 0, signal: new AbortController().signal };
  const run = async (sql: string, params: unknown[] = []): Promise<ExecuteEvent[]> => {
    const events: ExecuteEvent[] = [];
    for await (const e of handler.execute(sql, params, options)) events.push(e);
    return events;
  };
  return { handler, options, run };
}

test('a kept answer comes back as the same events execute yields, notices included', async () => {
  const { handler, options, run } = setup(2);
  const sql = 'SELECT nspname FROM pg_catalog.pg_namespace ORDER BY 1';
  assert.equal(handler.answerNow!(sql, [], options), null, 'not on the first run');
  const first = await run(sql);
  assert.deepEqual(first.map((e) => e.kind), ['columns', 'notice', 'rows']);
  assert.deepEqual(handler.answerNow!(sql, [], options), first);
  assert.deepEqual(await run(sql), first);
  assert.deepEqual(handler.answerNow!('SELECT 1 AS one', [], options), null);
  await run('SELECT 1 AS one');
  assert.deepEqual(handler.answerNow!('SELECT 1 AS one', [], options), [
    { kind: 'columns', columns: [{ name: 'one', typeOid: 20 }] },
    { kind: 'rows', rows: [[1n]] },
  ]);
});

test('no fast path for the clock, other parameters, or meta statements', async () => {
  const { handler, options, run } = setup();
  await run('SELECT now() AS t');
  assert.equal(handler.answerNow!('SELECT now() AS t', [], options), null);
  await run('SELECT $1 + 1 AS v', [1n]);
  assert.notEqual(handler.answerNow!('SELECT $1 + 1 AS v', [1n], options), null);
  assert.equal(handler.answerNow!('SELECT $1 + 1 AS v', [2n], options), null);
  const show = await run('SHOW DATABASES');
  assert.ok(show.some((e) => e.kind === 'complete'));
  assert.equal(handler.answerNow!('SHOW DATABASES', [], options), null);
  assert.equal(handler.answerNow!('SELECT nope FROM', [], options), null, 'never throws, even on bad SQL');
});
