/**
 * Syscall overhead of the eBPF tracer, measured side by side in one run:
 *   baseline   no programs attached
 *   filtered   programs attached, the writer excluded by the pid allowlist (cost of the
 *              in-kernel filter every process pays)
 *   captured   programs attached and the writer traced (every write copied to the ring buffer
 *              and decoded into events in this process, as the agent does)
 * The writer is `dd` writing 64-byte blocks into a loopback TCP socket: each block is one
 * read(/dev/zero), filtered as a non-socket fd, plus one write() on the socket, captured.
 * Reported per block: the writer's CPU time (its cgroup's cpu.stat; BPF programs run in its
 * syscalls, and CPU time is far less disturbed by other load than wall time) and its wall
 * time; for the captured runs also this process's CPU per event (ring-buffer thread + decoding).
 * Needs root (it creates a cgroup v2 for the writer) and the built native addon.
 *   node --import tsx benchmarks/ebpf-overhead.ts [--writes N] [--rounds R]
 */
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EbpfSource } from '../agent/capture/ebpf.ts';
import { CaptureUnavailableError } from '../agent/capture/source.ts';
import { median } from './util.ts';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '200000' }, rounds: { type: 'string', default: '5' } } });
const WRITES = Math.min(Number(values.writes), 2_000_000);
const ROUNDS = Math.min(Number(values.rounds), 10);
const BLOCK = 64;

interface Sample { cpuNs: number; wallNs: number }

/** A sink that drains whatever arrives; the benchmark process itself is never traced. */
async function startSink(): Promise<net.Server> {
  const server = net.createServer((s) => s.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * The writer runs in a cgroup of its own: its cgroup v2 id is what the tracer is told to trace
 * in the captured runs, and the cgroup's cpu.stat counts its CPU time to the microsecond.
 */
class WriterCgroup {
  readonly dir: string;
  readonly id: bigint;
  constructor() {
    const mount = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')).find((f) => f[2] === 'cgroup2')?.[1];
    if (!mount) throw new CaptureUnavailableError('ebpf', 'this benchmark needs a cgroup2 mount');
    this.dir = join(mount, `metaflow-bench-${process.pid}`);
    mkdirSync(this.dir);
    this.id = statSync(this.dir, { bigint: true }).ino;
  }
  add(pid: number): void { writeFileSync(join(this.dir, 'cgroup.procs'), String(pid)); }
  cpuUs(): number { return Number(/usage_usec (\d+)/.exec(readFileSync(join(this.dir, 'cpu.stat'), 'utf8'))![1]); }
  remove(): void { rmdirSync(this.dir); }
}

/** Runs dd (after a `read`, so it starts inside the cgroup) into a fresh connection. */
async function runWriter(port: number, cgroup: WriterCgroup): Promise<Sample> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const sh = spawn('sh', ['-c', `read go; exec dd if=/dev/zero bs=${BLOCK} count=${WRITES}`], { stdio: ['pipe', socket, 'pipe'] });
  cgroup.add(sh.pid!);
  const cpuBefore = cgroup.cpuUs();
  sh.stdin!.end('go\n');
  let report = '';
  sh.stderr!.on('data', (d) => { report += d; });
  const [code] = await once(sh, 'exit');
  const cpuUs = cgroup.cpuUs() - cpuBefore;
  socket.destroy();
  const wall = /copied, ([0-9.,e-]+) s/.exec(report);
  if (code !== 0 || !wall) throw new Error(`writer failed (${code}): ${report}`);
  return { cpuNs: (cpuUs * 1000) / WRITES, wallNs: (Number(wall[1]!.replace(',', '.')) * 1e9) / WRITES };
}


async function main(): Promise<void> {
  const sink = await startSink();
  const port = (sink.address() as net.AddressInfo).port;
  let events = 0;
  let agentCpuUs = 0;
  const source = new EbpfSource({ captureBytes: 1024, pids: [process.pid] });
  const runs = { baseline: [] as Sample[], filtered: [] as Sample[], captured: [] as Sample[] };
  let cgroup: WriterCgroup | undefined;
  try {
    cgroup = new WriterCgroup();
    const writer = cgroup;
    // Attaching and detaching take seconds (the kernel waits for tracepoint users), so the
    // tracer is attached once: baselines run before and after, the attached rounds interleave.
    for (let r = 0; r < ROUNDS; r++) runs.baseline.push(await runWriter(port, writer));
    await source.start((batch) => { events += batch.length; });
    for (let r = 0; r < ROUNDS; r++) {
      source.setCgroup(0n);
      source.setPids([process.pid]); // an allowlist without the writer: filtered in the kernel
      runs.filtered.push(await runWriter(port, writer));
      source.setPids(null);
      source.setCgroup(writer.id); // now only the writer's cgroup is traced
      const cpu = process.cpuUsage();
      runs.captured.push(await runWriter(port, writer));
      await new Promise((res) => setTimeout(res, 100)); // the last batches
      const used = process.cpuUsage(cpu);
      agentCpuUs += used.user + used.system;
    }
    await source.stop();
    for (let r = 0; r < ROUNDS; r++) runs.baseline.push(await runWriter(port, writer));
  } catch (e) {
    if (e instanceof CaptureUnavailableError) {
      console.error(e.message);
      process.exitCode = 1;
      return;
    }
    throw e;
  } finally {
    sink.close();
    cgroup?.remove();
  }
  const base = median(runs.baseline.map((s) => s.cpuNs));
  const row = (label: string, xs: Sample[]) => {
    const cpu = median(xs.map((s) => s.cpuNs)), wall = median(xs.map((s) => s.wallNs));
    return `  ${label.padEnd(32)} cpu ${(cpu / 1000).toFixed(3)} us  wall ${(wall / 1000).toFixed(3)} us` +
      (xs === runs.baseline ? '' : `  cpu ratio ${(cpu / base).toFixed(2)}`);
  };
  console.log(`ebpf overhead: dd ${WRITES} x ${BLOCK}-byte writes into loopback TCP, per block, median of ${ROUNDS} rounds (${2 * ROUNDS} for the baseline)`);
  console.log(row('baseline (no programs)', runs.baseline));
  console.log(row('attached, writer filtered out', runs.filtered));
  console.log(row('attached, writer captured', runs.captured));
  console.log(`  agent side (ring-buffer thread + decoding): ${(agentCpuUs / Math.max(events, 1)).toFixed(3)} us cpu per event, ` +
    `${events} events for ${WRITES * ROUNDS} captured writes, drops ${source.stats().drops}`);
}

await main();
