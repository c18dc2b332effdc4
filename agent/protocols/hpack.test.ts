import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError } from './hpack.ts';
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
