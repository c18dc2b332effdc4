/**
 * Decodes Bind parameters to JS values by their statement's parameter types and the
 * client's per-parameter format codes. Unspecified types (0) and types the server does not
 * know are taken as text, PostgreSQL's `unknown` pseudo-type.
 */
import { SqlError, SqlState, toSqlError } from '../../lib/errors.ts';
import type { Format } from './protocol-constants.ts';
import { pgTypeOrText } from './types/type-registry.ts';

export function decodeParams(paramTypes: readonly number[], formats: readonly Format[], values: readonly (Buffer | null)[]): unknown[] {
  return values.map((bytes, i) => {
    if (bytes === null) return null;
    const type = pgTypeOrText(paramTypes[i] ?? 0);
    try {
      return formats[i] === 1 ? type.codec.decodeBinary(bytes) : type.codec.decodeText(bytes.toString('utf8'));
    } catch (err) {
      const e = toSqlError(err);
      // Binary parameters too short for their type come from ByteReader as a protocol error;
      // they are a bad value, not a broken connection.
      const sqlstate = e.sqlstate === SqlState.protocolViolation ? SqlState.invalidBinaryRepresentation : e.sqlstate;
      const where = formats[i] === 1 ? `binary data in bind parameter ${i + 1}` : `bind parameter ${i + 1}`;
      throw new SqlError(sqlstate, e.sqlstate === SqlState.protocolViolation ? `incorrect ${where}` : e.message, { detail: e.detail, where });
    }
  });
}
