import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamBuffer } from './stream-buffer.ts';

test('a tail kept past a payload is copied out of the batch the payload was a view into', () => {
  const batch = new Uint8Array(64 * 1024);
  const text = new TextEncoder().encode('GET / HTTP/1.1\r\nHost: a\r\n');
  batch.set(text, 1000);
  const s = new StreamBuffer();
  s.push(batch.subarray(1000, 1000 + text.length), text.length, 1n, undefined);
  s.consume(16); // the request line was parsed, the headers wait for their end
  s.endPass();
  assert.equal(new TextDecoder().decode(s.buf), 'Host: a\r\n');
  assert.equal(s.buf.buffer.byteLength, s.buf.byteLength, 'the tail owns its bytes');
  batch.fill(0); // the batch is reused or freed: the tail is unaffected
  assert.equal(new TextDecoder().decode(s.buf), 'Host: a\r\n');
});

test('a payload that is its own buffer is kept without a copy', () => {
  const own = new TextEncoder().encode('partial');
  const s = new StreamBuffer();
  s.push(own, own.length, 1n, undefined);
  s.endPass();
  assert.equal(s.buf, own);
});
