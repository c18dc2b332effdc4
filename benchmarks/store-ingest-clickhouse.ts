/**
 * Ingest on ClickHouse: the same 1M l7_flow_log rows (a) POSTed as Arrow to a `metaflow server
 * --storage clickhouse://…` process (HTTP → decode → checks → SmartEncoding → Native block →
 * ClickHouse, acknowledged after ClickHouse stored it) versus (b) ClickHouse's own bulk path:
 * `INSERT … FORMAT <fmt>` over HTTP with the rows already encoded, bodies built outside the
 * clock. Peers: Native (the fastest format ClickHouse reads) and TabSeparated (the common
 * one; its bytes are written by ClickHouse itself from the Native copy). The ratio is against
 * the fastest peer. The paths take turns batch by batch, so the machine's other load is shared. One clickhouse-server on 127.0.0.1 started by lib/testing/clickhouse.ts.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { RecordBatchReader } from 'apache-arrow';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { findTable, TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc, ARROW } from '../lib/testing/server.ts';
import { startClickHouse } from '../lib/testing/clickhouse.ts';
import { ClickHouseAdapter } from '../storage-adapters/clickhouse/clickhouse-adapter.ts';
import { clickhouseOptions } from '../storage-adapters/clickhouse/clickhouse-config.ts';
import { nativeBlock } from '../storage-adapters/clickhouse/clickhouse-writer.ts';
import { ResourceEncoder } from '../ingester/smart-encoding/encoder.ts';
import { toStorageBatch } from '../ingester/convert.ts';
import { peakRssMiB, progress, startServerProcess, table } from './util.ts';

export interface ClickHouseIngestResult { rows: number; oursRowsPerSec: number; peerRowsPerSec: Record<string, number>; ratio: number; markdown: string }

/**
 * One statement over ClickHouse's HTTP interface on a fresh connection: ClickHouse closes idle
 * keep-alive sockets after 3 s, and a reused closed socket would fail the request.
 */
