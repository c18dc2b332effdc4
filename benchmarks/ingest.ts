/**
 * (a) Ingest throughput: realistic l7_flow_log batches POSTed to a `metaflow server` process
 * (HTTP → Arrow decode → checks → SmartEncoding → DuckDB appender, acknowledged after commit)
 * versus appending the same rows, already encoded, straight into DuckDB with its appender
 * (one transaction per batch, like the server). Same batches, same machine, same run.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { findTable, TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc, ARROW } from '../lib/testing/server.ts';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';
import { peakRssMiB, progress, startServerProcess, table } from './util.ts';

export interface IngestResult { rows: number; batchRows: number; oursRowsPerSec: number; directRowsPerSec: number; ratio: number; serverPeakRssMiB: number; markdown: string }

export async function benchIngest(opts: { batches?: number; batchRows?: number } = {}): Promise<IngestResult> {
  const batches = opts.batches ?? 20;
  const batchRows = opts.batchRows ?? 50_000;
  const l7 = findTable('flow_log.l7_flow_log')!;
  const topo = topology();
  const work = join(tmpdir(), `metaflow-bench-ingest-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  progress(`generating ${batches} batches of ${batchRows} rows (40 columns)`);
  const generated = Array.from({ length: batches }, (_, i) => generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: 1_700_000_000_000_000n + BigInt(i * batchRows) * 1000n }));
  const bodies = generated.map((b) => ipc(b));

  // Direct path: encode outside the clock, then time only DuckDB's appender.
  const direct = new DuckDBAdapter(join(work, 'direct'));
  await direct.open(TABLES, DICTIONARY_TABLES);
  const encoder = new ResourceEncoder(direct.dictionaries);
  const encoded = [];
  for (const b of generated) encoded.push(await toStorageBatch(l7, b, encoder, 0n));
  progress('direct DuckDB appender');
  let t0 = performance.now();
  for (const b of encoded) await direct.write(l7, [b]);
  const directSec = (performance.now() - t0) / 1000;
  await direct.close();

  progress('through the metaflow server over HTTP');
  const server = await startServerProcess(['--data-dir', join(work, 'server')]);
  // One warm-up batch outside the clock allocates the dictionaries, as a long-running server has.
  await fetch(`${server.base}/v1/ingest/flow_log.l7_flow_log`, { method: 'POST', headers: { 'content-type': ARROW }, body: bodies[0] });
  t0 = performance.now();
  for (const body of bodies) {
    const r = await fetch(`${server.base}/v1/ingest/flow_log.l7_flow_log`, { method: 'POST', headers: { 'content-type': ARROW }, body });
    if (r.status !== 200) throw new Error(`ingest failed: ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
  const oursSec = (performance.now() - t0) / 1000;
  const rss = peakRssMiB(server.pid);
  await server.stop();
  rmSync(work, { recursive: true, force: true });

  const rows = batches * batchRows;
  const ours = rows / oursSec;
  const directRate = rows / directSec;
  const ratio = ours / directRate;
  const markdown = [
    `${batches} batches × ${batchRows.toLocaleString('en-US')} rows, 40 columns (1k pods, 200 services, 50k endpoints), Arrow IPC ${(bodies[0]!.length / 1048576).toFixed(1)} MiB per batch.`, '',
    table(['path', 'rows/s', 'seconds'], [['MetaFlow: HTTP → decode → SmartEncode → DuckDB', ours, oursSec], ['DuckDB appender, rows already encoded', directRate, directSec]]), '',
    `**ratio ${ratio.toFixed(2)}** (target ≥ 0.70). Server peak RSS: **${rss.toFixed(0)} MiB**.`,
  ].join('\n');
  return { rows, batchRows, oursRowsPerSec: ours, directRowsPerSec: directRate, ratio, serverPeakRssMiB: rss, markdown };
}
