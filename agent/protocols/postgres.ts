/**
 * PostgreSQL frontend/backend protocol v3: the startup exchange (SSL/GSS requests, auth,
 * parameters) is passed over; after it each simple Query, or each extended-protocol batch
 * ending in Sync (Parse/Bind/Describe/Execute), is one request, answered by everything up to
 * ReadyForQuery. CommandComplete gives the tag; ErrorResponse the SQLSTATE and message.
 */
import type { L7Message, L7Protocol, PayloadMeta, ProtocolParser } from './protocol.ts';
import type { ResponseStatus } from '../l7-record.ts';
import { StreamBuffer } from './stream-buffer.ts';
import { ascii, sqlKind, text, u32 } from './bytes.ts';

const PROTOCOL_3 = 196608;
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const QUERY = 0x51, PARSE = 0x50, BIND = 0x42, EXECUTE = 0x45, SYNC = 0x53, TERMINATE = 0x58;
const COMMAND_COMPLETE = 0x43, ERROR_RESPONSE = 0x45, READY_FOR_QUERY = 0x5a;

/** SQLSTATE classes DeepFlow counts as the client's fault; any other class is the server's. */
const CLIENT_CLASSES = new Set(['03', '0A', '0B', '0F', '0L', '0P', '20', '22', '23', '26', '2F', '34', '3D', '3F', '42']);

export function sqlstateStatus(state: string): ResponseStatus {
  return CLIENT_CLASSES.has(state.slice(0, 2)) ? 'client_error' : 'server_error';
}

class PostgresParser implements ProtocolParser {
  private readonly req = new StreamBuffer();
  private readonly resp = new StreamBuffer();
  /** Client: true until the startup message; server: true until the first ReadyForQuery. */
  private clientStartup = true;
  private serverStartup = false;
  /** Single-byte answers owed to SSLRequest / GSSENCRequest. */
  private owedBytes = 0;
  /** Named prepared statements, so a Bind of one shows its SQL. */
  private readonly statements = new Map<string, string>();
  /** The extended-protocol batch being collected until Sync. */
  private batch: L7Message | undefined;
  private current: L7Message | undefined;

  feed(data: Uint8Array, meta: PayloadMeta, out: L7Message[]): void {
    const s = meta.fromClient ? this.req : this.resp;
    s.push(data, meta.byteCount, meta.timestampNs, meta.tcpSeq);
    if (meta.fromClient) this.client(s, out);
    else this.server(s, out);
    s.endPass();
  }

