import { serverCommand, serveUntilSignal } from './server.ts';
import type { Command } from '../command.ts';

export const startCommand: Command = {
  name: 'start',
  summary: 'run the server on the embedded store and say how to connect (what `npm start` runs)',
  usage: 'metaflow start [server flags]',
  help: serverCommand.help,
  run: (argv) => serveUntilSignal(argv, (_log, { httpPort, pgPort }) => {
    const base = `http://127.0.0.1:${httpPort}`;
    process.stdout.write([
      `MetaFlow is running.`,
      `  SQL:     psql -h 127.0.0.1 -p ${pgPort} -d flow_log   (or POST ${base}/v1/query {"sql": "..."})`,
      `  health:  curl ${base}/v1/health`,
      `  status:  ./bin/metaflow status --server ${base}`,
      `  ingest:  curl -X POST -H 'content-type: application/vnd.apache.arrow.stream' --data-binary @batch.arrows ${base}/v1/ingest/flow_log.l7_flow_log`,
      `  PromQL:  Grafana Prometheus data source ${base}  (remote_write: ${base}/api/v1/write)`,
      `  agent:   not started (the eBPF agent is not part of this build yet)`,
      `Stop with Ctrl-C.`, '',
    ].join('\n'));
  }),
};