function clickhouseHttp(base: string, sql: string, body?: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/?query=${encodeURIComponent(sql)}`, { method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const out = Buffer.concat(chunks);
        if (res.statusCode === 200) resolve(out);
        else reject(new Error(`ClickHouse refused ${sql.slice(0, 80)}: ${out.toString()}`));
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function post(base: string, sql: string, body: Uint8Array): Promise<void> {
  await clickhouseHttp(base, sql, body);
}

async function count(base: string, ref: string): Promise<number> {
  return Number((await clickhouseHttp(base, `SELECT count() FROM ${ref}`)).toString().trim());
}

export async function benchIngestClickHouse(opts: { batches?: number; batchRows?: number } = {}): Promise<ClickHouseIngestResult> {
  const batches = opts.batches ?? 20;
  const batchRows = opts.batchRows ?? 50_000;
  const rows = batches * batchRows;
  const l7 = findTable('flow_log.l7_flow_log')!;
  const work = join(tmpdir(), `metaflow-bench-ch-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const ch = await startClickHouse();
  try {
    const topo = topology();
    progress(`generating ${batches} batches of ${batchRows} rows (40 columns)`);
    const generated = Array.from({ length: batches }, (_, i) => generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: 1_700_000_000_000_000n + BigInt(i * batchRows) * 1000n }));
    const bodies = generated.map((b) => ipc(b));

    // Peer bodies: rows SmartEncoded once (outside the clock) into Native blocks, and the same
    // rows as TabSeparated written by ClickHouse itself from a staging copy.
    const stage = new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${ch.httpPort}/peer_stage`)));
    await stage.open(TABLES, DICTIONARY_TABLES);
    const encoder = new ResourceEncoder(stage.dictionaries);
    const native: Buffer[] = [];
    let columns: string[] = [];
    for (const b of generated) {
      const block = nativeBlock(l7, [await toStorageBatch(l7, b, encoder, 0n)]);
      native.push(block.bytes);
      columns = block.columns;
    }
    const cols = columns.map((c) => `\`${c}\``).join(', ');
    // Where MetaFlow's own time goes, in this process, dictionaries warm as in the server.
    const steps = { decode: 0, encode: 0, native: 0 };
    for (const body of bodies) {
      let t0 = performance.now();
      const decoded = [...RecordBatchReader.from(body)];
      steps.decode += performance.now() - t0;
      t0 = performance.now();
      const stored = [];
      for (const b of decoded) stored.push(await toStorageBatch(l7, b, encoder, 0n));
      steps.encode += performance.now() - t0;
      t0 = performance.now();
      nativeBlock(l7, stored);
      steps.native += performance.now() - t0;
    }
    const tsv: Uint8Array[] = [];
    for (const body of native) {
      await post(ch.url, `TRUNCATE TABLE peer_stage_flow_log.l7_flow_log`, new Uint8Array());
      await post(ch.url, `INSERT INTO peer_stage_flow_log.l7_flow_log (${cols}) FORMAT Native`, body);
      tsv.push(await clickhouseHttp(ch.url, `SELECT ${cols} FROM peer_stage_flow_log.l7_flow_log FORMAT TabSeparated`));
    }
    await stage.close();
    for (const prefix of ['peer_native', 'peer_tsv']) {
      const a = new ClickHouseAdapter(clickhouseOptions(new URL(`clickhouse://127.0.0.1:${ch.httpPort}/${prefix}`)));
      await a.open(TABLES, DICTIONARY_TABLES);
      await a.close();
    }

    const server = await startServerProcess(['--data-dir', join(work, 'server'), '--storage', `clickhouse://127.0.0.1:${ch.httpPort}/metaflow`]);
    // One warm-up batch outside the clock allocates the dictionaries, as a long-running server has.
    await fetch(`${server.base}/v1/ingest/flow_log.l7_flow_log`, { method: 'POST', headers: { 'content-type': ARROW }, body: bodies[0] });
    // The three paths take turns batch by batch, so load from elsewhere on the machine falls
    // on all of them alike.
    progress('MetaFlow, INSERT … FORMAT Native and INSERT … FORMAT TabSeparated, batch by batch in turn');
    const time = async (work: () => Promise<void>) => { const t0 = performance.now(); await work(); return (performance.now() - t0) / 1000; };
    let oursSec = 0;
    let nativeSec = 0;
    let tsvSec = 0;
    for (let i = 0; i < batches; i++) {
      nativeSec += await time(() => post(ch.url, `INSERT INTO peer_native_flow_log.l7_flow_log (${cols}) FORMAT Native`, native[i]!));
      tsvSec += await time(() => post(ch.url, `INSERT INTO peer_tsv_flow_log.l7_flow_log (${cols}) FORMAT TabSeparated`, tsv[i]!));
      oursSec += await time(async () => {
        const r = await fetch(`${server.base}/v1/ingest/flow_log.l7_flow_log`, { method: 'POST', headers: { 'content-type': ARROW }, body: bodies[i] });
        if (r.status !== 200) throw new Error(`ingest failed: ${r.status} ${await r.text()}`);
        await r.arrayBuffer();
      });
    }
    const rss = peakRssMiB(server.pid);
    await server.stop();

    const stored = { ours: await count(ch.url, 'metaflow_flow_log.l7_flow_log'), native: await count(ch.url, 'peer_native_flow_log.l7_flow_log'), tsv: await count(ch.url, 'peer_tsv_flow_log.l7_flow_log') };
    if (stored.ours !== rows + batchRows || stored.native !== rows || stored.tsv !== rows) throw new Error(`row counts differ: ${JSON.stringify(stored)}`);
    const ours = rows / oursSec;
    const peers = { Native: rows / nativeSec, TabSeparated: rows / tsvSec };
    const best = Math.max(...Object.values(peers));
    const ratio = ours / best;
    const markdown = [
      `${batches} batches × ${batchRows.toLocaleString('en-US')} rows, 40 columns (1k pods, 200 services, 50k endpoints), Arrow IPC ${(bodies[0]!.length / 1048576).toFixed(1)} MiB per batch; clickhouse-server on 127.0.0.1, one INSERT per batch on every path, the paths taking turns batch by batch; row counts checked after.`, '',
      table(['path', 'rows/s', 'seconds'], [
        ['MetaFlow: HTTP → decode → SmartEncode → Native → ClickHouse', ours, oursSec],
        ['ClickHouse INSERT … FORMAT Native, rows already encoded', peers.Native, nativeSec],
        ['ClickHouse INSERT … FORMAT TabSeparated, rows already encoded', peers.TabSeparated, tsvSec],
      ]), '',
      `**ratio ${ratio.toFixed(2)}** against the fastest peer (target ≥ 0.70). MetaFlow server peak RSS: **${rss.toFixed(0)} MiB**.`, '',
      `MetaFlow's own steps per ${batchRows.toLocaleString('en-US')}-row batch, timed in-process with warm dictionaries: Arrow IPC decode ${(steps.decode / batches).toFixed(0)} ms, `
        + `checks + SmartEncoding (ingester) ${(steps.encode / batches).toFixed(0)} ms, Arrow → Native block (adapter) ${(steps.native / batches).toFixed(0)} ms; `
        + `ClickHouse's own INSERT of the block took ${(nativeSec * 1000 / batches).toFixed(0)} ms.`,
    ].join('\n');
    return { rows, oursRowsPerSec: ours, peerRowsPerSec: peers, ratio, markdown };
  } finally {
    await ch.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
