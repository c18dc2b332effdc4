/**
 * AutoTagging: the resources of one side of a call, from what the agent knows about it.
 * - pid (eBPF sources know the socket owner) → host, gprocess (/proc), container → pod;
 * - an IP of this host → host;
 * - in Kubernetes: pod IP → pod, namespace, node, workload, service; service cluster IP →
 *   service; node IP → node.
 * The container match is tried before the IP because pods with hostNetwork share the node IP.
 */
import { hostname, networkInterfaces } from 'node:os';
import type { L7FlowLog } from '../l7-record.ts';
import type { TaggedL7 } from '../aggregate/application.ts';
import type { K8sIndex } from './k8s/index.ts';
import { gprocessName, ProcReader, type ProcessInfo } from './proc.ts';
import { NO_TAGS, type ResourceTags } from './resource-tags.ts';

export interface AutoTaggerOptions {
  hostname?: string;
  /** Addresses of this host; default from os.networkInterfaces(). */
  localIps?: Iterable<string>;
  proc?: ProcReader;
  /** Current Kubernetes index (a getter, so refreshes are seen). */
  k8s?: () => K8sIndex | undefined;
}

export function localAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) out.push(a.address);
  return out;
}

export class AutoTagger {
  readonly host: string;
  private readonly local: Set<string>;
  private readonly proc: ProcReader;
  private readonly byIp = new Map<string, ResourceTags>();
  /** pid → the tags side() last built for it, with what they were built from. */
  private readonly byPid = new Map<number, { ipTags: ResourceTags; proc: ProcessInfo; inPod: ResourceTags | undefined; tags: ResourceTags }>();
  private lastIndex: K8sIndex | undefined;
  private readonly exitedByPid = new Map<number, ProcessInfo>();

  constructor(private readonly options: AutoTaggerOptions = {}) {
    this.host = options.hostname ?? hostname();
    this.local = new Set(options.localIps ?? localAddresses());
    this.proc = options.proc ?? new ProcReader();
  }

  /**
   * Tags of one side: its IP and, when known, the pid of the process owning the socket.
   * The same inputs give the same object (so aggregation keys are computed once per object,
   * see tagsKey) instead of a new one per row.
   */
  side(ip: string, pid: number, comm = ''): ResourceTags {
    const ipTags = this.ipTags(ip);
    if (!(pid > 0)) return ipTags;
    const p = this.proc.get(pid) ?? (comm ? this.exited(pid, comm) : undefined);
    if (!p) return ipTags;
    const inPod = p.containerId ? this.options.k8s?.()?.byContainerId.get(p.containerId) : undefined;
    const known = this.byPid.get(pid);
    if (known && known.ipTags === ipTags && known.proc === p && known.inPod === inPod) return known.tags;
    // In a pod the node's name is the host; outside one, this machine's hostname.
    const tags = { ...ipTags, host: this.host, ...inPod, gprocess: gprocessName(p) };
    if (this.byPid.size > 100_000) this.byPid.clear();
    this.byPid.set(pid, { ipTags, proc: p, inPod, tags });
    return tags;
  }

  /** Both sides of an l7 row. */
  l7(row: L7FlowLog): TaggedL7 {
    return { row, client: this.side(row.ip_0, row.process_id_0, row.process_kname_0), server: this.side(row.ip_1, row.process_id_1, row.process_kname_1) };
  }

  /**
   * A process gone before its rows were tagged (curl, a forked backend that answered once):
   * the kernel's comm from the capture still names it, as /proc would have (comm[pid]).
   */
  private exited(pid: number, comm: string): ProcessInfo {
    const known = this.exitedByPid.get(pid);
    if (known?.comm === comm) return known;
    if (this.exitedByPid.size > 10_000) this.exitedByPid.clear();
    const info: ProcessInfo = { pid, comm, cmdline: [], startTicks: 0 };
    this.exitedByPid.set(pid, info);
    return info;
  }

  private ipTags(ip: string): ResourceTags {
    const index = this.options.k8s?.();
    if (index !== this.lastIndex) { this.byIp.clear(); this.lastIndex = index; }
    let t = this.byIp.get(ip);
    if (t) return t;
    t = index?.byPodIp.get(ip) ?? index?.byServiceIp.get(ip) ?? index?.byNodeIp.get(ip)
      ?? (this.local.has(ip) || ip.startsWith('127.') || ip === '::1' ? { host: this.host } : NO_TAGS);
    if (this.byIp.size > 100_000) this.byIp.clear();
    this.byIp.set(ip, t);
    return t;
  }
}
