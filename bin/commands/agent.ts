import { createLogger, type Logger } from '../../lib/log.ts';
import { Agent } from '../../agent/agent.ts';
import { CaptureUnavailableError } from '../../agent/capture/source.ts';
import { createSource, SOURCE_NAMES, type SourceName } from '../../agent/sources.ts';
import { inClusterConfig } from '../../agent/tagging/k8s/client.ts';
import { parseFlags, UsageError, type Command } from '../command.ts';

export interface LocalAgentOptions {
  server: string;
  source: SourceName;
  pids?: number[];
  pcapFile?: string;
  interface?: string;
  captureBytes?: number;
  metricsPort?: number;
  cluster?: string;
  requestTimeoutMs?: number;
  log: Logger;
}

/**
 * Builds and starts an agent; a source that cannot run here throws CaptureUnavailableError
 * with the exact reason. Kubernetes tagging turns on by itself inside a cluster.
 */
export async function startAgent(o: LocalAgentOptions): Promise<Agent> {
  const source = createSource(o.source, { pids: o.pids, pcapFile: o.pcapFile, interface: o.interface, captureBytes: o.captureBytes });
  const kube = inClusterConfig();
  if (typeof kube === 'string') o.log.debug({ reason: kube }, 'Kubernetes tagging off');
  const agent = new Agent({
    source, server: o.server, log: o.log, metricsPort: o.metricsPort, requestTimeoutMs: o.requestTimeoutMs,
    k8s: typeof kube === 'string' ? undefined : { config: kube, cluster: o.cluster ?? process.env.METAFLOW_CLUSTER ?? 'kubernetes' },
  });
  try {
    await agent.start();
  } catch (e) {
    await agent.stop(0).catch(() => undefined);
    throw e;
  }
  return agent;
}

function intList(v: string, flag: string): number[] {
  const out = v.split(',').map((s) => Number(s.trim()));
  if (out.some((n) => !Number.isInteger(n) || n <= 0)) throw new UsageError(`${flag} takes positive integers separated by commas, got '${v}'`);
  return out;
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} takes a non-negative integer, got '${v}'`);
  return n;
}

export const agentCommand: Command = {
  name: 'agent',
  summary: 'capture this host\'s application traffic and ship request logs and RED metrics to a server',
  usage: 'metaflow agent --server http://HOST:20416 [--source ebpf|afpacket|pcap] [--pid PID,...] [--pcap FILE]',
  help: [
    'Flags:',
    '  --server URL          MetaFlow server to ship to [http://127.0.0.1:20416] (env: METAFLOW_SERVER)',
    '  --source NAME         ebpf (syscalls + TLS uprobes; root or CAP_BPF+CAP_PERFMON),',
    '                        afpacket (raw packets; CAP_NET_RAW), pcap (replay a file, then exit) [ebpf]',
    '  --pid PID,...         ebpf: trace only these processes (repeatable)',
    '  --pcap FILE           pcap: the capture file (pcap or pcapng)',
    '  --interface IF        afpacket: interface to capture on [lo]',
    '  --capture-bytes N     ebpf: payload bytes copied per syscall [1024]',
    '  --request-timeout MS  an unanswered request becomes a timeout row after this long [30000]',
    '  --metrics-port P      serve the agent\'s own health as Prometheus text on 127.0.0.1:P/metrics',
    '  --cluster NAME        Kubernetes cluster name for pod_cluster tags [kubernetes] (env: METAFLOW_CLUSTER)',
    '  --log-level LEVEL     debug, info, warn, error [info] (env: METAFLOW_LOG_LEVEL)',
    '',
    'When the chosen source cannot run here the agent says exactly why and exits 1.',
    'Inside Kubernetes (service account mounted) pods, services, nodes and labels are tagged too.',
  ].join('\n'),
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      server: { type: 'string' }, source: { type: 'string' }, pid: { type: 'string', multiple: true }, pcap: { type: 'string' },
      interface: { type: 'string' }, 'capture-bytes': { type: 'string' }, 'request-timeout': { type: 'string' },
      'metrics-port': { type: 'string' }, cluster: { type: 'string' }, 'log-level': { type: 'string' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const source = (values.source as string | undefined) ?? (values.pcap ? 'pcap' : 'ebpf');
    if (!SOURCE_NAMES.includes(source as SourceName)) throw new UsageError(`--source must be one of ${SOURCE_NAMES.join(', ')}, got '${source}'`);
    const pidFlags = (values.pid as unknown as string[] | undefined) ?? [];
    const pids = pidFlags.flatMap((p) => intList(p, '--pid'));
    if (pids.length > 0 && source !== 'ebpf') throw new UsageError('--pid needs the ebpf source (packets carry no process)');
    const server = (values.server as string | undefined) ?? process.env.METAFLOW_SERVER ?? 'http://127.0.0.1:20416';
    if (!/^https?:\/\/[^/]+/.test(server)) throw new UsageError(`--server must be an http(s) URL, got '${server}'`);
    const log = createLogger((values['log-level'] as string | undefined) ?? process.env.METAFLOW_LOG_LEVEL ?? 'info', 'metaflow-agent');
    let agent: Agent;
    try {
      agent = await startAgent({
        server, source: source as SourceName, pids: pids.length ? pids : undefined, pcapFile: values.pcap as string | undefined,
        interface: values.interface as string | undefined, captureBytes: positiveInt(values['capture-bytes'] as string | undefined, '--capture-bytes'),
        requestTimeoutMs: positiveInt(values['request-timeout'] as string | undefined, '--request-timeout'),
        metricsPort: positiveInt(values['metrics-port'] as string | undefined, '--metrics-port'), cluster: values.cluster as string | undefined, log,
      });
    } catch (e) {
      if (e instanceof CaptureUnavailableError) {
        process.stderr.write(`metaflow agent: ${e.message}\n`);
        log.flush();
        return 1;
      }
      throw e;
    }
    const where = agent.metricsPort !== undefined ? `, health on http://127.0.0.1:${agent.metricsPort}/metrics` : '';
    process.stderr.write(`metaflow agent: capturing with ${source}, shipping to ${server}${where}\n`);
    if (source === 'pcap') {
      await agent.done;
    } else {
      await new Promise<void>((resolve) => { process.once('SIGINT', resolve); process.once('SIGTERM', resolve); });
    }
    const h = await agent.stop();
    process.stderr.write(`metaflow agent: ${h.events} events, ${h.l7Rows} l7 rows, ${h.sentRows} rows sent, ${h.droppedRows} dropped, ${h.rejectedRows} rejected, ${h.captureDrops} capture drops, peak RSS ${(h.peakRssBytes / 2 ** 20).toFixed(0)} MiB\n`);
    log.flush();
    return h.droppedRows + h.rejectedRows > 0 ? 1 : 0;
  },
};
