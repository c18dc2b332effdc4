/**
 * MySQL / MariaDB client-server protocol: the server greeting and the client's handshake
 * response (capability flags decide EOF vs OK terminators), then commands — COM_QUERY,
 * COM_STMT_PREPARE/EXECUTE (statement ids remembered so EXECUTE shows the SQL), and the
 * rest by name — with their OK / ERR / result-set responses framed packet by packet.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import type { ResponseStatus } from '../l7-record.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { ascii, sqlKind, text, u16le, u24le, u32le } from './bytes.ts';

const HEADER = 4;
const COM_QUIT = 0x01, COM_INIT_DB = 0x02, COM_QUERY = 0x03, COM_FIELD_LIST = 0x04, COM_PING = 0x0e;
const COM_STMT_PREPARE = 0x16, COM_STMT_EXECUTE = 0x17, COM_STMT_SEND_LONG_DATA = 0x18, COM_STMT_CLOSE = 0x19;
const COMMAND_NAMES: Record<number, string> = {
  0x01: 'COM_QUIT', 0x02: 'COM_INIT_DB', 0x03: 'COM_QUERY', 0x04: 'COM_FIELD_LIST', 0x09: 'COM_STATISTICS',
  0x0e: 'COM_PING', 0x11: 'COM_CHANGE_USER', 0x16: 'COM_STMT_PREPARE', 0x17: 'COM_STMT_EXECUTE',
  0x18: 'COM_STMT_SEND_LONG_DATA', 0x19: 'COM_STMT_CLOSE', 0x1a: 'COM_STMT_RESET', 0x1b: 'COM_SET_OPTION', 0x1c: 'COM_STMT_FETCH',
};
/** Commands the server never answers. */
const NO_RESPONSE = new Set([COM_QUIT, COM_STMT_SEND_LONG_DATA, COM_STMT_CLOSE]);
const OK = 0x00, EOF = 0xfe, ERR = 0xff, LOCAL_INFILE = 0xfb;
const CLIENT_DEPRECATE_EOF = 0x01000000;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;

/** DeepFlow: 2000-2999 are client library errors; everything else the server's. */
function errorStatus(code: number): ResponseStatus {
  return code >= 2000 && code <= 2999 ? 'client_error' : 'server_error';
}

/** What the response being read still has to deliver. */
type Phase =
  | { kind: 'first' }
  | { kind: 'columns'; left: number; thenEof: boolean }
  | { kind: 'rows' }
  | { kind: 'prepare'; left: number; eofs: number }
  | { kind: 'field-list' };

interface Pending { command: number; sql?: string }

class MysqlParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();
  private handshake: 'greeting' | 'response' | 'auth' | 'done' = 'greeting';
  private serverCaps = 0;
  private deprecateEof = false;
  private serverVersion = '';
  /** Commands sent and not yet answered, oldest first. */
  private readonly pending: Pending[] = [];
  private readonly statements = new Map<number, string>();
  private phase: Phase = { kind: 'first' };
  private current: L7Message | undefined;

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    while (s.skip === 0 && s.buf.length >= HEADER) {
      const len = u24le(s.buf, 0);
      if (s.buf.length < HEADER + len) {
        // Large result rows are not needed: skip them without buffering.
        if (!meta.fromClient && this.current && this.phase.kind === 'rows' && len > 0 && s.buf[HEADER] !== EOF && s.buf[HEADER] !== ERR && s.buf.length > HEADER) {
          this.current.length += HEADER + len;
          s.consume(HEADER + len);
          continue;
        }
        break;
      }
      const seqId = s.buf[3]!;
      const p = s.buf.subarray(HEADER, HEADER + len);
      const ts = s.startNs, tcpSeq = s.seq;
      s.consume(HEADER + len);
      if (meta.fromClient) this.clientPacket(p, seqId, ts, tcpSeq, out);
      else this.serverPacket(p, seqId, ts, tcpSeq, out);
    }
    s.endPass();
  }

  private clientPacket(p: Uint8Array, seqId: number, ts: bigint, tcpSeq: number | undefined, out: L7Message[]): void {
    if (this.handshake !== 'done' && seqId !== 0) {
      if (this.handshake === 'response' && p.length >= 4) {
        this.deprecateEof = (this.serverCaps & u32le(p, 0) & CLIENT_DEPRECATE_EOF) !== 0;
        this.handshake = 'auth';
      }
      return; // handshake response, auth switch data
    }
    if (seqId !== 0 || p.length === 0) return;
    this.handshake = 'done'; // a command: mid-connection capture starts here
    const command = p[0]!;
    const m: L7Message = { type: 'request', protocol: 'MySQL', timestampNs: ts, length: p.length + HEADER, tcpSeq, version: '10' };
    let sql: string | undefined;
    if (command === COM_QUERY || command === COM_STMT_PREPARE) sql = text(p, 1, p.length, 4096);
    else if (command === COM_STMT_EXECUTE && p.length >= 5) {
      const id = u32le(p, 1);
      m.requestId = id;
      sql = this.statements.get(id);
    } else if (command === COM_INIT_DB) m.requestResource = ascii(p, 1, p.length);
    if (sql !== undefined) {
      m.requestResource = sql;
      m.requestType = sqlKind(sql) || COMMAND_NAMES[command];
    } else m.requestType = COMMAND_NAMES[command] ?? `COM_${command}`;
    m.endpoint = m.requestType;
    if (command === COM_STMT_CLOSE && p.length >= 5) this.statements.delete(u32le(p, 1));
    if (NO_RESPONSE.has(command)) { m.oneWay = true; out.push(m); return; }
    this.pending.push({ command, sql });
    out.push(m);
  }

  private serverPacket(p: Uint8Array, seqId: number, ts: bigint, tcpSeq: number | undefined, out: L7Message[]): void {
    if (this.handshake === 'greeting' || (this.handshake !== 'done' && seqId === 0 && p[0] === 0x0a)) {
      this.greeting(p);
      return;
    }
    if (this.handshake !== 'done') {
      if (p[0] === OK || p[0] === ERR) this.handshake = 'done';
      return; // auth switch / more data
    }
    if (!this.current) {
      if (this.pending.length === 0) return; // an answer to something we did not see
      this.current = { type: 'response', protocol: 'MySQL', timestampNs: ts, length: 0, tcpSeq, version: '10' };
      this.phase = { kind: 'first' };
    }
    const m = this.current;
    m.length += p.length + HEADER;
    const first = p[0];
    const ph = this.phase;
    switch (ph.kind) {
      case 'first': {
        const cmd = this.pending[0]!;
        if (first === ERR) { this.readError(m, p); this.finish(out); return; }
        if (first === OK || (first === EOF && p.length < 9)) {
          m.responseStatus = 'ok';
          if (first === OK && cmd.command !== COM_STMT_PREPARE && p.length > 1) m.affectedRows = (m.affectedRows ?? 0) + lenenc(p, 1)[0];
          if (cmd.command === COM_STMT_PREPARE && p.length >= 9) {
            const id = u32le(p, 1);
            const cols = u16le(p, 5), params = u16le(p, 7);
            m.requestId = id;
            if (cmd.sql !== undefined) this.statements.set(id, cmd.sql);
            const eofs = this.deprecateEof ? 0 : (params > 0 ? 1 : 0) + (cols > 0 ? 1 : 0);
            if (cols + params + eofs > 0) { this.phase = { kind: 'prepare', left: cols + params + eofs, eofs }; return; }
            this.finish(out);
            return;
          }
          if (first === OK && moreResults(p, okStatusOffset(p))) return; // another result follows
          this.finish(out);
          return;
        }
        if (first === LOCAL_INFILE) { m.responseStatus = 'ok'; this.finish(out); return; }
        if (cmd.command === COM_FIELD_LIST) { m.responseStatus = 'ok'; this.phase = { kind: 'field-list' }; return; }
        // Result set: column count (MariaDB may add a metadata-follows byte for prepared results).
        m.responseStatus = 'ok';
        const [cols, used] = lenenc(p, 0);
        const metadataFollows = used < p.length ? p[used] !== 0 : true;
        this.phase = metadataFollows ? { kind: 'columns', left: cols, thenEof: !this.deprecateEof } : { kind: 'rows' };
        return;
      }
      case 'columns':
        if (ph.left > 0) { ph.left--; if (ph.left === 0 && !ph.thenEof) this.phase = { kind: 'rows' }; return; }
        this.phase = { kind: 'rows' }; // the EOF after the column definitions
        return;
      case 'rows':
        if (first === ERR) { this.readError(m, p); this.finish(out); return; }
        if (first === EOF && p.length < 0xffffff && (this.deprecateEof || p.length < 9)) {
          const status = this.deprecateEof ? okStatusOffset(p) : 3;
          if (moreResults(p, status)) { this.phase = { kind: 'first' }; return; } // the next result set follows
          this.finish(out);
        }
        return;
      case 'prepare':
        if (--ph.left === 0) this.finish(out);
        return;
      case 'field-list':
        if (first === ERR) { this.readError(m, p); this.finish(out); return; }
        if (first === EOF && p.length < 9) this.finish(out);
        return;
    }
  }

  private greeting(p: Uint8Array): void {
    // protocol version 10, NUL-terminated server version, thread id, 8 scramble bytes,
    // filler, capability low 16 bits, charset, status, capability high 16 bits.
    let i = 1;
    while (i < p.length && p[i] !== 0) i++;
    this.serverVersion = ascii(p, 1, i);
    const o = i + 1 + 4 + 8 + 1;
    if (o + 7 <= p.length) this.serverCaps = u16le(p, o) | (u16le(p, o + 5) << 16);
    this.handshake = 'response';
  }

  private readError(m: L7Message, p: Uint8Array): void {
    const code = u16le(p, 1);
    m.responseCode = code;
    m.responseStatus = errorStatus(code);
    // "#" + 5-char SQLSTATE precedes the message in protocol 4.1.
    const msgStart = p[3] === 0x23 ? 9 : 3;
    m.responseException = text(p, msgStart, p.length, 512);
  }

  private finish(out: L7Message[]): void {
    out.push(this.current!);
    this.current = undefined;
    this.pending.shift();
    this.phase = { kind: 'first' };
  }

  get version(): string { return this.serverVersion; }
}

