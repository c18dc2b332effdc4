/**
 * The types the wire server speaks, by OID (pg_type.oid in PostgreSQL 15), with their size
 * and codec. JS values per type:
 *
 * | type | JS value (decoded parameters; accepted for results) |
 * |---|---|
 * | bool | boolean |
 * | int2, int4, oid, float4, float8 | number (results also accept bigint/numeric strings) |
 * | int8 | bigint (results also accept integer numbers and strings) |
 * | numeric | decimal string (results also accept number/bigint) |
 * | text, varchar, bpchar, name, unknown | string |
 * | json, jsonb | JSON text string (results: a non-string is JSON.stringify'd) |
 * | bytea | Buffer (results accept any Uint8Array) |
 * | uuid | lowercase string |
 * | timestamp, timestamptz | bigint µs since the Unix epoch (results also accept Date, ms number, ISO text) |
 * | date | 'YYYY-MM-DD' string (results also accept Date) |
 * | interval | PgInterval {months, days, microseconds} (results also accept text) |
 * | arrays | JS arrays of the element values, null for NULL elements |
 */
import { arrayCodec } from './array-codec.ts';
import type { TypeCodec } from './codec.ts';
import { dateCodec, timestampCodec, timestamptzCodec } from './datetime-codecs.ts';
import { intervalCodec } from './interval-codec.ts';
import { numericCodec } from './numeric-codec.ts';
import {
  boolCodec, byteaCodec, float4Codec, float8Codec, int2Codec, int4Codec, int8Codec, jsonbCodec, jsonCodec, oidCodec, textCodec, uuidCodec,
} from './scalar-codecs.ts';

/** OIDs of the supported types, named as in PostgreSQL's pg_type.dat. */
export const TypeOid = {
  unspecified: 0,
  bool: 16,
  bytea: 17,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  unknown: 705,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
  boolArray: 1000,
  int2Array: 1005,
  int4Array: 1007,
  textArray: 1009,
  varcharArray: 1015,
  int8Array: 1016,
  float4Array: 1021,
  float8Array: 1022,
  numericArray: 1231,
  timestamptzArray: 1185,
  uuidArray: 2951,
} as const;

export interface PgType {
  oid: number;
  /** The name PostgreSQL's format_type shows ("integer", "timestamp with time zone"). */
  name: string;
  /** pg_type.typlen: byte size for fixed-size types, -1 for variable length. */
  size: number;
  codec: TypeCodec;
}

const scalars: [keyof typeof TypeOid, string, number, TypeCodec][] = [
  ['bool', 'boolean', 1, boolCodec],
  ['bytea', 'bytea', -1, byteaCodec],
  ['name', 'name', 64, textCodec],
  ['int8', 'bigint', 8, int8Codec],
  ['int2', 'smallint', 2, int2Codec],
  ['int4', 'integer', 4, int4Codec],
  ['text', 'text', -1, textCodec],
  ['oid', 'oid', 4, oidCodec],
  ['json', 'json', -1, jsonCodec],
  ['float4', 'real', 4, float4Codec],
  ['float8', 'double precision', 8, float8Codec],
  ['unknown', 'unknown', -2, textCodec],
  ['bpchar', 'character', -1, textCodec],
  ['varchar', 'character varying', -1, textCodec],
  ['date', 'date', 4, dateCodec],
  ['timestamp', 'timestamp without time zone', 8, timestampCodec],
  ['timestamptz', 'timestamp with time zone', 8, timestamptzCodec],
  ['interval', 'interval', 16, intervalCodec],
  ['numeric', 'numeric', -1, numericCodec],
  ['uuid', 'uuid', 16, uuidCodec],
  ['jsonb', 'jsonb', -1, jsonbCodec],
];

const arrays: [keyof typeof TypeOid, keyof typeof TypeOid][] = [
  ['boolArray', 'bool'], ['int2Array', 'int2'], ['int4Array', 'int4'], ['int8Array', 'int8'], ['textArray', 'text'],
  ['varcharArray', 'varchar'], ['float4Array', 'float4'], ['float8Array', 'float8'], ['numericArray', 'numeric'],
  ['timestamptzArray', 'timestamptz'], ['uuidArray', 'uuid'],
];

const byOid = new Map<number, PgType>();
for (const [key, name, size, codec] of scalars) byOid.set(TypeOid[key], { oid: TypeOid[key], name, size, codec });
for (const [key, elementKey] of arrays) {
  const element = byOid.get(TypeOid[elementKey])!;
  const name = `${element.name}[]`;
  byOid.set(TypeOid[key], { oid: TypeOid[key], name, size: -1, codec: arrayCodec(element.codec, element.oid, name) });
}

/** The type for an OID, or undefined when the server does not know it. */
export function pgType(oid: number): PgType | undefined {
  return byOid.get(oid);
}

/** The type for an OID; unknown OIDs fall back to text, whose codec passes strings through. */
export function pgTypeOrText(oid: number): PgType {
  return byOid.get(oid) ?? byOid.get(TypeOid.text)!;
}

const byName = new Map<string, number>([
  ['bool', TypeOid.bool], ['boolean', TypeOid.bool], ['bytea', TypeOid.bytea], ['name', TypeOid.name],
  ['int8', TypeOid.int8], ['bigint', TypeOid.int8], ['int2', TypeOid.int2], ['smallint', TypeOid.int2],
  ['int4', TypeOid.int4], ['int', TypeOid.int4], ['integer', TypeOid.int4], ['text', TypeOid.text], ['oid', TypeOid.oid],
  ['json', TypeOid.json], ['jsonb', TypeOid.jsonb], ['float4', TypeOid.float4], ['real', TypeOid.float4],
  ['float8', TypeOid.float8], ['double precision', TypeOid.float8], ['varchar', TypeOid.varchar],
  ['character varying', TypeOid.varchar], ['bpchar', TypeOid.bpchar], ['char', TypeOid.bpchar], ['date', TypeOid.date],
  ['timestamp', TypeOid.timestamp], ['timestamp without time zone', TypeOid.timestamp], ['timestamptz', TypeOid.timestamptz],
  ['timestamp with time zone', TypeOid.timestamptz], ['interval', TypeOid.interval], ['numeric', TypeOid.numeric],
  ['decimal', TypeOid.numeric], ['uuid', TypeOid.uuid],
]);

/** OID for a SQL type name ("int4", "timestamp with time zone", "text[]"); undefined if unknown. */
export function typeOidByName(name: string): number | undefined {
  const n = name.trim().toLowerCase().replace(/\s+/g, ' ');
  if (n.endsWith('[]')) {
    const element = byName.get(n.slice(0, -2).trim());
    const entry = arrays.find(([, e]) => TypeOid[e] === element);
    return entry ? TypeOid[entry[0]] : undefined;
  }
  return byName.get(n);
}
