/**
 * HPACK's Huffman code (RFC 7541 Appendix B). The code is canonical, so the code length of
 * each of the 257 symbols (256 octets + EOS) determines every code word; the table below is
 * those lengths, and decoding walks the canonical code one bit at a time.
 */

// prettier-ignore
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
const MAX_LEN = 30;

/** Per code length: the first canonical code, its index into SYMBOLS, and how many codes. */
const firstCode = new Int32Array(MAX_LEN + 2);
const firstIndex = new Int32Array(MAX_LEN + 2);
const countOf = new Int32Array(MAX_LEN + 2);
/** Symbols sorted by (code length, symbol): the canonical order. */
const SYMBOLS = new Uint16Array(257);

(function build() {
  for (const l of CODE_LENGTHS) countOf[l]!++;
  let code = 0;
  let index = 0;
  for (let len = 1; len <= MAX_LEN; len++) {
    firstCode[len] = code;
    firstIndex[len] = index;
    index += countOf[len]!;
    code = (code + countOf[len]!) << 1;
  }
  const fill = Int32Array.from(firstIndex);
  for (let s = 0; s < 257; s++) SYMBOLS[fill[CODE_LENGTHS[s]!]!++] = s;
})();

/** The canonical code word of a symbol (for tests against the RFC's table). */
export function huffmanCode(symbol: number): { code: number; length: number } {
  const length = CODE_LENGTHS[symbol]!;
  const start = firstIndex[length]!;
  let i = start;
  while (SYMBOLS[i] !== symbol) i++;
  return { code: firstCode[length]! + (i - start), length };
}

export class HuffmanError extends Error {}

/** Decodes b[start..end) to latin1 text. Padding must be a prefix of EOS (all ones, < 8 bits). */
export function huffmanDecode(b: Uint8Array, start: number, end: number): string {
  let out = '';
  let code = 0;
  let len = 0;
  for (let i = start; i < end; i++) {
    const byte = b[i]!;
    for (let bit = 7; bit >= 0; bit--) {
      code = (code << 1) | ((byte >> bit) & 1);
      len++;
      const offset = code - firstCode[len]!;
      if (offset >= 0 && offset < countOf[len]!) {
        const sym = SYMBOLS[firstIndex[len]! + offset]!;
        if (sym === EOS) throw new HuffmanError('EOS inside a Huffman string');
        out += String.fromCharCode(sym);
        code = 0;
        len = 0;
      } else if (len > MAX_LEN) throw new HuffmanError('invalid Huffman code');
    }
  }
  if (len > 7 || code !== (1 << len) - 1) throw new HuffmanError('bad Huffman padding');
  return out;
}
