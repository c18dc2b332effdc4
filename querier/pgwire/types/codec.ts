/**
 * The shape every type codec has, and the errors codecs raise. A codec turns a JS value
 * into PostgreSQL's text or binary wire form and back; which JS value a type uses is listed
 * in `type-registry.ts`.
 */
import { SqlError, SqlState } from '../../../lib/errors.ts';

export interface TypeCodec {
  encodeText(value: unknown): string;
  encodeBinary(value: unknown): Uint8Array;
  decodeText(text: string): unknown;
  decodeBinary(bytes: Buffer): unknown;
}

/** Text the type's input function would reject (PostgreSQL: 22P02). */
export function invalidText(typeName: string, text: string): SqlError {
  return new SqlError(SqlState.invalidTextRepresentation, `invalid input syntax for type ${typeName}: "${text}"`);
}

/** Binary input of the wrong size or shape (PostgreSQL: 22P03). */
export function invalidBinary(typeName: string, detail: string): SqlError {
  return new SqlError(SqlState.invalidBinaryRepresentation, `incorrect binary data format for type ${typeName}`, { detail });
}

/** A JS value that cannot stand for the column's type (a handler bug, reported as 22023). */
export function unencodable(typeName: string, value: unknown): SqlError {
  const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'object' ? Object.prototype.toString.call(value) : JSON.stringify(value);
  return new SqlError(SqlState.invalidParameterValue, `cannot send ${typeof value} ${shown} as ${typeName}`);
}

/** Checks a binary value's length for fixed-size types. */
export function expectLength(typeName: string, bytes: Buffer, n: number): void {
  if (bytes.length !== n) throw invalidBinary(typeName, `expected ${n} bytes, got ${bytes.length}`);
}
