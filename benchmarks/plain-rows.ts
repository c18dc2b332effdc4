/**
 * The generated l7_flow_log rows as a user holds them without MetaFlow: names as plain strings,
 * numbers as numbers, times as µs. Both the PostgreSQL COPY text and the InfluxDB line protocol
 * peers are written from this one view, outside the clock.
 */
import { DataType, type RecordBatch } from 'apache-arrow';

export type PlainKind = 'time' | 'string' | 'int' | 'bigint' | 'uint64' | 'float' | 'bool';
export interface PlainColumn { name: string; kind: PlainKind; values(i: number): string | number | bigint | boolean | null; tagLike: boolean }

function kindOf(t: DataType): PlainKind {
  if (DataType.isTimestamp(t)) return 'time';
  if (DataType.isUtf8(t) || DataType.isDictionary(t)) return 'string';
  if (DataType.isFloat(t)) return 'float';
  if (DataType.isBool(t)) return 'bool';
  if (DataType.isInt(t)) return t.bitWidth === 64 && !t.isSigned ? 'uint64' : t.bitWidth === 64 || (t.bitWidth === 32 && !t.isSigned) ? 'bigint' : 'int';
  throw new Error(`no plain form for Arrow type ${t}`);
}

/**
 * The batch's columns. `tagLike` marks the columns the agent sends dictionary-encoded (names of
 * pods, services, protocols…): a user would make those InfluxDB tags and the rest fields.
 */
export function plainColumns(batch: RecordBatch): PlainColumn[] {
  return batch.schema.fields.map((f) => {
    const vec = batch.getChild(f.name)!;
    const kind = kindOf(f.type);
    const values = kind === 'time'
      // The generator's timestamps are µs in a BigInt64Array with no NULLs; get() would give float ms.
      ? (i: number) => (vec.data[0]!.values as BigInt64Array)[i]!
      : (i: number) => vec.get(i) as string | number | bigint | boolean | null;
    return { name: f.name, kind, values, tagLike: DataType.isDictionary(f.type) };
  });
}

/** µs since the epoch as PostgreSQL timestamptz text, exactly. */
export function timestampText(us: bigint): string {
  // Floor, not BigInt's truncation toward zero: times before 1970 keep a positive fraction.
  const frac = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number((us - frac) / 1000n)).toISOString().slice(0, 19).replace('T', ' ');
  return `${iso}.${frac.toString().padStart(6, '0')}+00`;
}
