/**
 * Querier benchmarks, each side by side in one run:
 * (a) dashboard queries through MetaFlow's PostgreSQL wire server (node-postgres client) vs the
 *     fragments our compiler produced run straight on the DuckDB adapter: p50/p99 added
 *     latency and the ratio;
 * (c) decoding tag IDs to names in the residual executor: rows/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, tableToIPC } from 'apache-arrow';
import pg from 'pg';
import pino from 'pino';
import { DuckDBAdapter } from '../storage-adapters/duckdb/duckdb-adapter.ts';
import { TABLES, DICTIONARY_TABLES } from '../schema/index.ts';
import { Ingester } from '../ingester/ingester.ts';
import { QueryEngine } from '../querier/engine.ts';
import { createPgHandler } from '../querier/pg-handler.ts';
import { createPgServer } from '../querier/pgwire/server.ts';
import { execute } from '../querier/exec/executor.ts';
import { tagLookup } from '../querier/tags/dictionaries.ts';
import type { Plan } from '../querier/sql/plan.ts';
import type { PlanFragment, StorageAdapter } from '../storage-adapters/adapter.ts';
import { generateL7Batch } from '../lib/testing/l7-data.ts';
import { progress, table } from './util.ts';

const DASHBOARD = [
  ['simple aggregate', 'SELECT count(*) FROM flow_log.l7_flow_log'],
  ['per protocol', 'SELECT l7_protocol, count(*), avg(response_duration) FROM flow_log.l7_flow_log GROUP BY 1 ORDER BY 1'],
  ['per minute', "SELECT date_trunc('minute', time) AS t, count(*) FROM flow_log.l7_flow_log GROUP BY 1 ORDER BY 1"],
  ['top 10 services', 'SELECT pod_service_1, count(*) AS n FROM flow_log.l7_flow_log GROUP BY 1 ORDER BY n DESC LIMIT 10'],
  ['latest 100 calls', 'SELECT time, pod_1, endpoint, response_duration FROM flow_log.l7_flow_log ORDER BY time DESC LIMIT 100'],
] as const;

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
};

function remotes(p: Plan): PlanFragment[] {
  if (p.kind === 'remote') return [p.fragment];
  if (p.kind === 'scan') return [{ table: p.table, columns: p.columns, filters: [] }];
  const kids = 'input' in p ? [p.input] : p.kind === 'union' ? p.inputs : p.kind === 'join' ? [p.left, p.right] : [];
  return kids.flatMap(remotes);
}

async function direct(adapter: StorageAdapter, fragments: PlanFragment[]): Promise<void> {
  for (const f of fragments) for await (const _b of adapter.execute(f)) { /* drain */ }
}

export async function decodeRate(rows: number): Promise<number> {
  const names = new Map([['r:pod', new Map(Array.from({ length: 1000 }, (_, i) => [i + 1, `pod-${i + 1}`] as [number, string]))]]);
  const values: Plan = { kind: 'values', columns: [{ name: 'pod_id_1', type: 'int' }], rows: Array.from({ length: rows }, (_, i) => [(i % 1000) + 1]) };
  const plan: Plan = { kind: 'project', input: values, columns: [{ name: 'pod_1', expr: { kind: 'tag', tag: { kind: 'resource', resource: 'pod' }, arg: { kind: 'column', name: 'pod_id_1', type: 'int' }, type: 'text' } }] };
  const started = process.hrtime.bigint();
  const out = await execute(plan, { adapter: undefined as never, tags: tagLookup(names), checkpoint: () => undefined });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (out.length !== rows || out[0]![0] !== 'pod-1') throw new Error('decode benchmark produced wrong rows');
  return rows / seconds;
}

export async function benchQuerier(opts: { rows?: number; iterations?: number } = {}): Promise<{ markdown: string }> {
  const rows = opts.rows ?? 200_000;
  const iterations = opts.iterations ?? 40;
  const dir = mkdtempSync(join(tmpdir(), 'metaflow-bench-querier-'));
  const adapter = new DuckDBAdapter(dir);
  const server = createPgServer({ handler: createPgHandler(new QueryEngine({ adapter })), log: pino({ level: 'warn' }) });
  let client: pg.Client | undefined;
  try {
    await adapter.open(TABLES, DICTIONARY_TABLES);
    const ingester = new Ingester(adapter, pino({ level: 'warn' }));
    await ingester.start();
    progress(`querier: loading ${rows} rows`);
    for (let done = 0; done < rows; done += 50_000) {
      const batch = generateL7Batch({ rows: Math.min(50_000, rows - done), seed: done + 1, startUs: 1_700_000_000_000_000n + BigInt(done) * 10_000n });
      await ingester.ingestArrow('flow_log.l7_flow_log', tableToIPC(new Table(batch), 'stream'));
    }
    const port = (await server.listen(0, '127.0.0.1')).port;
    client = new pg.Client({ host: '127.0.0.1', port, user: 'bench', database: 'flow_log' });
    await client.connect();
    const engine = new QueryEngine({ adapter });
    const lines: Array<Array<string | number>> = [];
    for (const [name, sql] of DASHBOARD) {
      const fragments = remotes(await engine.explain(sql));
      const wire: number[] = [], straight: number[] = [];
      for (let i = 0; i < iterations + 5; i++) {
        let t = process.hrtime.bigint();
        await client.query(sql);
        const w = Number(process.hrtime.bigint() - t) / 1e6;
        t = process.hrtime.bigint();
        await direct(adapter, fragments);
        const d = Number(process.hrtime.bigint() - t) / 1e6;
        if (i >= 5) { wire.push(w); straight.push(d); }
      }
      const added = (p: number): number => percentile(wire, p) - percentile(straight, p);
      lines.push([name, percentile(straight, 0.5), percentile(wire, 0.5), added(0.5), added(0.99), percentile(wire, 0.5) / percentile(straight, 0.5)]);
      progress(`querier: ${name} done`);
    }
    const decode = await decodeRate(1_000_000);
    const simple = lines[0]!;
    return {
      markdown: [
        `${rows.toLocaleString('en-US')} l7_flow_log rows on the embedded DuckDB store; ${iterations} timed runs per query after 5 warm-ups, wire and direct interleaved.`,
        '',
        table(['query', 'DuckDB direct p50 (ms)', 'PG wire p50 (ms)', 'added p50 (ms)', 'added p99 (ms)', 'ratio'], lines),
        '',
        `**simple aggregate: +${Number(simple[3]).toFixed(2)} ms at p50** (target ≤ 1 ms).`,
        '',
        `Tag decoding (ID → name through the dictionary, residual executor): **${Math.round(decode).toLocaleString('en-US')} rows/s** (1,000,000 rows, 1,000 names).`,
      ].join('\n'),
    };
  } finally {
    await client?.end().catch(() => undefined);
    await server.close();
    await adapter.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
