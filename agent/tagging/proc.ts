/**
 * What /proc says about a process: its name (comm), command line, start time and container.
 * The start time tells a process from a later one that got the same pid, so cached answers
 * are checked against it. A process that is gone answers undefined (short-lived processes
 * often exit before their rows are tagged).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ProcessInfo {
  pid: number;
  comm: string;
  cmdline: string[];
  /** Clock ticks after boot (field 22 of /proc/<pid>/stat). */
  startTicks: number;
  /** 64-hex container id from the cgroup path, when the process runs in a container. */
  containerId?: string;
}

function read(path: string): string | undefined {
  try { return readFileSync(path, 'latin1'); } catch { return undefined; }
}

/** Start time from /proc/<pid>/stat; comm may hold spaces and parentheses, so split after the last ')'. */
export function parseStatStartTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state); starttime is field 22.
  const v = Number(fields[22 - 3]);
  return Number.isFinite(v) ? v : undefined;
}

/**
 * Container id from /proc/<pid>/cgroup lines, for the layouts of Docker, containerd, CRI-O
 * and the kubelet (cgroup v1 and v2, cgroupfs and systemd drivers), e.g.
 * `0::/system.slice/docker-<id>.scope`, `12:pids:/kubepods/besteffort/pod<uid>/<id>`,
 * `0::/kubepods.slice/.../cri-containerd-<id>.scope`, `0::/.../crio-<id>.scope`.
 */
export function containerIdFromCgroup(cgroup: string): string | undefined {
  for (const line of cgroup.split('\n')) {
    const path = line.slice(line.indexOf(':', line.indexOf(':') + 1) + 1);
    const m = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/.exec(path);
    if (m) return m[1];
  }
  return undefined;
}

export class ProcReader {
  private readonly cache = new Map<number, ProcessInfo>();
  /** When each cached pid was last checked against /proc (ms). */
  private readonly checkedAt = new Map<number, number>();

  /**
   * `recheckMs`: how long a cached answer is trusted before the start time is read again
   * (every row asks; reading /proc for each would cost more than the parsing).
   */
  constructor(private readonly root = '/proc', private readonly maxEntries = 10_000, private readonly recheckMs = 5000) {}

  get(pid: number): ProcessInfo | undefined {
    if (!(pid > 0)) return undefined;
    const now = Date.now();
    const hit = this.cache.get(pid);
    if (hit && now - this.checkedAt.get(pid)! < this.recheckMs) return hit;
    const info = this.read(pid);
    if (info) this.checkedAt.set(pid, now); else this.checkedAt.delete(pid);
    return info;
  }

  private read(pid: number): ProcessInfo | undefined {
    const dir = join(this.root, String(pid));
    const stat = read(join(dir, 'stat'));
    if (stat === undefined) { this.cache.delete(pid); return undefined; }
    const startTicks = parseStatStartTicks(stat) ?? 0;
    const cached = this.cache.get(pid);
    if (cached && cached.startTicks === startTicks) return cached;
    const comm = (read(join(dir, 'comm')) ?? stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))).trim();
    const cmdline = (read(join(dir, 'cmdline')) ?? '').split('\0').filter((s) => s !== '');
    const cgroup = read(join(dir, 'cgroup'));
    const info: ProcessInfo = { pid, comm, cmdline, startTicks, containerId: cgroup ? containerIdFromCgroup(cgroup) : undefined };
    if (this.cache.size >= this.maxEntries) { this.cache.clear(); this.checkedAt.clear(); }
    this.cache.set(pid, info);
    return info;
  }
}

/**
 * The gprocess name: the process name and pid, readable in a query result and distinct for
 * two workers of one program (the dictionary keys it inside its host).
 */
export function gprocessName(p: ProcessInfo): string {
  return `${p.comm}[${p.pid}]`;
}
