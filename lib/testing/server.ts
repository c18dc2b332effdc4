/** Test helpers: a real server on a temp data dir and a free port, and Arrow posting. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { loadConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { runServer, type RunningServer } from '../../bin/server/run.ts';

export function tempDir(prefix = 'metaflow-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestServer extends RunningServer { base: string; dataDir: string; config: Config }

export async function startTestServer(options: { dataDir?: string; flags?: Record<string, unknown> } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? tempDir().path;
  const config = loadConfig({ env: {}, flags: { data_dir: dataDir, http_port: 0, pg_port: 0, ...options.flags } });
  const server = await runServer(config, createLogger(process.env.METAFLOW_LOG_LEVEL ?? 'warn'));
  return { ...server, base: `http://127.0.0.1:${server.httpPort}`, dataDir, config };
}

export const ARROW = 'application/vnd.apache.arrow.stream';

export function ipc(batches: RecordBatch | RecordBatch[] | Table): Uint8Array {
  const table = batches instanceof Table ? batches : new Table(Array.isArray(batches) ? batches : [batches]);
  return tableToIPC(table, 'stream');
}

export async function postArrow(base: string, table: string, body: Uint8Array | RecordBatch | RecordBatch[] | Table, contentType = ARROW): Promise<{ status: number; json: any }> {
  const bytes = body instanceof Uint8Array ? body : ipc(body);
  const res = await fetch(`${base}/v1/ingest/${table}`, { method: 'POST', headers: { 'content-type': contentType }, body: bytes });
  return { status: res.status, json: await res.json() };
}

export async function postJson(base: string, path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** Runs SQL on the server's DuckDB store (tests only: the querier is the user's way in). */
export async function storeRows(server: RunningServer, sql: string): Promise<unknown[][]> {
  const adapter = server.adapter as unknown as { query(sql: string): AsyncIterable<{ rows: unknown[][] }> };
  const rows: unknown[][] = [];
  for await (const b of adapter.query(sql)) rows.push(...b.rows);
  return rows;
}
