/**
 * toStorageBatch against a row-by-row reference: every stored cell is what the ingest row
 * says, read one value at a time (names looked up as scoped keys in the encoder), for
 * dictionary-encoded and plain Utf8 tags, with NULLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Data, Field, makeData, RecordBatch, Schema, Struct, tableToIPC, Table, Utf8, vectorFromArray } from 'apache-arrow';
import { enumCode, findTable, ingestFields, RESOURCES, scopedKey } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { boolReader, isValid, numberReader, stringCodes, stringReader, timestampReader } from '../lib/arrow-read.ts';
import type { DictEntry, DictionaryStore } from '../storage-adapters/adapter.ts';
import { ResourceEncoder } from './smart-encoding/encoder.ts';
import { toStorageBatch } from './convert.ts';

/** In-memory dictionary with the store's claim semantics (conflicting entries are skipped). */
function memoryDictionary(): DictionaryStore {
  const rows: DictEntry[] = [];
  return {
    async claim(entries) {
      for (const e of entries) if (!rows.some((r) => r.type === e.type && (r.id === e.id || r.key === e.key))) rows.push(e);
    },
    async findByKeys(type, keys) { const k = new Set(keys); return rows.filter((r) => r.type === type && k.has(r.key)); },
    async maxId(type) { return rows.filter((r) => r.type === type).reduce((m, r) => Math.max(m, r.id), 0); },
    async entries(type) { return rows.filter((r) => type === undefined || r.type === type); },
    async putCustomTags() {},
    async customTags() { return []; },
  };
}

const l7 = findTable('flow_log.l7_flow_log')!;

/** Clears row i of every column but time where (i + column index) % every === 0. */
function withNulls(b: RecordBatch, every: number): RecordBatch {
  const children = b.schema.fields.map((f, c) => {
    const d = b.getChild(f.name)!.data[0]!;
    if (f.name === 'time') return d;
    const bits = new Uint8Array((d.length + 7) >> 3);
    let nulls = 0;
    for (let i = 0; i < d.length; i++) {
      if ((i + c) % every === 0) nulls++;
      else bits[i >> 3]! |= 1 << (i & 7);
    }
    return new Data(d.type, 0, d.length, nulls, [d.valueOffsets, d.values, bits, d.typeIds], d.children, d.dictionary);
  });
  const fields = b.schema.fields.map((f) => new Field(f.name, f.type, true));
  return new RecordBatch(new Schema(fields), makeData({ type: new Struct(fields), length: b.numRows, children }));
}

/** Row i of the ingest batch as the store should hold it, computed one value at a time. */
function expectedCell(b: RecordBatch, name: string, i: number, encoder: ResourceEncoder): unknown {
  const f = ingestFields(l7).get(name)!;
  const d = b.getChild(name)!.data[0]!;
  if (f.convert === 'resource') {
    const res = (f.column.encoding as { resource: keyof typeof RESOURCES }).resource;
    const suffix = f.column.side === undefined ? '' : `_${f.column.side}`;
    const nm = stringReader(d)(i);
    if (nm === null || nm === '') return null;
    const scopes = RESOURCES[res].scope.map((s) => { const c = b.getChild(`${s}${suffix}`); return c ? stringReader(c.data[0]!)(i) : null; });
    return encoder.cached(res, scopes.length ? scopedKey(scopes, nm) : nm) ?? 'missing ID';
  }
  if (f.convert === 'enum') {
    const label = stringReader(d)(i);
    return label === null ? null : enumCode((f.column.encoding as { enumName: string }).enumName, label);
  }
  const t = f.column.type;
  if (t === 'string') return stringReader(d)(i);
  if (t === 'bool') return boolReader(d)(i);
  if (t === 'timestamp') return timestampReader(d)(i);
  const v = numberReader(d)(i);
  return v === null ? null : t === 'int64' || t === 'uint64' ? BigInt(v) : Number(v);
}

