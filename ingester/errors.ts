/**
 * Ingest errors: a stable code, an HTTP status and the place at fault (table, column, byte
 * offset), sent to the client as JSON. Nothing of a rejected request is written.
 */
export const INGEST_ERRORS = {
  EMPTY_BODY: { status: 400, message: 'request body is empty' },
  BODY_TOO_LARGE: { status: 413, message: 'request body exceeds the configured limit' },
  BAD_CONTENT_TYPE: { status: 415, message: 'unsupported content type' },
  BAD_ARROW: { status: 400, message: 'body is not a valid Arrow IPC stream' },
  UNKNOWN_TABLE: { status: 404, message: 'unknown table' },
  UNKNOWN_COLUMN: { status: 400, message: 'unknown column' },
  WRONG_TYPE: { status: 400, message: 'column has the wrong type' },
  OUT_OF_RANGE: { status: 400, message: 'value out of range for the column' },
  UNKNOWN_ENUM: { status: 400, message: 'unknown enum value' },
  BAD_RESOURCE: { status: 400, message: 'invalid resource record' },
  BAD_JSON: { status: 400, message: 'body is not valid JSON' },
  BAD_PROTOBUF: { status: 400, message: 'body is not a valid remote write request' },
  STORE_FAILED: { status: 503, message: 'the store did not accept the rows' },
} as const;

export type IngestErrorCode = keyof typeof INGEST_ERRORS;

export interface ErrorPlace {
  table?: string;
  column?: string;
  /** Byte offset in the body (Arrow framing) or row index (values), as named in `detail`. */
  offset?: number;
  row?: number;
  index?: number;
  hint?: string;
}

export class IngestError extends Error {
  readonly status: number;
  constructor(readonly code: IngestErrorCode, readonly detail: string, readonly place: ErrorPlace = {}) {
    super(`${INGEST_ERRORS[code].message}: ${detail}`);
    this.name = 'IngestError';
    this.status = INGEST_ERRORS[code].status;
  }

  toJSON(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message, ...this.place } };
  }
}
