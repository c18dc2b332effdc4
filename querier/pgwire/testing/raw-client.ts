/**
 * A deliberately naive protocol client for tests: builds frontend messages byte by byte from
 * the PostgreSQL manual's "Message Formats" (independently of the server's codecs, so it can
 * serve as their oracle) and reads backend messages as (code, body) pairs.
 */
import { connect, type Socket } from 'node:net';

const int16 = (n: number) => { const b = Buffer.alloc(2); b.writeInt16BE(n); return b; };
const int32 = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
const cstr = (s: string) => Buffer.concat([Buffer.from(s, 'utf8'), Buffer.of(0)]);

/** A typed message: code letter, int32 length (including itself), body. */
export function message(code: string, ...body: Buffer[]): Buffer {
  const payload = Buffer.concat(body);
  return Buffer.concat([Buffer.from(code, 'ascii'), int32(payload.length + 4), payload]);
}

export const fe = {
  startup: (params: Record<string, string>, version = 196608) => {
    const body = Buffer.concat([int32(version), ...Object.entries(params).flatMap(([k, v]) => [cstr(k), cstr(v)]), Buffer.of(0)]);
    return Buffer.concat([int32(body.length + 4), body]);
  },
  sslRequest: () => Buffer.concat([int32(8), int32(80877103)]),
  gssEncRequest: () => Buffer.concat([int32(8), int32(80877104)]),
  cancel: (pid: number, key: number) => Buffer.concat([int32(16), int32(80877102), int32(pid), int32(key)]),
  query: (sql: string) => message('Q', cstr(sql)),
  parse: (name: string, sql: string, oids: number[] = []) => message('P', cstr(name), cstr(sql), int16(oids.length), ...oids.map(int32)),
  bind: (portal: string, stmt: string, params: (string | Buffer | null)[], paramFormats: number[] = [], resultFormats: number[] = []) =>
    message('B', cstr(portal), cstr(stmt), int16(paramFormats.length), ...paramFormats.map(int16), int16(params.length),
      ...params.flatMap((p) => (p === null ? [int32(-1)] : [int32(Buffer.byteLength(p)), Buffer.from(p)])),
      int16(resultFormats.length), ...resultFormats.map(int16)),
  describe: (kind: 'S' | 'P', name: string) => message('D', Buffer.from(kind), cstr(name)),
  execute: (portal: string, maxRows = 0) => message('E', cstr(portal), int32(maxRows)),
  close: (kind: 'S' | 'P', name: string) => message('C', Buffer.from(kind), cstr(name)),
  sync: () => message('S'),
  flush: () => message('H'),
  terminate: () => message('X'),
  password: (pw: string) => message('p', cstr(pw)),
};

export interface BackendMessage {
  code: string;
  body: Buffer;
}

/** Error/notice fields by their one-letter codes. */
export function errorFields(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < body.length && body[i] !== 0) {
    const code = String.fromCharCode(body[i]!);
    const end = body.indexOf(0, i + 1);
    out[code] = body.toString('utf8', i + 1, end);
    i = end + 1;
  }
  return out;
}

/** DataRow values as text (null for NULL). */
export function dataRow(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  const out: (string | null)[] = [];
  let i = 2;
  for (let k = 0; k < n; k++) {
    const len = body.readInt32BE(i);
    i += 4;
    out.push(len < 0 ? null : body.toString('utf8', i, i + len));
    if (len > 0) i += len;
  }
  return out;
}

export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    socket.on('close', () => { this.closed = true; this.wake(); });
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Connects and completes a trust-auth startup; returns the client and its BackendKeyData. */
  static async ready(port: number, params: Record<string, string> = { user: 'test', database: 'flow_log' }): Promise<{ client: RawClient; pid: number; key: number }> {
    const client = await RawClient.connect(port);
    client.send(fe.startup(params));
    const msgs = await client.readUntil('Z');
    const k = msgs.find((m) => m.code === 'K')!;
    return { client, pid: k.body.readInt32BE(0), key: k.body.readInt32BE(4) };
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  send(...chunks: Buffer[]): void {
    this.socket.write(Buffer.concat(chunks));
  }

  /** Reads `n` raw bytes (the SSLRequest answer is a single untyped byte). */
  async readBytes(n: number, timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.closed || Date.now() > deadline) throw new Error(`wanted ${n} bytes, have ${this.buf.length}`);
      await this.waitData(deadline);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }

  private waitData(deadline: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** Next whole backend message, or null once the server closed the connection. */
  async next(timeoutMs = 5000): Promise<BackendMessage | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 5) {
        const len = this.buf.readInt32BE(1);
        if (this.buf.length >= len + 1) {
          const msg = { code: String.fromCharCode(this.buf[0]!), body: this.buf.subarray(5, len + 1) };
          this.buf = this.buf.subarray(len + 1);
          return msg;
        }
      }
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('timed out waiting for a backend message');
      await this.waitData(deadline);
    }
  }

  /** Messages up to and including the first with `code` (e.g. 'Z' = ReadyForQuery). */
  async readUntil(code: string, timeoutMs = 5000): Promise<BackendMessage[]> {
    const out: BackendMessage[] = [];
    for (;;) {
      const m = await this.next(timeoutMs);
      if (!m) throw new Error(`connection closed before '${code}'; got ${out.map((x) => x.code).join('')}`);
      out.push(m);
      if (m.code === code) return out;
    }
  }

  end(): void {
    this.socket.end();
  }
}

/** Message codes of a list, e.g. "12TDCZ", for compact assertions on message order. */
export function codes(msgs: BackendMessage[]): string {
  return msgs.map((m) => m.code).join('');
}