function storedCell(d: Data, i: number): unknown {
  if (!isValid(d, i)) return null;
  if (d.typeId === 5 /* Utf8 */) return stringReader(d)(i);
  if (d.typeId === 6 /* Bool */) return boolReader(d)(i);
  if (d.typeId === 10 /* Timestamp */) return timestampReader(d)(i);
  return numberReader(d)(i);
}

function assertMatchesRows(input: RecordBatch, out: RecordBatch, encoder: ResourceEncoder): void {
  const fields = ingestFields(l7);
  assert.equal(out.numRows, input.numRows);
  for (const f of input.schema.fields) {
    const stored = out.getChild(fields.get(f.name)!.column.name)!.data[0]!;
    for (let i = 0; i < input.numRows; i++) {
      assert.deepEqual(storedCell(stored, i), expectedCell(input, f.name, i, encoder), `${f.name} row ${i}`);
    }
  }
}

const ipcBytes = (b: RecordBatch) => Buffer.from(tableToIPC(new Table(b)));

test('stored cells equal the ingest rows, dictionary and plain tags alike, with NULLs', async () => {
  const encoder = new ResourceEncoder(memoryDictionary());
  const topo = topology(60, 12, 250);
  for (const nulls of [0, 5]) {
    const outs: Buffer[] = [];
    for (const dictionaries of [true, false]) {
      let b = generateL7Batch({ rows: 3000, seed: 3, topo, dictionaries });
      if (nulls) b = withNulls(b, nulls);
      const out = await toStorageBatch(l7, b, encoder, 0n);
      assertMatchesRows(b, out, encoder);
      if (nulls) assert.ok(out.getChild('pod_id_1')!.nullCount > 0, 'NULL tags stay NULL');
      outs.push(ipcBytes(out));
    }
    // With NULLs a plain Utf8 column passes through as sent, bytes under its NULL rows included.
    if (!nulls) assert.ok(outs[0]!.equals(outs[1]!), 'dictionary and plain Utf8 tags store the same bytes');
  }
});

test('plain Utf8 interning: one code per distinct value, every row decodes to its own string', () => {
  // Many short look-alike values, so hash slots collide and byte comparison decides.
  const rows = Array.from({ length: 40_000 }, (_, i) => (i % 11 === 0 ? null : i % 13 === 0 ? '' : `ep-${(i * 7919) % 20_000}é`));
  const d = vectorFromArray(rows, new Utf8()).data[0]!;
  const { codes, values } = stringCodes(d);
  assert.equal(new Set(values).size, values.length, 'no value twice');
  assert.equal(values.length, new Set(rows.filter((r) => r !== null)).size);
  for (let i = 0; i < rows.length; i++) assert.equal(codes[i]! < 0 ? null : values[codes[i]!], rows[i], `row ${i}`);
});

test('a sliced batch (Data with an offset) converts like the same rows of the whole batch', async () => {
  const encoder = new ResourceEncoder(memoryDictionary());
  const topo = topology(60, 12, 250);
  for (const dictionaries of [true, false]) {
    const whole = withNulls(generateL7Batch({ rows: 400, seed: 9, topo, dictionaries }), 7);
    const full = await toStorageBatch(l7, whole, encoder, 0n);
    // Odd starts, so bitmaps (which keep the offset) and byte buffers (which do not) disagree.
    for (const [start, end] of [[1, 400], [37, 170], [203, 204]] as const) {
      const part = whole.slice(start, end);
      assert.ok(part.getChild('pod_1')!.data[0]!.offset > 0, 'the slice is a view with an offset');
      const out = await toStorageBatch(l7, part, encoder, 0n);
      assertMatchesRows(part, out, encoder);
      for (const f of out.schema.fields) {
        const got = out.getChild(f.name)!.data[0]!;
        const want = full.getChild(f.name)!.data[0]!;
        for (let i = 0; i < part.numRows; i++) assert.deepEqual(storedCell(got, i), storedCell(want, start + i), `${f.name} row ${start + i} (dictionaries ${dictionaries})`);
      }
    }
  }
});
