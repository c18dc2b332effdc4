/**
 * `npm run bench`: runs each benchmark (us and the peer side by side, same run) and writes
 * its section of benchmarks/RESULTS.md, keeping the sections of benchmarks not run.
 */
import { benchIngest } from './ingest.ts';
import { benchEncoding } from './encoding.ts';
import { benchEncodingClickHouse } from './encoding-clickhouse.ts';
import { benchQuerier } from './querier-overhead.ts';
import { benchPromql } from './promql.ts';
import { benchIngestClickHouse } from './store-ingest-clickhouse.ts';
import { benchPgbench } from './pgbench.ts';
import { benchIngestPostgres } from './store-ingest-postgres.ts';
import { benchIngestInfluxDB } from './store-ingest-influxdb.ts';
import { benchStoreQueries } from './store-queries.ts';
import { machine, progress, writeResultsSection } from './util.ts';

interface Bench { name: string; title: string; run(opts: { rows?: number }): Promise<{ markdown: string }> }

const BENCHES: Bench[] = [
  { name: 'ingest', title: 'Ingest throughput: MetaFlow HTTP ingest vs DuckDB appender', run: () => benchIngest() },
  { name: 'ingest-clickhouse', title: 'Ingest on ClickHouse: MetaFlow vs INSERT … FORMAT over HTTP', run: () => benchIngestClickHouse() },
  { name: 'ingest-postgres', title: 'Ingest on PostgreSQL: MetaFlow vs COPY', run: (o) => benchIngestPostgres({ rows: o.rows }) },
  { name: 'ingest-influxdb', title: 'Ingest on InfluxDB: MetaFlow vs line protocol /write', run: (o) => benchIngestInfluxDB({ rows: o.rows }) },
  { name: 'store-queries', title: 'Dashboard queries per store: MetaFlow SQL vs the native query', run: (o) => benchStoreQueries({ rows: o.rows }) },
  { name: 'encoding', title: 'SmartEncoding: bytes on disk, IDs vs plain strings', run: (o) => benchEncoding({ rows: o.rows }) },
  { name: 'encoding-clickhouse', title: 'SmartEncoding on ClickHouse: compressed bytes, IDs vs plain strings', run: (o) => benchEncodingClickHouse({ rows: o.rows }) },
  { name: 'querier', title: 'Querier overhead: PG wire vs compiled SQL on DuckDB; tag decoding', run: (o) => benchQuerier({ rows: o.rows }) },
  { name: 'pgbench', title: 'PostgreSQL wire under load: pgbench against MetaFlow and PostgreSQL 15', run: () => benchPgbench() },
  { name: 'promql', title: 'PromQL range queries: MetaFlow vs Prometheus 2.42', run: () => benchPromql() },
];

export async function runBenchmarks(opts: { only?: string; rows?: number }): Promise<number> {
  const chosen = BENCHES.filter((b) => !opts.only || b.name === opts.only);
  if (chosen.length === 0) {
    process.stderr.write(`unknown benchmark '${opts.only}'; known: ${BENCHES.map((b) => b.name).join(', ')}\n`);
    return 2;
  }
  for (const b of chosen) {
    progress(`${b.name}: ${b.title}`);
    const started = new Date().toISOString();
    const env = machine();
    const r = await b.run({ rows: opts.rows });
    const body = `## ${b.title}\n\n_Run ${started} on ${env}._\n\n${r.markdown}\n`;
    process.stdout.write(body + '\n');
    writeResultsSection(b.name, body);
  }
  return 0;
}
