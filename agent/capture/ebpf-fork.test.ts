// Fork following in the kernel (native/bpf/fork_follow.bpf.h): with a pid allowlist, processes
// forked by an allowed process are traced too, threads are not added as processes, and entries
// leave the allowlist when their process exits; those forked before the list was set are found
// in /proc; a socket handed to a child stays open when the parent closes its copy. Needs root and the eBPF toolchain.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { CaptureEvent, ConnectionEvent, PayloadEvent } from './source.ts';
import { EbpfSource } from './ebpf.ts';
import { nativeUnavailableReason, requireNative, runTraffic, waitFor, type Child } from './testing/native-env.ts';

const skip = nativeUnavailableReason() !== null && process.env.CI !== 'true' ? nativeUnavailableReason()! : false;

/**
 * The keys of the tracer's `pid_allow` map, read with bpftool. Other tracers may be loaded on
 * the host (parallel tests): ours is the one holding this test process's pid.
 */
function allowlist(): number[] {
  const show = spawnSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' });
  assert.equal(show.status, 0, show.stderr);
  const maps = (JSON.parse(show.stdout) as { id: number; name: string }[]).filter((m) => m.name === 'pid_allow');
  for (const m of maps) {
    const dump = spawnSync('bpftool', ['-j', 'map', 'dump', 'id', String(m.id)], { encoding: 'utf8' });
    if (dump.status !== 0) continue; // freed since it was listed
    const keys = (JSON.parse(dump.stdout) as { formatted: { key: number } }[]).map((e) => e.formatted.key);
    if (keys.includes(process.pid)) return keys.sort((a, b) => a - b);
  }
  assert.fail('no pid_allow map holds this process');
}

/** Reads the {childPid} lines a chain of `spawn` modes prints, outermost first. */
async function chainPids(root: Child, depth: number): Promise<number[]> {
  const pids = [root.pid];
  for (let i = 0; i < depth; i++) pids.push((await root.next()).childPid as number);
  return pids;
}

describe('ebpf fork following', { skip }, () => {
  const events: CaptureEvent[] = [];
  let source: EbpfSource | undefined;
  before(async (t) => {
    if (!requireNative(t as never)) return;
    // The agent's own pid alone: filtering on, nothing traced (the agent never is).
    source = new EbpfSource({ captureBytes: 64, pids: [process.pid], sslBinaries: [] });
    await source.start((b) => events.push(...b));
  });
  after(async () => { await source?.stop(); });

  test('children and grandchildren of an allowed process are traced, other processes and threads are not', async () => {
    // followed → child → grandchild (tcp exchange); unlisted → child (tcp exchange)
    const followed = runTraffic('spawn', 'spawn', 'tcp', '500', '300');
    const unlisted = runTraffic('spawn', 'tcp', '500', '300');
    source!.setPids([process.pid, followed.pid]);
    try {
      const tree = await chainPids(followed, 2);
      const other = await chainPids(unlisted, 1);
      // Every process of the followed tree has booted node (several threads each) by now.
      assert.deepEqual(allowlist(), [process.pid, ...tree].sort((a, b) => a - b), 'processes only, no thread ids');

      followed.proc.stdin!.write('go\n');
      unlisted.proc.stdin!.write('go\n');
      const [done, otherDone] = await Promise.all([followed.next(), unlisted.next()]);
      assert.equal(done.received, 300);
      assert.equal(otherDone.received, 300);
      const grandchild = tree[2]!;
      const payloads = (pid: number) => events.filter((e): e is PayloadEvent => e.kind === 'payload' && e.pid === pid);
      const egress = () => payloads(grandchild).filter((e) => e.direction === 'egress').reduce((n, e) => n + e.byteCount, 0);
      await waitFor('the grandchild\'s 800 bytes sent', () => (egress() === 800 ? true : undefined));
      assert.ok(payloads(grandchild).some((e) => Buffer.from(e.data).toString('latin1').startsWith('PING') && e.tuple.dstPort === done.serverPort));
      assert.deepEqual(events.filter((e) => other.includes(e.pid)), [], 'nothing from the unlisted tree');

      await Promise.all([followed.exited(), unlisted.exited()]);
      await waitFor('exited processes leave the allowlist', () => {
        const left = allowlist();
        return left.length === 1 ? left : undefined;
      });
      assert.deepEqual(allowlist(), [process.pid]);
    } finally {
      followed.kill();
      unlisted.kill();
    }
  });

  test('processes forked before the allowlist was set are found in /proc', async () => {
    const followed = runTraffic('spawn', 'spawn', 'tcp', '200', '100');
    try {
      const tree = await chainPids(followed, 2); // the whole tree exists before the list is set
      source!.setPids([process.pid, followed.pid]);
      assert.deepEqual(allowlist(), [process.pid, ...tree].sort((a, b) => a - b));
      followed.proc.stdin!.write('go\n');
      assert.equal((await followed.next()).received, 100);
      await waitFor('the grandchild\'s traffic', () => (events.some((e) => e.kind === 'payload' && e.pid === tree[2]) ? true : undefined));
    } finally {
      followed.kill();
    }
  });

  test('a socket handed to a child: the parent\'s close is not the connection\'s end', async () => {
    const server = runTraffic('handoff');
    source!.setPids([process.pid, server.pid]);
    try {
      server.proc.stdin!.write('go\n');
      const { childPid } = await server.next() as { childPid: number };
      const { serverPort, clientPort, reply } = await server.next() as { serverPort: number; clientPort: number; reply: string };
      assert.equal(reply, 'PONG');
      const served = (e: CaptureEvent) => e.tuple.dstPort === clientPort || (e.kind === 'close' && e.pid === childPid);
      const conn = (kind: 'open' | 'close', pid: number) => events.filter((e): e is ConnectionEvent => e.kind === kind && e.pid === pid && served(e));
      const answered = await waitFor('the child\'s answer', () => events.find((e): e is PayloadEvent =>
        e.kind === 'payload' && e.pid === childPid && e.direction === 'egress' && e.tuple.dstPort === clientPort));
      assert.equal(answered.tuple.srcPort, serverPort);
      const accepted = conn('open', server.pid);
      assert.equal(accepted.length, 1, 'the parent accepted');
      assert.equal(accepted[0]!.connectionId, answered.connectionId);
      await waitFor('the child\'s close', () => (conn('close', childPid).length > 0 ? true : undefined));
      assert.deepEqual(conn('close', childPid).map((e) => e.connectionId), [answered.connectionId]);
      assert.deepEqual(events.filter((e) => e.kind === 'close' && e.pid === server.pid && e.connectionId === answered.connectionId), [],
        'the parent\'s close of its copy is not reported');
    } finally {
      server.kill();
    }
  });
});
