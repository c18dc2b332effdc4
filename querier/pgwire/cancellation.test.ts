/** The per-connection cancel: only a running statement is cancelled, and each gets an unused signal. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Cancellation } from './cancellation.ts';

const never = () => new Promise<never>(() => undefined);

test('a cancel between statements does nothing; the next statement starts unaborted', () => {
  const c = new Cancellation();
  c.cancel(new Error('too early'));
  c.begin();
  assert.equal(c.signal.aborted, false);
  c.end();
});

test('a cancel aborts the signal and stops the wait on a handler that ignores it', async () => {
  const c = new Cancellation();
  c.begin();
  const signal = c.signal;
  const waiting = c.race(never());
  const reason = new Error('cancelled');
  c.cancel(reason);
  await assert.rejects(waiting, (e) => e === reason);
  assert.equal(signal.aborted, true);
  assert.equal(signal.reason, reason);
  await assert.rejects(c.race(Promise.resolve(1)), (e) => e === reason);
  c.end();
  c.begin();
  assert.notEqual(c.signal, signal);
  assert.equal(c.signal.aborted, false);
  assert.equal(await c.race(Promise.resolve(7)), 7);
  c.end();
});

test('the signal is reused until spent, but a suspended stream keeps its own', async () => {
  const c = new Cancellation();
  c.begin();
  const first = c.signal;
  c.end();
  c.begin();
  assert.equal(c.signal, first);
  c.end(true); // suspended: its stream holds `first`
  c.begin();
  const second = c.signal;
  assert.notEqual(second, first);
  c.cancel(new Error('cancel the later statement'));
  assert.equal(second.aborted, true);
  assert.equal(first.aborted, false);
  c.end();
});

test('a step that fails rejects with its own error', async () => {
  const c = new Cancellation();
  c.begin();
  const err = new Error('handler failed');
  await assert.rejects(c.race(Promise.reject(err)), (e) => e === err);
  c.end();
});
