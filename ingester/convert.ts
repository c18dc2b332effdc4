/**
 * One ingest batch (tags as strings) → one storage batch (IDs and enum codes), checking every
 * column against the catalog. Throws IngestError naming the table, column and row at fault;
 * it never writes, so a rejected request leaves nothing behind.
 */
import { Field, makeData, RecordBatch, Schema, Struct, DataType, TimeUnit, type Data } from 'apache-arrow';
import { arrowType, enumCode, ENUMS, ingestFields, RESOURCES, scopedKey, type ColumnDef, type ColumnType, type IngestField, type TableDef } from '../schema/index.ts';
import { nearest } from '../lib/nearest.ts';
import { IngestError } from './errors.ts';
import { boolReader, inputKind, stringCodes, timestampReader, utf8FromCodes, type InputKind, type StringCodes, ValidityBuilder } from '../lib/arrow-read.ts';

const UTF8 = new TextEncoder();
import type { ResourceEncoder, ResourceName } from './smart-encoding/encoder.ts';
import { tupleCodes } from './smart-encoding/tuples.ts';

const INT_RANGE: Partial<Record<ColumnType, [bigint, bigint]>> = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], int32: [-2147483648n, 2147483647n], int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n], uint16: [0n, 65535n], uint32: [0n, 4294967295n], uint64: [0n, 2n ** 64n - 1n],
};

/** Which Arrow input kinds each storage type accepts. */
function accepts(f: IngestField): InputKind[] {
  if (f.convert !== 'value') return ['string'];
  const t = f.column.type;
  if (t === 'string') return ['string'];
  if (t === 'timestamp') return ['timestamp'];
  if (t === 'float64') return ['float', 'int'];
  if (t === 'bool') return ['bool'];
  return ['int'];
}


function typedArrayFor(t: ColumnType, n: number) {
  switch (t) {
    case 'int8': return new Int8Array(n);
    case 'int16': return new Int16Array(n);
    case 'int32': return new Int32Array(n);
    case 'uint8': return new Uint8Array(n);
    case 'uint16': return new Uint16Array(n);
    case 'uint32': return new Uint32Array(n);
    case 'int64': case 'timestamp': return new BigInt64Array(n);
    case 'uint64': return new BigUint64Array(n);
    default: return new Float64Array(n);
  }
}

/** Value range of each typed array a source column may arrive in; a column no wider than its target needs no check. */
function sourceRange(a: unknown): [bigint, bigint] | undefined {
  if (a instanceof Int8Array) return INT_RANGE.int8;
  if (a instanceof Int16Array) return INT_RANGE.int16;
  if (a instanceof Int32Array) return INT_RANGE.int32;
  if (a instanceof BigInt64Array) return INT_RANGE.int64;
  if (a instanceof Uint8Array) return INT_RANGE.uint8;
  if (a instanceof Uint16Array) return INT_RANGE.uint16;
  if (a instanceof Uint32Array) return INT_RANGE.uint32;
  if (a instanceof BigUint64Array) return INT_RANGE.uint64;
  return undefined;
}

/** The null bitmap of a source column re-based to offset 0, or null when it has no nulls. */
function validityOf(source: Data, n: number): ValidityBuilder | null {
  const bitmap = source.nullBitmap;
  if (!bitmap || bitmap.length === 0 || source.nullCount === 0) return null;
  const valid = new ValidityBuilder(n);
  for (let i = 0, j = source.offset; i < n; i++, j++) valid.set(i, (bitmap[j >> 3]! & (1 << (j & 7))) !== 0);
  return valid.nulls ? valid : null;
}

function isSet(bits: Uint8Array, i: number): boolean {
  return (bits[i >> 3]! & (1 << (i & 7))) !== 0;
}

/**
 * Integer/float columns straight from the source's typed array: range checks only when the
 * source type is wider than the target, then one bulk copy (null rows left at 0).
 */
function numericData(column: ColumnDef, n: number, source: Data, table: TableDef, name: string): Data {
  const out = typedArrayFor(column.type, n);
  const valid = validityOf(source, n);
  // Already cut at a slice's start (see lib/arrow-read.ts); only the null bitmap is not.
  const src = source.values as Int32Array | BigInt64Array | Float64Array;
  const range = INT_RANGE[column.type];
  const have = sourceRange(src);
  if (range && !(have && have[0] >= range[0] && have[1] <= range[1])) {
    const lo = Number(range[0]);
    const hi = Number(range[1]);
    for (let i = 0; i < n; i++) {
      if (valid && !isSet(valid.bits, i)) continue;
      const v = src[i]!;
      if (typeof v === 'number') {
        // Numbers compare exactly against these bounds; BigInt only when the value is one.
        if (!Number.isInteger(v) || v < lo || v > hi) throw outOfRange(table, name, i, v, column.type);
      } else if (v < range[0] || v > range[1]) {
        throw outOfRange(table, name, i, v, column.type);
      }
    }
  }
  const bigOut = out instanceof BigInt64Array || out instanceof BigUint64Array;
  const bigIn = src instanceof BigInt64Array || src instanceof BigUint64Array;
  if (bigOut === bigIn) (out as Int32Array).set((src as Int32Array).subarray(0, n));
  else if (bigOut) for (let i = 0; i < n; i++) (out as BigInt64Array)[i] = BigInt(src[i]!);
  else for (let i = 0; i < n; i++) (out as Float64Array)[i] = Number(src[i]!);
  return finishNumeric(column.type, n, out, valid);
}

