/**
 * Ingest on PostgreSQL: the same l7_flow_log rows (a) POSTed as Arrow to a `metaflow server
 * --storage postgres://…` process (HTTP → decode → checks → SmartEncoding → binary COPY,
 * acknowledged after the transaction committed) versus (b) what a user without MetaFlow does:
 * `COPY … FROM STDIN` in text format into a table of the same rows with names as plain
 * strings, the text built outside the clock, one COPY per batch on one connection. The paths
 * take turns batch by batch, so the machine's other load falls on both alike. Uses the
 * machine's PostgreSQL (lib/testing/postgres.ts), in two throwaway databases dropped after.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc } from '../lib/testing/server.ts';
import { findPostgres } from '../lib/testing/postgres.ts';
import { RecordBatchReader } from 'apache-arrow';
import { findTable, TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { PostgresAdapter } from '../storage-adapters/postgres/postgres-adapter.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';
import { plainColumns, timestampText, type PlainColumn, type PlainKind } from './plain-rows.ts';
import { peakRssMiB, progress, startServerProcess, table, alternate, postIngest } from './util.ts';

const PG_TYPE: Record<PlainKind, string> = { time: 'timestamptz', string: 'text', int: 'integer', bigint: 'bigint', uint64: 'numeric(20,0)', float: 'double precision', bool: 'boolean' };

/** COPY text escaping: backslash, tab, newline and carriage return are the specials. */
const escapeText = (s: string): string => s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

function copyText(cols: PlainColumn[], rows: number): Buffer {
  const lines: string[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const out: string[] = new Array(cols.length);
    for (let c = 0; c < cols.length; c++) {
      const col = cols[c]!;
      const v = col.values(i);
      out[c] = v === null ? '\\N' : col.kind === 'time' ? timestampText(v as bigint) : col.kind === 'string' ? escapeText(v as string) : String(v);
    }
    lines[i] = out.join('\t');
  }
  return Buffer.from(lines.join('\n') + '\n');
}

async function copyIn(client: pg.Client, sql: string, body: Buffer): Promise<void> {
  await pipeline(Readable.from([body]), client.query(copyFrom(sql)));
}

