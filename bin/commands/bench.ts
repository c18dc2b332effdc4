import { parseFlags, type Command } from '../command.ts';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks side by side with their peers and write benchmarks/RESULTS.md',
  usage: 'metaflow bench [--only NAME] [--rows N]',
  help: '  --only NAME   run one benchmark (ingest, ingest-clickhouse, ingest-postgres, ingest-influxdb, store-queries, encoding, encoding-clickhouse, querier, pgbench, promql)\n  --rows N      rows for the encoding benchmarks [10000000], ingest-postgres [200000], ingest-influxdb [50000], store-queries [100000]',
  async run(argv) {
    const { values } = parseFlags(argv, { only: { type: 'string' }, rows: { type: 'string' } });
    const { runBenchmarks } = await import('../../benchmarks/run.ts');
    return runBenchmarks({ only: values.only as string | undefined, rows: values.rows ? Number(values.rows) : undefined });
  },
};