/** Timestamps as µs: a bulk copy when the sender already used µs in 64 bits. */
function timestampData(column: ColumnDef, n: number, source: Data): Data {
  const valid = validityOf(source, n);
  const t = source.type as DataType;
  let out: BigInt64Array;
  if (DataType.isTimestamp(t) && (t as unknown as { unit: TimeUnit }).unit === TimeUnit.MICROSECOND && source.values instanceof BigInt64Array) {
    out = (source.values as BigInt64Array).slice(0, n);
  } else {
    out = new BigInt64Array(n);
    const read = timestampReader(source);
    for (let i = 0; i < n; i++) if (!valid || isSet(valid.bits, i)) out[i] = read(i)!;
  }
  return finishNumeric(column.type, n, out, valid);
}

function finishNumeric(type: ColumnType, n: number, out: ArrayLike<number | bigint>, valid: ValidityBuilder | null): Data {
  if (valid) {
    const zero = out instanceof BigInt64Array || out instanceof BigUint64Array ? 0n : 0;
    for (let i = 0; i < n; i++) if (!isSet(valid.bits, i)) (out as unknown as Array<number | bigint>)[i] = zero;
  }
  return makeData({ type: arrowType(type), length: n, nullCount: valid ? valid.nulls : 0, nullBitmap: valid ? valid.bits : null, data: out } as never);
}

function outOfRange(table: TableDef, column: string, row: number, v: number | bigint, type: ColumnType): IngestError {
  return new IngestError('OUT_OF_RANGE', `${table.fullName}.${column} row ${row}: ${v} does not fit ${type}`, { table: table.fullName, column, row });
}

function boolData(n: number, read: (i: number) => boolean | null): Data {
  const values = new Uint8Array((n + 7) >> 3);
  const valid = new ValidityBuilder(n);
  for (let i = 0; i < n; i++) {
    const v = read(i);
    valid.set(i, v !== null);
    if (v) values[i >> 3]! |= 1 << (i & 7);
  }
  return makeData({ type: arrowType('bool'), length: n, nullCount: valid.nulls, nullBitmap: valid.nulls ? valid.bits : null, data: values } as never);
}

function stringData(source: Data, n: number): Data {
  if (DataType.isUtf8(source.type) && source.offset === 0) return source;
  const { codes, values } = stringCodes(source);
  return utf8FromCodes(values.map((v) => (v === null ? null : UTF8.encode(v))), codes, n);
}

function enumData(table: TableDef, f: IngestField, source: Data, n: number): Data {
  const enumName = (f.column.encoding as { enumName: string }).enumName;
  const { codes, values } = stringCodes(source);
  const mapped = values.map((label, k) => {
    if (label === null) return -1;
    const code = enumCode(enumName, label);
    if (code === undefined) {
      const row = codes.indexOf(k);
      const known = [...ENUMS[enumName]!.values.values()];
      throw new IngestError('UNKNOWN_ENUM', `${table.fullName}.${f.name} row ${row}: '${label}' is not a ${enumName}`,
        { table: table.fullName, column: f.name, row, hint: `one of: ${known.join(', ')}` });
    }
    return code;
  });
  const out = new Uint8Array(n);
  const valid = new ValidityBuilder(n);
  for (let i = 0; i < n; i++) {
    const c = codes[i]!;
    const code = c < 0 ? -1 : mapped[c]!;
    valid.set(i, code >= 0);
    if (code >= 0) out[i] = code;
  }
  return makeData({ type: arrowType(f.column.type), length: n, nullCount: valid.nulls, nullBitmap: valid.nulls ? valid.bits : null, data: out } as never);
}

/** Per-column string codes, computed once per batch: scope columns serve several resource tags. */
type CodesOf = (column: string) => StringCodes | undefined;

/**
 * Resource names → IDs, each name keyed inside its scope (cluster/namespace/host) taken from
 * the same row. Rows are reduced to dense tuple codes first, so keys are built and looked up
 * once per distinct (scope..., name) tuple.
 */
