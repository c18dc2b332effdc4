/**
 * Syscall overhead of the eBPF tracer, measured side by side in one run:
 *   baseline   no programs attached
 *   filtered   programs attached, the writer excluded by the pid allowlist (cost of the
 *              in-kernel filter every process pays)
 *   captured   programs attached and the writer traced (every write copied to the ring buffer)
 * The writer is `dd` writing 64-byte blocks into a loopback TCP socket: each block is one
 * read(/dev/zero), filtered as a non-socket fd, plus one write() on the socket, captured.
 * The median of each is printed; the machine's other load shows up as noise, so compare
 * numbers from one run only. Needs root (or CAP_BPF+CAP_PERFMON).
 *   node --import tsx benchmarks/ebpf-overhead.ts [--writes N] [--rounds R]
 */
import net from 'node:net';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { EbpfSource } from '../agent/capture/ebpf.ts';
import { CaptureUnavailableError } from '../agent/capture/source.ts';

const { values } = parseArgs({ options: { writes: { type: 'string', default: '100000' }, rounds: { type: 'string', default: '5' } } });
const WRITES = Math.min(Number(values.writes), 2_000_000);
const ROUNDS = Math.min(Number(values.rounds), 10);
const BLOCK = 64;

/** A sink that drains whatever arrives; the benchmark process itself is never traced. */
async function startSink(): Promise<net.Server> {
  const server = net.createServer((s) => s.resume());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * Runs dd into a fresh connection; returns ns per block (dd's own timing). dd waits behind a
 * shell `read` (exec keeps the pid) until `ready(pid)` has set the filters, so no block is
 * written before the tracer knows which process it is.
 */
async function runWriter(port: number, ready: (pid: number) => void = () => {}): Promise<number> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const dd = spawn('sh', ['-c', `read go; exec dd if=/dev/zero bs=${BLOCK} count=${WRITES}`], { stdio: ['pipe', socket, 'pipe'] });
  ready(dd.pid!);
  dd.stdin!.end('go\n');
  let stderr = '';
  dd.stderr!.on('data', (d) => { stderr += d; });
  const [code] = await once(dd, 'exit');
  socket.destroy();
  const m = /copied, ([0-9.,e-]+) s/.exec(stderr);
  if (code !== 0 || !m) throw new Error(`dd failed (${code}): ${stderr}`);
  return (Number(m[1]!.replace(',', '.')) * 1e9) / WRITES;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const sink = await startSink();
  const port = (sink.address() as net.AddressInfo).port;
  let captured = 0;
  const source = new EbpfSource({ captureBytes: 1024 });
  const times = { baseline: [] as number[], filtered: [] as number[], captured: [] as number[] };
  try {
    // Attaching and detaching take seconds (the kernel waits for tracepoint users), so the
    // tracer is attached once: baselines run before and after, the attached rounds interleave.
    for (let r = 0; r < ROUNDS; r++) times.baseline.push(await runWriter(port));
    await source.start((batch) => { captured += batch.length; });
    for (let r = 0; r < ROUNDS; r++) {
      source.setPids([process.pid]); // an allowlist without the writer: filtered in the kernel
      times.filtered.push(await runWriter(port));
      times.captured.push(await runWriter(port, (pid) => source.setPids([pid])));
    }
    await source.stop();
    for (let r = 0; r < ROUNDS; r++) times.baseline.push(await runWriter(port));
  } catch (e) {
    if (e instanceof CaptureUnavailableError) {
      console.error(e.message);
      process.exitCode = 1;
      return;
    }
    throw e;
  } finally {
    sink.close();
  }
  const base = median(times.baseline), filtered = median(times.filtered), full = median(times.captured);
  const stats = source.stats();
  console.log(`ebpf overhead: dd ${WRITES} x ${BLOCK}-byte writes into loopback TCP, median of ${ROUNDS} rounds (${2 * ROUNDS} for the baseline)`);
  console.log(`  baseline (no programs):        ${(base / 1000).toFixed(3)} us per block`);
  console.log(`  attached, writer filtered out: ${(filtered / 1000).toFixed(3)} us per block  ratio ${(filtered / base).toFixed(2)}`);
  console.log(`  attached, writer captured:     ${(full / 1000).toFixed(3)} us per block  ratio ${(full / base).toFixed(2)}`);
  console.log(`  events delivered: ${captured} for ${WRITES * ROUNDS} captured writes; drops ${stats.drops}`);
}

await main();
