/**
 * Ingest on InfluxDB: the same l7_flow_log rows (a) POSTed as Arrow to a `metaflow server
 * --storage influxdb://…` process (HTTP → decode → checks → SmartEncoding → line protocol →
 * InfluxDB, acknowledged after InfluxDB stored it) versus (b) what a user without MetaFlow
 * does: line protocol POSTs to /write of the same rows, names as plain strings, the names
 * InfluxDB tags and the rest fields, µs precision, bodies built outside the clock. Both send
 * InfluxDB's advised 5 000 points per request, one request after the other. The paths take
 * turns batch by batch. One influxd 1.x on 127.0.0.1 started by lib/testing/influxdb.ts.
 */
import { rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { generateL7Batch, topology } from '../lib/testing/l7-data.ts';
import { ipc } from '../lib/testing/server.ts';
import { startInfluxd } from '../lib/testing/influxdb.ts';
import { POINTS_PER_REQUEST } from '../storage-adapters/influxdb/influxdb-adapter.ts';
import { plainColumns, type PlainColumn } from './plain-rows.ts';
import { peakRssMiB, progress, startServerProcess, table, alternate, postIngest } from './util.ts';

/** Tag keys and values escape commas, equals signs and spaces; string fields quotes and backslashes. */
const escapeKey = (s: string): string => s.replace(/[,= ]/g, (c) => `\\${c}`);
const quoteField = (s: string): string => `"${s.replace(/["\\]/g, (c) => `\\${c}`)}"`;

function fieldText(col: PlainColumn, v: string | number | bigint | boolean): string {
  switch (col.kind) {
    case 'string': return quoteField(v as string);
    case 'float': return String(v);
    case 'bool': return v ? 'true' : 'false';
    default: return `${v}i`;
  }
}

/** The batch as line-protocol bodies of POINTS_PER_REQUEST points each; `time` is the point's time. */
function lineProtocol(cols: PlainColumn[], rows: number): string[] {
  const tags = cols.filter((c) => c.tagLike).sort((a, b) => (a.name < b.name ? -1 : 1)); // sorted keys: InfluxDB's fast path
  const fields = cols.filter((c) => !c.tagLike && c.name !== 'time');
  const time = cols.find((c) => c.name === 'time')!;
  const bodies: string[] = [];
  let lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    let line = 'l7_flow_log';
    for (const t of tags) {
      const v = t.values(i) as string | null;
      if (v) line += `,${t.name}=${escapeKey(v)}`; // an empty tag value is no tag
    }
    const fv: string[] = [];
    for (const f of fields) {
      const v = f.values(i);
      if (v !== null) fv.push(`${f.name}=${fieldText(f, v)}`);
    }
    lines.push(`${line} ${fv.join(',')} ${time.values(i)}`);
    if (lines.length === POINTS_PER_REQUEST) { bodies.push(lines.join('\n')); lines = []; }
  }
  if (lines.length) bodies.push(lines.join('\n'));
  return bodies;
}

async function influx(base: string, path: string, params: Record<string, string>, body?: string): Promise<string> {
  const r = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { method: 'POST', body });
  const text = await r.text();
  if (r.status >= 300) throw new Error(`InfluxDB ${path} ${r.status}: ${text.slice(0, 300)}`);
  return text;
}

async function countOf(base: string, db: string, q: string): Promise<number> {
  const j = JSON.parse(await influx(base, '/query', { db, q })) as { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
  return Number(j.results[0]?.series?.[0]?.values[0]?.[1] ?? 0);
}

/** `rows` (default 50k) is rounded up to whole batches of `batchRows` (default 10k). */
export async function benchIngestInfluxDB(opts: { rows?: number; batchRows?: number } = {}): Promise<{ markdown: string; ratio: number }> {
  const batchRows = opts.batchRows ?? 10_000;
  const batches = Math.max(1, Math.ceil((opts.rows ?? 50_000) / batchRows));
  const rows = batches * batchRows;
  const work = join(tmpdir(), `metaflow-bench-influx-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const influxd = await startInfluxd();
  try {
    const topo = topology();
    progress(`generating ${batches} batches of ${batchRows} rows`);
    const start = (i: number) => 1_700_000_000_000_000n + BigInt(i * batchRows) * 1000n;
    const bodies = Array.from({ length: batches }, (_, i) => ipc(generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: start(i) })));
    const lp = Array.from({ length: batches }, (_, i) => {
      const b = generateL7Batch({ rows: batchRows, seed: i + 1, topo, startUs: start(i) });
      return lineProtocol(plainColumns(b), b.numRows);
    });
    await influx(influxd.base, '/query', { q: 'CREATE DATABASE peer' });

    const mf = await startServerProcess(['--data-dir', join(work, 'server'), '--storage', `influxdb://127.0.0.1:${new URL(influxd.base).port}/metaflow`]);
    try {
      const post = (body: Uint8Array) => postIngest(mf.base, body);
      // One warm-up batch outside the clock fills the dictionaries, as a long-running server has.
      await post(bodies[0]!);
      progress('MetaFlow and line protocol /write, batch by batch in turn');
      const { peerSec, oursSec } = await alternate(batches,
        async (i) => { for (const body of lp[i]!) await influx(influxd.base, '/write', { db: 'peer', precision: 'u' }, body); },
        (i) => post(bodies[i]!));
      const rss = peakRssMiB(mf.pid);
      await mf.stop();

      const stored = await countOf(influxd.base, 'metaflow', 'SELECT count("_row") FROM "flow_log.l7_flow_log"');
      const written = await countOf(influxd.base, 'peer', 'SELECT count("response_code") FROM l7_flow_log');
      if (stored !== rows + batchRows || written !== rows) throw new Error(`row counts differ: MetaFlow ${stored}, line protocol ${written}`);
      const oursRate = rows / oursSec;
      const peerRate = rows / peerSec;
      const ratio = oursRate / peerRate;
      const mib = (s: string[]) => s.reduce((n, b) => n + Buffer.byteLength(b), 0) / 1048576;
      const markdown = [
        `${batches} batches × ${batchRows.toLocaleString('en-US')} rows, 40 columns (1k pods, 200 services, 50k endpoints), Arrow IPC ${(bodies[0]!.length / 1048576).toFixed(1)} MiB / line protocol ${mib(lp[0]!).toFixed(1)} MiB per batch; influxd 1.x on 127.0.0.1, ${POINTS_PER_REQUEST.toLocaleString('en-US')} points per /write on both paths, the paths taking turns batch by batch; point counts checked after.`, '',
        table(['path', 'rows/s', 'seconds'], [
          ['MetaFlow: HTTP → decode → SmartEncode → line protocol → InfluxDB', oursRate, oursSec],
          ['InfluxDB /write line protocol, names as plain-string tags, bodies built beforehand', peerRate, peerSec],
        ]), '',
        `**ratio ${ratio.toFixed(2)}** (target ≥ 0.70). MetaFlow server peak RSS: **${rss.toFixed(0)} MiB**.`,
      ].join('\n');
      return { markdown, ratio };
    } finally {
      if (mf.proc.exitCode === null) await mf.stop();
    }
  } finally {
    await influxd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
