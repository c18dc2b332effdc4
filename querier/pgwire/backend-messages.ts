/**
 * Backend (server → client) messages: one pure serializer per message in the `serialize`
 * table, each appending to a ByteWriter so that a batch of messages goes out in one write.
 */
import type { SqlError, SqlNotice } from '../../lib/errors.ts';
import type { ByteWriter } from './bytes.ts';
import { AuthCode, BackendCode, ErrorField, type Format, type TransactionStatusByte } from './protocol-constants.ts';

/** One RowDescription field, as the protocol carries it. */
export interface FieldDescription {
  name: string;
  /** OID of the table the column comes from, 0 if none. */
  tableOid: number;
  /** Attribute number within that table, 0 if none. */
  columnAttr: number;
  typeOid: number;
  /** pg_type.typlen: bytes for fixed-size types, -1 varlena, -2 C string. */
  typeSize: number;
  /** pg_attribute.atttypmod, -1 when not applicable. */
  typeMod: number;
  format: Format;
}

/** An encoded column value: text (sent as UTF-8), bytes, or null for SQL NULL. */
export type WireValue = string | Uint8Array | null;

function simple(w: ByteWriter, code: number): void {
  w.endMessage(w.startMessage(code));
}

function authentication(w: ByteWriter, code: number, payload?: (w: ByteWriter) => void): void {
  const at = w.startMessage(BackendCode.authentication);
  w.int32(code);
  payload?.(w);
  w.endMessage(at);
}

/** Error and notice fields in the order PostgreSQL sends them. */
function writeErrorFields(w: ByteWriter, e: SqlNotice & { severity: string }): void {
  const field = (code: number, value: string | number | undefined) => {
    if (value === undefined || value === '') return;
    w.byte(code).cstring(String(value));
  };
  field(ErrorField.severityLocalized, e.severity);
  field(ErrorField.severity, e.severity);
  field(ErrorField.code, e.sqlstate);
  field(ErrorField.message, e.message);
  field(ErrorField.detail, e.detail);
  field(ErrorField.hint, e.hint);
  field(ErrorField.position, e.position);
  field(ErrorField.internalPosition, e.internalPosition);
  field(ErrorField.internalQuery, e.internalQuery);
  field(ErrorField.where, e.where);
  field(ErrorField.schema, e.schema);
  field(ErrorField.table, e.table);
  field(ErrorField.column, e.column);
  field(ErrorField.dataType, e.dataType);
  field(ErrorField.constraint, e.constraint);
  w.byte(0);
}

export const serialize = {
  authenticationOk: (w: ByteWriter) => authentication(w, AuthCode.ok),
  authenticationCleartextPassword: (w: ByteWriter) => authentication(w, AuthCode.cleartextPassword),
  authenticationMd5Password: (w: ByteWriter, salt: Uint8Array) => authentication(w, AuthCode.md5Password, (x) => x.bytes(salt)),
  /** Offers SASL mechanisms; the list ends with an empty name. */
  authenticationSasl: (w: ByteWriter, mechanisms: readonly string[]) =>
    authentication(w, AuthCode.sasl, (x) => {
      for (const m of mechanisms) x.cstring(m);
      x.byte(0);
    }),
  authenticationSaslContinue: (w: ByteWriter, data: string) => authentication(w, AuthCode.saslContinue, (x) => x.bytes(Buffer.from(data))),
  authenticationSaslFinal: (w: ByteWriter, data: string) => authentication(w, AuthCode.saslFinal, (x) => x.bytes(Buffer.from(data))),

  parameterStatus(w: ByteWriter, name: string, value: string): void {
    const at = w.startMessage(BackendCode.parameterStatus);
    w.cstring(name).cstring(value);
    w.endMessage(at);
  },

  backendKeyData(w: ByteWriter, processId: number, secretKey: number): void {
    const at = w.startMessage(BackendCode.backendKeyData);
    w.int32(processId).int32(secretKey);
    w.endMessage(at);
  },

  /** Tells a client asking for a newer minor version (or `_pq_.` options) what we speak. */
  negotiateProtocolVersion(w: ByteWriter, newestMinor: number, unrecognized: readonly string[]): void {
    const at = w.startMessage(BackendCode.negotiateProtocolVersion);
    w.int32(newestMinor).int32(unrecognized.length);
    for (const o of unrecognized) w.cstring(o);
    w.endMessage(at);
  },

  readyForQuery(w: ByteWriter, status: TransactionStatusByte): void {
    const at = w.startMessage(BackendCode.readyForQuery);
    w.byte(status);
    w.endMessage(at);
  },

  rowDescription(w: ByteWriter, fields: readonly FieldDescription[]): void {
    const at = w.startMessage(BackendCode.rowDescription);
    w.int16(fields.length);
    for (const f of fields) {
      w.cstring(f.name).uint32(f.tableOid).int16(f.columnAttr).uint32(f.typeOid).int16(f.typeSize).int32(f.typeMod).int16(f.format);
    }
    w.endMessage(at);
  },

  dataRow(w: ByteWriter, values: readonly WireValue[]): void {
    const at = w.startMessage(BackendCode.dataRow);
    w.int16(values.length);
    for (const v of values) {
      if (v === null) {
        w.int32(-1);
      } else if (typeof v === 'string') {
        const lenAt = w.reserveInt32();
        const before = w.length;
        w.utf8(v);
        w.patchInt32(lenAt, w.length - before);
      } else {
        w.int32(v.length).bytes(v);
      }
    }
    w.endMessage(at);
  },

  commandComplete(w: ByteWriter, tag: string): void {
    const at = w.startMessage(BackendCode.commandComplete);
    w.cstring(tag);
    w.endMessage(at);
  },

  errorResponse(w: ByteWriter, e: SqlError): void {
    const at = w.startMessage(BackendCode.errorResponse);
    writeErrorFields(w, e);
    w.endMessage(at);
  },

  noticeResponse(w: ByteWriter, n: SqlNotice): void {
    const at = w.startMessage(BackendCode.noticeResponse);
    writeErrorFields(w, { ...n, severity: n.severity ?? 'NOTICE' });
    w.endMessage(at);
  },

  parameterDescription(w: ByteWriter, typeOids: readonly number[]): void {
    const at = w.startMessage(BackendCode.parameterDescription);
    w.int16(typeOids.length);
    for (const oid of typeOids) w.uint32(oid);
    w.endMessage(at);
  },

  emptyQueryResponse: (w: ByteWriter) => simple(w, BackendCode.emptyQueryResponse),
  parseComplete: (w: ByteWriter) => simple(w, BackendCode.parseComplete),
  bindComplete: (w: ByteWriter) => simple(w, BackendCode.bindComplete),
  closeComplete: (w: ByteWriter) => simple(w, BackendCode.closeComplete),
  noData: (w: ByteWriter) => simple(w, BackendCode.noData),
  portalSuspended: (w: ByteWriter) => simple(w, BackendCode.portalSuspended),
} as const;