/** `rows` (default 200k) is rounded up to whole batches of `batchRows` (default 20k). */
export async function benchIngestPostgres(opts: { rows?: number; batchRows?: number } = {}): Promise<{ markdown: string; ratio: number }> {
  const batchRows = opts.batchRows ?? 20_000;
  const batches = Math.max(1, Math.ceil((opts.rows ?? 200_000) / batchRows));
  const rows = batches * batchRows;
  const server = await findPostgres();
  if (!server.ok) throw new Error(server.reason);
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const ours = `metaflow_bench_${tag}`;
  const peer = `metaflow_bench_peer_${tag}`;
  const urlOf = (db: string) => { const u = new URL(server.url); u.pathname = `/${db}`; return u.toString(); };
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const work = join(tmpdir(), `metaflow-bench-pg-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  let client: pg.Client | undefined;
  try {
    const topo = topology();
    progress(`generating ${batches} batches of ${batchRows} rows`);
    const start = (i: number) => 1_700_000_000_000_000n + BigInt(i * batchRows) * 1000n;
    const bodies = Array.from({ length: batches }, (_, i) => ipc(generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: start(i) })));
    const plain = Array.from({ length: batches }, (_, i) => generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: start(i), dictionaries: false }));
    const cols = plainColumns(plain[0]!);
    const texts = plain.map((b) => copyText(plainColumns(b), b.numRows));

    await admin.query(`CREATE DATABASE ${peer}`);
    client = new pg.Client({ connectionString: urlOf(peer) });
    await client.connect();
    // The same BRIN index on time as MetaFlow's table, so both keep the same index up to date.
    await client.query(`CREATE TABLE l7_flow_log (${cols.map((c) => `"${c.name}" ${PG_TYPE[c.kind]}`).join(', ')})`);
    await client.query('CREATE INDEX ON l7_flow_log USING brin (time)');
    const copySql = `COPY l7_flow_log (${cols.map((c) => `"${c.name}"`).join(', ')}) FROM STDIN (FORMAT text)`;

    const mf = await startServerProcess(['--data-dir', join(work, 'server'), '--storage', urlOf(ours)]);
    try {
      // One warm-up batch outside the clock fills the dictionaries, as a long-running server has.
      const post = (body: Uint8Array) => postIngest(mf.base, body);
      await post(bodies[0]!);
      progress('MetaFlow and COPY text, batch by batch in turn');
      const { peerSec: copySec, oursSec } = await alternate(batches, (i) => copyIn(client!, copySql, texts[i]!), (i) => post(bodies[i]!));
      const rss = peakRssMiB(mf.pid);
      await mf.stop();

      const check = new pg.Client({ connectionString: urlOf(ours) });
      await check.connect();
      const stored = Number((await check.query('SELECT count(*) AS n FROM flow_log.l7_flow_log')).rows[0].n);
      await check.end();
      const copied = Number((await client.query('SELECT count(*) AS n FROM l7_flow_log')).rows[0].n);
      if (stored !== rows + batchRows || copied !== rows) throw new Error(`row counts differ: MetaFlow ${stored}, COPY ${copied}`);
      // Where MetaFlow's own time goes, in this process on the same store, dictionaries warm
      // (the server filled them): decode, checks + SmartEncoding, then the adapter's binary COPY.
      const steps = { decode: 0, encode: 0, copy: 0 };
      const adapter = new PostgresAdapter(urlOf(ours));
      try {
        await adapter.open(TABLES, DICTIONARY_TABLES);
        const l7 = findTable('flow_log.l7_flow_log')!;
        const encoder = new ResourceEncoder(adapter.dictionaries);
        for (const body of bodies) {
          let t0 = performance.now();
          const decoded = [...RecordBatchReader.from(body)];
          steps.decode += performance.now() - t0;
          t0 = performance.now();
          const storedBatches = [];
          for (const b of decoded) storedBatches.push(await toStorageBatch(l7, b, encoder, 0n));
          steps.encode += performance.now() - t0;
          t0 = performance.now();
          await adapter.write(l7, storedBatches);
          steps.copy += performance.now() - t0;
        }
      } finally {
        await adapter.close();
      }
      const oursRate = rows / oursSec;
      const copyRate = rows / copySec;
      const ratio = oursRate / copyRate;
      const markdown = [
        `${batches} batches × ${batchRows.toLocaleString('en-US')} rows, ${cols.length} columns (1k pods, 200 services, 50k endpoints), Arrow IPC ${(bodies[0]!.length / 1048576).toFixed(1)} MiB / COPY text ${(texts[0]!.length / 1048576).toFixed(1)} MiB per batch; PostgreSQL 15 on 127.0.0.1, one transaction per batch on both paths, BRIN index on time on both tables, the paths taking turns batch by batch; row counts checked after.`, '',
        table(['path', 'rows/s', 'seconds'], [
          ['MetaFlow: HTTP → decode → SmartEncode → binary COPY → PostgreSQL', oursRate, oursSec],
          ['PostgreSQL COPY … FROM STDIN (text), names as plain strings, text built beforehand', copyRate, copySec],
        ]), '',
        `**ratio ${ratio.toFixed(2)}** (target ≥ 0.70). MetaFlow server peak RSS: **${rss.toFixed(0)} MiB**.`, '',
        `MetaFlow's own steps per ${batchRows.toLocaleString('en-US')}-row batch, timed in-process with warm dictionaries: Arrow IPC decode ${(steps.decode / batches).toFixed(0)} ms, `
          + `checks + SmartEncoding (ingester) ${(steps.encode / batches).toFixed(0)} ms, binary COPY in one transaction (adapter) ${(steps.copy / batches).toFixed(0)} ms; `
          + `the peer's COPY text took ${(copySec * 1000 / batches).toFixed(0)} ms per batch.`,
      ].join('\n');
      return { markdown, ratio };
    } finally {
      if (mf.proc.exitCode === null) await mf.stop();
    }
  } finally {
    await client?.end().catch(() => undefined);
    for (const db of [ours, peer]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  }
}
