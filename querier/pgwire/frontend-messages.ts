/**
 * Frontend (client → server) messages: pure parsers from a frame to a typed message,
 * pg-protocol style (`parseXMessage(reader)`), dispatched through one table by code byte.
 */
import { SqlError, SqlState } from '../../lib/errors.ts';
import { ByteReader, ProtocolError } from './bytes.ts';
import type { Frame } from './frame-reader.ts';
import { FrontendCode, StartupCode, TargetKind, type Format } from './protocol-constants.ts';

export interface StartupMessage { kind: 'startup'; protocolVersion: number; parameters: Record<string, string> }
export interface SslRequest { kind: 'sslRequest' }
export interface GssEncRequest { kind: 'gssEncRequest' }
export interface CancelRequest { kind: 'cancelRequest'; processId: number; secretKey: number }
export interface QueryMessage { kind: 'query'; sql: string }
export interface ParseMessage { kind: 'parse'; name: string; sql: string; paramTypeOids: number[] }
export interface BindMessage {
  kind: 'bind';
  portal: string;
  statement: string;
  /** Format per parameter, already expanded from the 0/1/n form. */
  paramFormats: Format[];
  /** Raw parameter bytes; null for SQL NULL. */
  params: (Buffer | null)[];
  /** The result format codes as sent (0, 1 or one per column); expanded once columns are known. */
  resultFormats: Format[];
}
export interface DescribeMessage { kind: 'describe'; target: 'statement' | 'portal'; name: string }
export interface ExecuteMessage { kind: 'execute'; portal: string; maxRows: number }
export interface CloseMessage { kind: 'close'; target: 'statement' | 'portal'; name: string }
export interface SyncMessage { kind: 'sync' }
export interface FlushMessage { kind: 'flush' }
export interface TerminateMessage { kind: 'terminate' }
/** A 'p' message; its meaning (password, SASL initial or SASL response) depends on the auth state. */
export interface PasswordMessage { kind: 'password'; body: Buffer }
/** Messages the server recognises but does not serve (COPY, fast-path function calls). */
export interface UnsupportedMessage { kind: 'unsupported'; name: string }

export type StartupPhaseMessage = StartupMessage | SslRequest | GssEncRequest | CancelRequest;
export type FrontendMessage =
  | QueryMessage | ParseMessage | BindMessage | DescribeMessage | ExecuteMessage | CloseMessage
  | SyncMessage | FlushMessage | TerminateMessage | PasswordMessage | UnsupportedMessage;

/** Parses an untyped startup-phase message. */
export function parseStartupPhaseMessage(body: Buffer): StartupPhaseMessage {
  const r = new ByteReader(body);
  const code = r.int32();
  switch (code) {
    case StartupCode.sslRequest: r.end('SSLRequest'); return { kind: 'sslRequest' };
    case StartupCode.gssEncRequest: r.end('GSSENCRequest'); return { kind: 'gssEncRequest' };
    case StartupCode.cancelRequest: {
      const processId = r.int32();
      const secretKey = r.int32();
      r.end('CancelRequest');
      return { kind: 'cancelRequest', processId, secretKey };
    }
    default: return parseStartupMessage(code, r);
  }
}

function parseStartupMessage(protocolVersion: number, r: ByteReader): StartupMessage {
  const parameters: Record<string, string> = {};
  for (;;) {
    const name = r.cstring();
    if (name === '') break;
    parameters[name] = r.cstring();
  }
  r.end('startup');
  return { kind: 'startup', protocolVersion, parameters };
}

export function parseQueryMessage(r: ByteReader): QueryMessage {
  const sql = r.cstring();
  r.end('Query');
  return { kind: 'query', sql };
}

export function parseParseMessage(r: ByteReader): ParseMessage {
  const name = r.cstring();
  const sql = r.cstring();
  const count = r.int16();
  if (count < 0) throw new ProtocolError('invalid Parse message: negative parameter count');
  const paramTypeOids: number[] = [];
  for (let i = 0; i < count; i++) paramTypeOids.push(r.uint32());
  r.end('Parse');
  return { kind: 'parse', name, sql, paramTypeOids };
}

function readFormats(r: ByteReader): Format[] {
  const count = r.int16();
  if (count < 0) throw new ProtocolError('invalid format code count');
  const formats: Format[] = [];
  for (let i = 0; i < count; i++) {
    const f = r.int16();
    if (f !== 0 && f !== 1) throw new ProtocolError(`invalid format code ${f}`);
    formats.push(f);
  }
  return formats;
}

/**
 * Expands the protocol's format list: none = all text, one = the same for all, else one per
 * item. A count that fits neither form fails the Bind (an ERROR, not a broken connection).
 */
