/**
 * Rows → one Arrow RecordBatch in the ingest wire format (schema/arrow.ts): resource and enum
 * tags travel as dictionary-encoded Utf8 (a batch repeats the same few pod and protocol names
 * thousands of times, so each name goes over the wire once), plain values in the column's own
 * type. Only columns that some row fills are sent; the ingester stores the rest as NULL.
 */
import {
  Data, Dictionary, Field, Int32, makeData, makeVector, RecordBatch, Schema, Struct, Utf8, type DataType,
} from 'apache-arrow';
import { arrowType, ingestFields, type IngestField, type TableDef } from '../../schema/index.ts';
import { ValidityBuilder } from '../../lib/arrow-read.ts';

/** A row as the agent builds it: ingest names → values (timestamps as µs numbers). */
export type IngestRow = Record<string, string | number | bigint | null | undefined>;

/** Thrown when a row names a column the table does not have: a bug in the agent, said early. */
export class UnknownColumnError extends Error {
  constructor(readonly table: string, readonly column: string) {
    super(`${table} has no column '${column}'`);
    this.name = 'UnknownColumnError';
  }
}


const ENCODER = new TextEncoder();

/**
 * Writes a short string's UTF-8 at `at`, returns the end. Most values are short ASCII (IPs,
 * paths, names), where a loop beats a call into the encoder (one subarray and one result
 * object per string); anything else goes to the encoder from where the ASCII part ended.
 */
function writeShort(v: string, buf: Uint8Array, at: number): number {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c >= 0x80) return at + ENCODER.encodeInto(v.slice(i), buf.subarray(at)).written;
    buf[at++] = c;
  }
  return at;
}

/** Strings → Utf8 Data (offsets + one value buffer), built directly: Arrow's builders cost more than the rest of shipping. */
function utf8Data(values: ReadonlyArray<string | null>, valid: ValidityBuilder | null): Data {
  const offsets = new Int32Array(values.length + 1);
  let buf = new Uint8Array(Math.max(64, values.length * 16));
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && v.length > 0) {
      // UTF-16 length × 3 bounds the UTF-8 size.
      if (at + v.length * 3 > buf.length) {
        const bigger = new Uint8Array(Math.max(buf.length * 2, at + v.length * 3));
        bigger.set(buf.subarray(0, at));
        buf = bigger;
      }
      at = v.length <= 64 ? writeShort(v, buf, at) : at + ENCODER.encodeInto(v, buf.subarray(at)).written;
    }
    offsets[i + 1] = at;
  }
  const nulls = valid?.nulls ?? 0;
  return makeData({ type: new Utf8(), length: values.length, nullCount: nulls, nullBitmap: nulls ? valid!.bits : null, valueOffsets: offsets, data: buf.subarray(0, at) });
}

function dictionaryColumn(values: readonly unknown[]): Data {
  const n = values.length;
  const codes = new Int32Array(n);
  const valid = new ValidityBuilder(n);
  const index = new Map<string, number>();
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) { valid.set(i, false); continue; }
    const s = typeof v === 'string' ? v : String(v);
    let code = index.get(s);
    if (code === undefined) { code = names.length; index.set(s, code); names.push(s); }
    codes[i] = code;
    valid.set(i, true);
  }
  const type = new Dictionary(new Utf8(), new Int32());
  const dictionary = makeVector(utf8Data(names, null));
  return makeData({ type, length: n, nullCount: valid.nulls, nullBitmap: valid.nulls ? valid.bits : null, data: codes, dictionary } as never);
}

function valueColumn(values: readonly unknown[], f: IngestField): Data {
  const t = f.column.type;
  const n = values.length;
  const valid = new ValidityBuilder(n);
  if (t === 'string') {
    const strings = values.map((v, i) => { valid.set(i, v !== null && v !== undefined); return v === null || v === undefined ? null : String(v); });
    return utf8Data(strings, valid);
  }
  const type = arrowType(t);
  const big = t === 'int64' || t === 'uint64' || t === 'timestamp';
  const out = big ? (t === 'uint64' ? new BigUint64Array(n) : new BigInt64Array(n))
    : new (type.ArrayType as new (n: number) => Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float64Array)(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) { valid.set(i, false); continue; }
    valid.set(i, true);
    if (big) (out as BigInt64Array)[i] = typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)));
    else (out as Float64Array)[i] = Number(v);
  }
  return makeData({ type: type as DataType, length: n, nullCount: valid.nulls, nullBitmap: valid.nulls ? valid.bits : null, data: out } as never);
}

/**
 * Rows → one array of values per field, in one pass over the rows. Read field by field as
 * `row[name]`, every read was a megamorphic keyed lookup (60 names on one hidden class) and
 * building a batch cost ~7 µs per row, more than parsing the request. The loop generated here
 * reads each field at a site of its own, which sees one hidden class and stays fast.
 */
type Transpose = (rows: readonly IngestRow[]) => unknown[][];
const readers = new WeakMap<TableDef, { fields: IngestField[]; transpose: Transpose }>();

function reader(table: TableDef): { fields: IngestField[]; transpose: Transpose } {
  let r = readers.get(table);
  if (!r) {
    const fields = [...ingestFields(table).values()];
    const decl = fields.map((_, i) => `const c${i} = new Array(n);`).join('\n');
    const body = fields.map((f, i) => `c${i}[j] = row[${JSON.stringify(f.name)}];`).join('\n');
    const cols = fields.map((_, i) => `c${i}`).join(', ');
    const transpose = new Function('rows', `const n = rows.length;\n${decl}\nfor (let j = 0; j < n; j++) {\nconst row = rows[j];\n${body}\n}\nreturn [${cols}];`) as Transpose;
    r = { fields, transpose };
    readers.set(table, r);
  }
  return r;
}

/** Builds the batch; columns in catalog order, limited to the ones the rows use. */
export function rowsToBatch(table: TableDef, rows: readonly IngestRow[]): RecordBatch {
  const fields = ingestFields(table);
  // Rows of one batch come from one place and share their keys: checking the first is enough.
  if (rows.length > 0) for (const k in rows[0]) if (!fields.has(k)) throw new UnknownColumnError(table.fullName, k);
  const { fields: all, transpose } = reader(table);
  const columns = transpose(rows);
  const schemaFields: Field[] = [];
  const children: Data[] = [];
  for (let i = 0; i < all.length; i++) {
    const f = all[i]!;
    const values = columns[i]!;
    if (!values.some((v) => v !== undefined)) continue;
    const data = f.convert === 'value' ? valueColumn(values, f) : dictionaryColumn(values);
    schemaFields.push(new Field(f.name, data.type, true));
    children.push(data);
  }
  const schema = new Schema(schemaFields);
  const struct = makeData({ type: new Struct(schemaFields), length: rows.length, nullCount: 0, children });
  return new RecordBatch(schema, struct);
}
