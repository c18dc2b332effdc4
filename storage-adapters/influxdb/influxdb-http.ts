/**
 * The InfluxDB v1 HTTP API (served by InfluxDB 1.x, and by 2.x/3.x for compatibility):
 * `/ping`, `/write` (line protocol) and `/query` (InfluxQL, streamed with chunked=true).
 * Errors become StoreErrors with a SQLSTATE chosen from the HTTP status and InfluxDB's message,
 * since InfluxDB has no error codes of its own.
 */
import { StoreError } from '../adapter.ts';
import { parseJson } from './influxdb-types.ts';

export interface Series { columns: string[]; values: unknown[][] }

/** InfluxDB answer → SQLSTATE: the class a SQL client would expect for the same failure. */
export function sqlstateOf(status: number, message: string): string {
  if (status === 401) return '28P01';
  if (status === 403) return '42501';
  if (/database not found/.test(message)) return '3D000';
  if (/field type conflict/.test(message)) return '42804';
  if (/error parsing query/.test(message)) return '42601';
  if (/unable to parse|invalid/.test(message)) return '22P02';
  if (/timeout|canceled/.test(message)) return '57014';
  return status >= 500 || status === 0 ? '58000' : '22000';
}

export class InfluxHttp {
  private readonly headers: Record<string, string> = {};

  constructor(readonly base: string, readonly database: string, user?: string, password?: string) {
    if (user) this.headers.authorization = 'Basic ' + Buffer.from(`${user}:${password ?? ''}`).toString('base64');
  }

  private async fetch(path: string, init: RequestInit, what: string): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, { ...init, headers: { ...this.headers, ...(init.headers as Record<string, string>) } });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw new StoreError('query canceled', 'influxdb', '57014', e);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new StoreError(`${what}: cannot reach InfluxDB at ${this.base}: ${cause?.message ?? (e as Error).message}`, 'influxdb', '08001', e);
    }
    if (res.ok) return res;
    const text = await res.text();
    let message = text;
    try { message = JSON.parse(text).error ?? text; } catch { /* not JSON */ }
    throw new StoreError(`${what}: ${message}`, 'influxdb', sqlstateOf(res.status, message));
  }

  /** Version from /ping (also checks the server is up and the credentials are accepted). */
  async ping(): Promise<string> {
    const res = await this.fetch('/ping', { method: 'GET' }, 'InfluxDB ping failed');
    await res.arrayBuffer();
    return res.headers.get('x-influxdb-version') ?? 'unknown';
  }

  async write(body: string, what: string): Promise<void> {
    const db = encodeURIComponent(this.database);
    const res = await this.fetch(`/write?db=${db}&precision=n`, { method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' } }, what);
    await res.arrayBuffer();
  }

  /** Runs InfluxQL and yields each answered chunk's rows (series merged in answer order). */
  async *query(q: string, options: { chunkSize?: number; signal?: AbortSignal; database?: boolean } = {}): AsyncIterable<Series> {
    const params = new URLSearchParams({ q, epoch: 'ns', chunked: 'true', chunk_size: String(options.chunkSize ?? 10_000) });
    if (options.database !== false) params.set('db', this.database);
    const res = await this.fetch('/query', { method: 'POST', body: params, signal: options.signal }, 'InfluxDB query failed');
    const decoder = new TextDecoder();
    let pending = '';
    try {
      for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
        pending += decoder.decode(part, { stream: true });
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl);
          pending = pending.slice(nl + 1);
          if (line.trim()) yield* seriesOf(line);
        }
      }
    } catch (e) {
      if (e instanceof StoreError) throw e;
      if (options.signal?.aborted) throw new StoreError('query canceled', 'influxdb', '57014', e);
      throw new StoreError(`InfluxDB query failed: ${(e as Error).message}`, 'influxdb', '58000', e);
    }
    if (pending.trim()) yield* seriesOf(pending);
  }

  /** A statement whose answer is not needed (CREATE DATABASE, DELETE, ...). */
  async command(q: string, database = true): Promise<void> {
    for await (const _ of this.query(q, { database })) { /* drained for its errors */ }
  }
}

function* seriesOf(line: string): Iterable<Series> {
  const answer = parseJson(line) as { error?: string; results?: Array<{ error?: string; series?: Series[] }> };
  if (answer.error) throw new StoreError(`InfluxDB query failed: ${answer.error}`, 'influxdb', sqlstateOf(400, answer.error));
  for (const r of answer.results ?? []) {
    if (r.error) throw new StoreError(`InfluxDB query failed: ${r.error}`, 'influxdb', sqlstateOf(400, r.error));
    for (const s of r.series ?? []) yield { columns: s.columns, values: s.values ?? [] };
  }
}
