/**
 * Times toStorageBatch alone (checks + SmartEncoding + building the storage batch) on
 * generated l7 batches, dictionary-encoded and plain Utf8 tags, with a warm encoder over a
 * DuckDB dictionary, so the number is the ingester's per-batch CPU cost with no store I/O.
 * Run: node --import tsx benchmarks/convert-profile.ts [rows] [reps]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { RecordBatchReader, tableToIPC, Table } from 'apache-arrow';
import { findTable, TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';

const rows = Number(process.argv[2] ?? 50_000);
const reps = Number(process.argv[3] ?? 10);
const l7 = findTable('flow_log.l7_flow_log')!;
const dir = mkdtempSync(join(tmpdir(), 'metaflow-convert-'));
const adapter = new DuckDBAdapter(join(dir, 'db'));
await adapter.open(TABLES, DICTIONARY_TABLES);
try {
  const encoder = new ResourceEncoder(adapter.dictionaries);
  const topo = topology();
  for (const [label, dictionaries, viaIpc] of [['dictionary', true, false], ['plain utf8', false, false], ['dictionary, IPC-decoded', true, true]] as const) {
    const generated = generateL7Batch({ rows, seed: 1, topo, dictionaries });
    // What the server sees: the batch as decoded from the request body.
    const batch = viaIpc ? [...RecordBatchReader.from(tableToIPC(new Table(generated)))][0]! : generated;
    const out = await toStorageBatch(l7, batch, encoder, 0n); // warms the encoder
    const ms: number[] = [];
    for (let r = 0; r < reps; r++) {
      const t0 = performance.now();
      await toStorageBatch(l7, batch, encoder, 0n);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    const digest = createHash('sha256').update(tableToIPC(new Table(out))).digest('hex').slice(0, 16);
    console.log(`${label}: ${rows} rows, median ${ms[ms.length >> 1]!.toFixed(1)} ms, min ${ms[0]!.toFixed(1)} ms, output ${digest}`);
  }
} finally {
  await adapter.close();
  rmSync(dir, { recursive: true, force: true });
}