  private client(s: StreamBuffer, out: L7Message[]): void {
    while (s.skip === 0) {
      const b = s.buf;
      if (this.clientStartup && b.length >= 8 && b[0] === 0) {
        const len = u32(b, 0);
        if (b.length < len) return;
        const code = u32(b, 4);
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) this.owedBytes++;
        else if (code === PROTOCOL_3) { this.clientStartup = false; this.serverStartup = true; }
        else if (code !== CANCEL_REQUEST) { s.reset(); return; }
        s.consume(len);
        continue;
      }
      if (b.length < 5) return;
      this.clientStartup = false;
      const type = b[0]!;
      const len = u32(b, 1) + 1;
      if (len < 5) { s.reset(); return; }
      if (b.length < len) {
        // A long Bind/CopyData need not be buffered, except messages whose text we read.
        if (type === QUERY || type === PARSE || len < 65536) return;
        this.extend(s, type, len);
        s.consume(len);
        continue;
      }
      this.message(s, type, b.subarray(5, len), len, out);
      s.consume(len);
    }
  }

  private message(s: StreamBuffer, type: number, body: Uint8Array, len: number, out: L7Message[]): void {
    if (type === QUERY) {
      const sql = text(body, 0, body.length - 1, 4096);
      out.push(this.request(s, sql, len));
      return;
    }
    if (type === TERMINATE) return;
    if (type === 0x70) return; // password / SASL messages of the startup exchange
    const m = this.extend(s, type, len);
    if (type === PARSE) {
      const nameEnd = body.indexOf(0);
      const name = ascii(body, 0, nameEnd);
      const sqlEnd = body.indexOf(0, nameEnd + 1);
      const sql = text(body, nameEnd + 1, sqlEnd, 4096);
      if (name !== '') this.statements.set(name, sql);
      setSql(m, sql);
    } else if (type === BIND && m.requestResource === undefined) {
      const portalEnd = body.indexOf(0);
      const stmtEnd = body.indexOf(0, portalEnd + 1);
      const sql = this.statements.get(ascii(body, portalEnd + 1, stmtEnd));
      if (sql !== undefined) setSql(m, sql);
    } else if (type === SYNC) {
      this.batch = undefined;
      out.push(m);
    } else if (type === EXECUTE && m.requestType === undefined) {
      m.requestType = 'EXECUTE';
    }
  }

  /** Adds a message to the extended-protocol batch, starting one if needed. */
  private extend(s: StreamBuffer, _type: number, len: number): L7Message {
    if (!this.batch) this.batch = { type: 'request', protocol: 'PostgreSQL', timestampNs: s.startNs, length: 0, tcpSeq: s.seq, version: '3.0' };
    this.batch.length += len;
    return this.batch;
  }

  private request(s: StreamBuffer, sql: string, len: number): L7Message {
    const m: L7Message = { type: 'request', protocol: 'PostgreSQL', timestampNs: s.startNs, length: len, tcpSeq: s.seq, version: '3.0' };
    setSql(m, sql);
    return m;
  }

  private server(s: StreamBuffer, out: L7Message[]): void {
    while (s.skip === 0) {
      const b = s.buf;
      if (this.owedBytes > 0 && b.length >= 1 && (b[0] === 0x4e || b[0] === 0x53 || b[0] === 0x47)) {
        // 'N' (or 'S'/'G': the session continues encrypted, invisible to packet capture).
        this.owedBytes--;
        s.consume(1);
        continue;
      }
      if (b.length < 5) return;
      const type = b[0]!;
      const len = u32(b, 1) + 1;
      if (len < 5) { s.reset(); return; }
      const whole = b.length >= len;
      if (!whole && (type === ERROR_RESPONSE || type === COMMAND_COMPLETE || len < 65536)) return;
      if (this.serverStartup) {
        if (type === READY_FOR_QUERY) this.serverStartup = false;
        s.consume(len);
        continue;
      }
      if (!this.current) this.current = { type: 'response', protocol: 'PostgreSQL', timestampNs: s.startNs, length: 0, tcpSeq: s.seq, version: '3.0', responseStatus: 'ok' };
      const m = this.current;
      m.length += len;
      if (type === COMMAND_COMPLETE && whole) {
        if (m.responseStatus === 'ok') {
          m.responseResult = ascii(b, 5, len - 1);
          const rows = tagRows(m.responseResult);
          if (rows !== undefined) m.affectedRows = (m.affectedRows ?? 0) + rows;
        }
      } else if (type === ERROR_RESPONSE && whole) {
        readError(m, b.subarray(5, len));
      } else if (type === READY_FOR_QUERY) {
        out.push(m);
        this.current = undefined;
      }
      s.consume(len);
    }
  }
}

/** The row count a command tag ends with: INSERT 0 2, UPDATE 1, SELECT 4, COPY 3; none for CREATE TABLE. */
export function tagRows(tag: string): number | undefined {
  const last = tag.slice(tag.lastIndexOf(' ') + 1);
  return /^\d+$/.test(last) ? Number(last) : undefined;
}

function setSql(m: L7Message, sql: string): void {
  m.requestResource = sql;
  m.requestType = sqlKind(sql);
  m.endpoint = m.requestType;
}

/** ErrorResponse fields: a type byte then a NUL-terminated string each; C = SQLSTATE, M = message. */
function readError(m: L7Message, body: Uint8Array): void {
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const field = body[i]!;
    const end = body.indexOf(0, i + 1);
    if (end < 0) break;
    if (field === 0x43) { const state = ascii(body, i + 1, end); m.responseResult = state; m.responseStatus = sqlstateStatus(state); }
    else if (field === 0x4d) m.responseException = text(body, i + 1, end, 512);
    i = end + 1;
  }
}

export const postgres: L7Protocol = {
  name: 'PostgreSQL',
  transport: 'tcp',
  ports: [5432],
  pairing: 'in-order',
  detect(b, fromClient) {
    if (!fromClient || b.length < 8) return 0;
    const code = u32(b, 4);
    if (b[0] === 0 && u32(b, 0) <= b.length && (code === PROTOCOL_3 || code === SSL_REQUEST || code === GSSENC_REQUEST)) return 95;
    // Mid-connection: a Query or Parse message whose length matches.
    if ((b[0] === QUERY || b[0] === PARSE) && u32(b, 1) + 1 <= b.length && u32(b, 1) > 4) {
      const sql = text(b, 5, Math.min(b.length, 69));
      return sqlKind(b[0] === QUERY ? sql : sql.slice(sql.indexOf('\0') + 1)) ? 60 : 0;
    }
    return 0;
  },
  createParser: () => new PostgresParser(),
};