export function expandFormats(formats: readonly Format[], count: number, what: 'parameter' | 'result'): Format[] {
  if (formats.length === 0) return new Array<Format>(count).fill(0);
  if (formats.length === 1) return new Array<Format>(count).fill(formats[0]!);
  if (formats.length !== count) {
    const items = what === 'parameter' ? 'parameters' : 'columns';
    throw new SqlError(SqlState.protocolViolation, `bind message has ${formats.length} ${what} formats but ${count} ${items}`);
  }
  return [...formats];
}

export function parseBindMessage(r: ByteReader): BindMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const formats = readFormats(r);
  const count = r.int16();
  if (count < 0) throw new ProtocolError('invalid Bind message: negative parameter count');
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < count; i++) {
    const len = r.int32();
    if (len < -1) throw new ProtocolError(`invalid Bind message: parameter length ${len}`);
    params.push(len === -1 ? null : r.bytes(len));
  }
  const resultFormats = readFormats(r);
  r.end('Bind');
  return { kind: 'bind', portal, statement, paramFormats: expandFormats(formats, count, 'parameter'), params, resultFormats };
}

function readTarget(r: ByteReader, what: string): 'statement' | 'portal' {
  const t = r.byte();
  if (t === TargetKind.statement) return 'statement';
  if (t === TargetKind.portal) return 'portal';
  throw new ProtocolError(`invalid ${what} message subtype ${t}`);
}

export function parseDescribeMessage(r: ByteReader): DescribeMessage {
  const target = readTarget(r, 'DESCRIBE');
  const name = r.cstring();
  r.end('Describe');
  return { kind: 'describe', target, name };
}

export function parseExecuteMessage(r: ByteReader): ExecuteMessage {
  const portal = r.cstring();
  const maxRows = r.int32();
  r.end('Execute');
  return { kind: 'execute', portal, maxRows: maxRows < 0 ? 0 : maxRows };
}

export function parseCloseMessage(r: ByteReader): CloseMessage {
  const target = readTarget(r, 'CLOSE');
  const name = r.cstring();
  r.end('Close');
  return { kind: 'close', target, name };
}

const parsers: Record<number, (r: ByteReader) => FrontendMessage> = {
  [FrontendCode.query]: parseQueryMessage,
  [FrontendCode.parse]: parseParseMessage,
  [FrontendCode.bind]: parseBindMessage,
  [FrontendCode.describe]: parseDescribeMessage,
  [FrontendCode.execute]: parseExecuteMessage,
  [FrontendCode.close]: parseCloseMessage,
  [FrontendCode.sync]: (r) => (r.end('Sync'), { kind: 'sync' }),
  [FrontendCode.flush]: (r) => (r.end('Flush'), { kind: 'flush' }),
  [FrontendCode.terminate]: (r) => (r.end('Terminate'), { kind: 'terminate' }),
  [FrontendCode.password]: (r) => ({ kind: 'password', body: r.rest() }),
  [FrontendCode.functionCall]: () => ({ kind: 'unsupported', name: 'FunctionCall' }),
  [FrontendCode.copyData]: () => ({ kind: 'unsupported', name: 'CopyData' }),
  [FrontendCode.copyDone]: () => ({ kind: 'unsupported', name: 'CopyDone' }),
  [FrontendCode.copyFail]: () => ({ kind: 'unsupported', name: 'CopyFail' }),
};

/** Parses a typed message; an unknown code is a protocol violation. */
export function parseFrontendMessage(frame: Frame): FrontendMessage {
  const parse = frame.code === null ? undefined : parsers[frame.code];
  if (!parse) {
    const c = frame.code ?? 0;
    const shown = c >= 0x20 && c < 0x7f ? `"${String.fromCharCode(c)}"` : `0x${c.toString(16)}`;
    throw new ProtocolError(`invalid frontend message type ${shown}`);
  }
  return parse(new ByteReader(frame.body));
}

/** SASLInitialResponse body: mechanism name, then int32 length and the client-first message. */
export function parseSaslInitialResponse(body: Buffer): { mechanism: string; data: Buffer } {
  const r = new ByteReader(body);
  const mechanism = r.cstring();
  const len = r.int32();
  const data = len < 0 ? Buffer.alloc(0) : r.bytes(len);
  r.end('SASLInitialResponse');
  return { mechanism, data };
}

/** PasswordMessage body: the cleartext password. */
export function parsePasswordMessage(body: Buffer): string {
  const r = new ByteReader(body);
  const password = r.cstring();
  r.end('PasswordMessage');
  return password;
}
