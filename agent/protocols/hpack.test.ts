import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError, UNKNOWN_FIELD } from './hpack.ts';
import { huffmanCode, huffmanDecode, HuffmanError } from './hpack-huffman.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('Huffman: canonical code words match RFC 7541 Appendix B', () => {
  assert.deepEqual(huffmanCode(48), { code: 0x0, length: 5 }); // '0'
  assert.deepEqual(huffmanCode(97), { code: 0x3, length: 5 }); // 'a'
  assert.deepEqual(huffmanCode(32), { code: 0x14, length: 6 }); // ' '
  assert.deepEqual(huffmanCode(0), { code: 0x1ff8, length: 13 });
  assert.deepEqual(huffmanCode(256), { code: 0x3fffffff, length: 30 }); // EOS
  assert.throws(() => huffmanDecode(hex('00'), 0, 1), HuffmanError); // '0' then 3 zero bits of padding
});

// RFC 7541 Appendix C.4: three requests on one connection, Huffman-coded, sharing the table.
test('HPACK: RFC 7541 C.4 request examples decode with the dynamic table', () => {
  const d = new HpackDecoder();
  assert.deepEqual(d.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff')), [
    [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']]);
  assert.deepEqual(d.decode(hex('8286 84be 5886 a8eb 1064 9cbf')), [
    [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'], ['cache-control', 'no-cache']]);
  assert.deepEqual(d.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf')), [
    [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'], ['custom-key', 'custom-value']]);
  assert.equal(d.tableLength, 3);
});

test('HPACK: an index outside both tables is a typed error with its position', () => {
  assert.throws(() => new HpackDecoder().decode(hex('be')), (e: unknown) => e instanceof HpackError && /index 62/.test(e.message));
});

test('HPACK: after lost blocks, entries older than the loss decode as unknown, newer ones exactly', () => {
  const d = new HpackDecoder();
  // Literals with incremental indexing, new names: "a: 1" then, after the loss, "b: 2".
  d.decode(hex('40 01 61 01 31'));
  d.lost();
  assert.equal(d.inStep, false);
  assert.deepEqual(d.decode(hex('40 01 62 01 32')), [['b', '2']]);
  // 62 is "b: 2" (inserted since); 63 would be "a: 1" here but the encoder's table holds
  // the lost entries in between; 64 is past this table. A name from 63 is unknown too.
  assert.deepEqual(d.decode(hex('be bf c0 4f 03 78 79 7a'.replace('4f', '7f 00'))), [['b', '2'], [UNKNOWN_FIELD, ''], [UNKNOWN_FIELD, ''], [UNKNOWN_FIELD, 'xyz']]);
  // A table size update to 0 empties the encoder's table as well: in step again.
  assert.deepEqual(d.decode(hex('20 3f e1 1f 40 01 63 01 33 be')), [['c', '3'], ['c', '3']]);
  assert.equal(d.inStep, true);
});
