/**
 * The processes already forked by the ones given: the kernel follows forks made after the pid
 * allowlist is set (native/bpf/fork_follow.bpf.h), this finds those made before it, such as
 * the PostgreSQL backends of connections a pool opened before the agent started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Parent pid from /proc/<pid>/stat (field 4); comm may hold spaces and ')', so read after the last ')'. */
export function parseStatParent(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

/** Live descendants of `roots` (not the roots), read from `procRoot` in one pass. */
export function descendants(roots: readonly number[], procRoot = '/proc'): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync(procRoot)) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try { stat = readFileSync(join(procRoot, name, 'stat'), 'latin1'); } catch { continue; } // exited meanwhile
    const ppid = parseStatParent(stat);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(Number(name));
    else children.set(ppid, [Number(name)]);
  }
  const seen = new Set(roots);
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    for (const child of children.get(queue.pop()!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}
