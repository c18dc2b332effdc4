/**
 * The ingest wire format derived from the catalog: what an agent or third party sends for a
 * table. Tags travel as strings (resource names, enum names), never IDs; the ingester turns
 * them into IDs. Resource tags use the query name (`pod_1`), so a row reads the same going in
 * and coming out.
 */
import { Field, Schema, Utf8, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Int8, Int16, Float64, Bool, TimestampMicrosecond, type DataType } from 'apache-arrow';
import type { ColumnDef, ColumnType, TableDef } from './types.ts';

export interface IngestField {
  /** Name in the Arrow batch. */
  name: string;
  column: ColumnDef;
  /** What the ingester does with the value. */
  convert: 'resource' | 'enum' | 'value';
}

const cache = new WeakMap<TableDef, Map<string, IngestField>>();

export function ingestFields(table: TableDef): Map<string, IngestField> {
  let m = cache.get(table);
  if (m) return m;
  m = new Map();
  for (const column of table.columns) {
    const enc = column.encoding;
    if (enc?.kind === 'resource') {
      const name = column.name.replace(/_id(_[01])?$/, '$1');
      m.set(name, { name, column, convert: 'resource' });
    } else {
      m.set(column.name, { name: column.name, column, convert: enc?.kind === 'enum' ? 'enum' : 'value' });
    }
  }
  cache.set(table, m);
  return m;
}

export function arrowType(t: ColumnType): DataType {
  switch (t) {
    case 'timestamp': return new TimestampMicrosecond();
    case 'int8': return new Int8();
    case 'int16': return new Int16();
    case 'int32': return new Int32();
    case 'int64': return new Int64();
    case 'uint8': return new Uint8();
    case 'uint16': return new Uint16();
    case 'uint32': return new Uint32();
    case 'uint64': return new Uint64();
    case 'float64': return new Float64();
    case 'bool': return new Bool();
    case 'string': return new Utf8();
  }
}

/** The Arrow schema a sender uses for a table (every field nullable; any subset may be sent). */
export function ingestArrowSchema(table: TableDef): Schema {
  return new Schema([...ingestFields(table).values()].map((f) =>
    new Field(f.name, f.convert === 'value' ? arrowType(f.column.type) : new Utf8(), true)));
}

/** The Arrow schema of rows as stored (IDs and enum codes instead of strings). */
export function storageArrowSchema(table: TableDef): Schema {
  return new Schema(table.columns.map((c) => new Field(c.name, arrowType(c.type), c.role !== 'time')));
}