/** Length-encoded integer at `o`: [value, bytes used]. */
function lenenc(p: Uint8Array, o: number): [number, number] {
  const c = p[o]!;
  if (c < 0xfb) return [c, o + 1];
  if (c === 0xfc) return [u16le(p, o + 1), o + 3];
  if (c === 0xfd) return [u24le(p, o + 1), o + 4];
  return [u32le(p, o + 1) + u32le(p, o + 5) * 2 ** 32, o + 9];
}

/** Offset of the status flags in an OK packet (after affected rows and last insert id). */
function okStatusOffset(p: Uint8Array): number {
  const [, a] = lenenc(p, 1);
  const [, b] = lenenc(p, a);
  return b;
}

function moreResults(p: Uint8Array, statusOffset: number): boolean {
  return statusOffset + 2 <= p.length && (u16le(p, statusOffset) & SERVER_MORE_RESULTS_EXISTS) !== 0;
}

export const mysql: L7Protocol = {
  name: 'MySQL',
  transport: 'tcp',
  ports: [3306],
  pairing: 'in-order',
  detect(b, fromClient) {
    if (b.length < HEADER + 1) return 0;
    const len = u24le(b, 0);
    if (len + HEADER !== b.length) return 0;
    // The server speaks first: protocol version 10 and a printable version string.
    if (!fromClient) return b[3] === 0 && b[4] === 0x0a && b[5]! >= 0x30 && b[5]! <= 0x39 ? 90 : 0;
    // Mid-connection: a command packet with sequence 0.
    if (b[3] === 0 && (b[4] === COM_QUERY || b[4] === COM_STMT_PREPARE)) return sqlKind(text(b, 5, b.length, 64)) ? 70 : 0;
    return b[3] === 0 && b[4] === COM_PING && len === 1 ? 40 : 0;
  },
  createParser: () => new MysqlParser(),
};