async function resourceData(f: IngestField, n: number, codesOf: CodesOf, encoder: ResourceEncoder): Promise<Data> {
  const enc = f.column.encoding as { resource: keyof typeof RESOURCES };
  const suffix = f.column.side === undefined ? '' : `_${f.column.side}`;
  const name = codesOf(f.name)!;
  const scopes = RESOURCES[enc.resource].scope.map((s) => codesOf(`${s}${suffix}`));
  const parts = [...scopes.filter((s): s is StringCodes => s !== undefined), name];
  const { tuple, firstRow } = tupleCodes(parts, n);
  const keyOf: Array<string | null> = [];
  const distinct: ResourceName[] = [];
  for (const i of firstRow) {
    const nm = name.codes[i]! < 0 ? null : name.values[name.codes[i]!]!;
    if (nm === null || nm === '') { keyOf.push(null); continue; }
    const scopeNames = scopes.map((s) => (s && s.codes[i]! >= 0 ? s.values[s.codes[i]!] : null));
    const key = scopeNames.length === 0 ? nm : scopedKey(scopeNames, nm);
    keyOf.push(key);
    distinct.push({ key, name: nm });
  }
  const ids = await encoder.encode(enc.resource, distinct);
  const idOf = new Int32Array(keyOf.length);
  for (let t = 0; t < keyOf.length; t++) idOf[t] = keyOf[t] === null ? -1 : ids.get(keyOf[t]!)!;
  const out = new Uint32Array(n);
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const id = idOf[tuple[i]!]!;
    if (id < 0) nulls++;
    else out[i] = id;
  }
  let bitmap: Uint8Array | null = null;
  if (nulls) {
    bitmap = new Uint8Array((n + 7) >> 3);
    for (let i = 0; i < n; i++) if (idOf[tuple[i]!]! >= 0) bitmap[i >> 3]! |= 1 << (i & 7);
  }
  return makeData({ type: arrowType('uint32'), length: n, nullCount: nulls, nullBitmap: bitmap, data: out } as never);
}

/** Checks the batch's schema against the table: names, duplicates and types. */
export function checkSchema(table: TableDef, schema: Schema): void {
  const fields = ingestFields(table);
  const seen = new Set<string>();
  for (const field of schema.fields) {
    const f = fields.get(field.name);
    if (!f) {
      const near = nearest(field.name, fields.keys());
      throw new IngestError('UNKNOWN_COLUMN', `${table.fullName} has no column '${field.name}'`,
        { table: table.fullName, column: field.name, hint: near.length ? `did you mean ${near.join(', ')}?` : undefined });
    }
    if (seen.has(field.name)) throw new IngestError('WRONG_TYPE', `column '${field.name}' appears twice`, { table: table.fullName, column: field.name });
    seen.add(field.name);
    const kind = inputKind(field.type);
    const ok = accepts(f);
    if (!kind || !ok.includes(kind)) {
      throw new IngestError('WRONG_TYPE', `${table.fullName}.${field.name} is ${field.type}, expected ${ok.join(' or ')}` +
        (f.convert !== 'value' ? ' (tags travel as names, never IDs)' : ''), { table: table.fullName, column: field.name });
    }
  }
}

export async function toStorageBatch(table: TableDef, batch: RecordBatch, encoder: ResourceEncoder, nowUs: bigint): Promise<RecordBatch> {
  checkSchema(table, batch.schema);
  const n = batch.numRows;
  const fields = ingestFields(table);
  const children: Data[] = [];
  const outFields: Field[] = [];
  const memo = new Map<string, StringCodes>();
  const codesOf: CodesOf = (column) => {
    let c = memo.get(column);
    if (!c) {
      const child = batch.getChild(column);
      if (!child) return undefined;
      memo.set(column, (c = stringCodes(child.data[0]!)));
    }
    return c;
  };
  for (const field of batch.schema.fields) {
    const f = fields.get(field.name)!;
    const source = batch.getChild(field.name)!.data[0]!;
    let data: Data;
    if (f.convert === 'resource') data = await resourceData(f, n, codesOf, encoder);
    else if (f.convert === 'enum') data = enumData(table, f, source, n);
    else if (f.column.type === 'string') data = stringData(source, n);
    else if (f.column.type === 'bool') data = boolData(n, boolReader(source));
    else if (f.column.type === 'timestamp') data = timestampData(f.column, n, source);
    else data = numericData(f.column, n, source, table, f.name);
    if (f.column.role === 'time' && data.nullCount > 0) {
      throw new IngestError('WRONG_TYPE', `${table.fullName}.time must not be null`, { table: table.fullName, column: 'time' });
    }
    children.push(data);
    outFields.push(new Field(f.column.name, data.type, true));
  }
  if (!batch.schema.fields.some((f) => f.name === 'time')) {
    // Rows sent without a time are stamped with their arrival time.
    children.push(makeData({ type: arrowType('timestamp'), length: n, data: new BigInt64Array(n).fill(nowUs) } as never));
    outFields.push(new Field('time', arrowType('timestamp'), false));
  }
  const schema = new Schema(outFields);
  return new RecordBatch(schema, makeData({ type: new Struct(outFields), length: n, children }));
}
