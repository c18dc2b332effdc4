import { serverCommand, serveUntilSignal } from './server.ts';
import { startAgent } from './agent.ts';
import { CaptureUnavailableError } from '../../agent/capture/source.ts';
import type { Agent } from '../../agent/agent.ts';
import type { Logger } from '../../lib/log.ts';
import type { Command } from '../command.ts';

/**
 * The agent beside the server in this process, with the first source this host allows
 * (eBPF, else AF_PACKET); the reason when none does. METAFLOW_AGENT=off leaves it out.
 */
async function localAgent(log: Logger, base: string): Promise<{ agent?: Agent; line: string }> {
  if (/^(off|false|0|no)$/i.test(process.env.METAFLOW_AGENT ?? '')) return { line: 'not started (METAFLOW_AGENT=off)' };
  const reasons: string[] = [];
  for (const source of ['ebpf', 'afpacket'] as const) {
    try {
      const agent = await startAgent({ server: base, source, log: log.child({ name: 'metaflow-agent' }) });
      return { agent, line: `capturing this host's traffic with ${source}${reasons.length ? ` (${reasons[0]})` : ''}` };
    } catch (e) {
      if (!(e instanceof CaptureUnavailableError)) throw e;
      reasons.push(e.message);
    }
  }
  return { line: `not started: ${reasons.join('; ')}` };
}

export const startCommand: Command = {
  name: 'start',
  summary: 'run the server on the embedded store, plus the agent where privileges allow, and say how to connect (what `npm start` runs)',
  usage: 'metaflow start [server flags]',
  help: `${serverCommand.help}\n\nThe agent runs in the same process when eBPF (or AF_PACKET) capture is allowed here;\nMETAFLOW_AGENT=off leaves it out.`,
  run: (argv) => serveUntilSignal(argv, async (log, { httpPort, pgPort }) => {
    const base = `http://127.0.0.1:${httpPort}`;
    const { agent, line } = await localAgent(log, base);
    process.stdout.write([
      `MetaFlow is running.`,
      `  SQL:     psql -h 127.0.0.1 -p ${pgPort} -d flow_log   (or POST ${base}/v1/query {"sql": "..."})`,
      `  health:  curl ${base}/v1/health`,
      `  status:  ./bin/metaflow status --server ${base}`,
      `  ingest:  curl -X POST -H 'content-type: application/vnd.apache.arrow.stream' --data-binary @batch.arrows ${base}/v1/ingest/flow_log.l7_flow_log`,
      `  PromQL:  Grafana Prometheus data source ${base}  (remote_write: ${base}/api/v1/write)`,
      `  agent:   ${line}`,
      `Stop with Ctrl-C.`, '',
    ].join('\n'));
    return agent ? async () => { await agent.stop(); } : undefined;
  }),
};
