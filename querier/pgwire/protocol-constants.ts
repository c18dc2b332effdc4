/**
 * Named bytes of the PostgreSQL frontend/backend protocol 3.0 (PostgreSQL manual, "Message
 * Formats"). Codecs and the connection use these names, never the literals.
 */

/** First byte of a message the client sends (after the startup phase). */
export const FrontendCode = {
  query: 0x51, // 'Q'
  parse: 0x50, // 'P'
  bind: 0x42, // 'B'
  describe: 0x44, // 'D'
  execute: 0x45, // 'E'
  sync: 0x53, // 'S'
  close: 0x43, // 'C'
  flush: 0x48, // 'H'
  terminate: 0x58, // 'X'
  /** PasswordMessage, SASLInitialResponse and SASLResponse share this code; the auth state tells them apart. */
  password: 0x70, // 'p'
  functionCall: 0x46, // 'F'
  copyData: 0x64, // 'd'
  copyDone: 0x63, // 'c'
  copyFail: 0x66, // 'f'
} as const;

/** First byte of a message the server sends. */
export const BackendCode = {
  authentication: 0x52, // 'R'
  parameterStatus: 0x53, // 'S'
  backendKeyData: 0x4b, // 'K'
  readyForQuery: 0x5a, // 'Z'
  rowDescription: 0x54, // 'T'
  dataRow: 0x44, // 'D'
  commandComplete: 0x43, // 'C'
  emptyQueryResponse: 0x49, // 'I'
  errorResponse: 0x45, // 'E'
  noticeResponse: 0x4e, // 'N'
  parseComplete: 0x31, // '1'
  bindComplete: 0x32, // '2'
  closeComplete: 0x33, // '3'
  noData: 0x6e, // 'n'
  parameterDescription: 0x74, // 't'
  portalSuspended: 0x73, // 's'
  negotiateProtocolVersion: 0x76, // 'v'
} as const;

/** The int32 after the length in an untyped startup-phase message. */
export const StartupCode = {
  /** Protocol 3.0: major 3 in the high 16 bits, minor 0. */
  protocol30: 196608,
  sslRequest: 80877103,
  gssEncRequest: 80877104,
  cancelRequest: 80877102,
} as const;

/** The int32 subtype of an Authentication ('R') message. */
export const AuthCode = {
  ok: 0,
  cleartextPassword: 3,
  md5Password: 5,
  sasl: 10,
  saslContinue: 11,
  saslFinal: 12,
} as const;

/** Transaction status byte of ReadyForQuery. */
export const TransactionStatus = {
  idle: 0x49, // 'I'
  inTransaction: 0x54, // 'T'
  failed: 0x45, // 'E'
} as const;
export type TransactionStatusByte = (typeof TransactionStatus)[keyof typeof TransactionStatus];

/** Target of Describe and Close. */
export const TargetKind = {
  statement: 0x53, // 'S'
  portal: 0x50, // 'P'
} as const;

/** Parameter and result format codes. */
export const FormatCode = { text: 0, binary: 1 } as const;
export type Format = (typeof FormatCode)[keyof typeof FormatCode];

/** Field type bytes of ErrorResponse and NoticeResponse. */
export const ErrorField = {
  severityLocalized: 0x53, // 'S'
  severity: 0x56, // 'V'
  code: 0x43, // 'C'
  message: 0x4d, // 'M'
  detail: 0x44, // 'D'
  hint: 0x48, // 'H'
  position: 0x50, // 'P'
  internalPosition: 0x70, // 'p'
  internalQuery: 0x71, // 'q'
  where: 0x57, // 'W'
  schema: 0x73, // 's'
  table: 0x74, // 't'
  column: 0x63, // 'c'
  dataType: 0x64, // 'd'
  constraint: 0x6e, // 'n'
  file: 0x46, // 'F'
  line: 0x4c, // 'L'
  routine: 0x52, // 'R'
} as const;

/** The answer byte to SSLRequest/GSSENCRequest when encryption is not offered. */
export const EncryptionRefused = 0x4e; // 'N'

/** Header sizes: a typed message has 1 code byte + int32 length; the length includes itself. */
export const LENGTH_BYTES = 4;
export const HEADER_BYTES = 5;
