/**
 * The `ebpf` capture source: socket payloads from syscall tracepoints and TLS plaintext from
 * OpenSSL uprobes (native/bpf/socket_trace.bpf.c), delivered in the addon's batches. Before
 * loading anything it checks, in order, the addon, the privileges and what the kernel allows,
 * and says precisely which one is missing.
 */
import { existsSync } from 'node:fs';
import type { CaptureEvent, CaptureSource, CaptureStats } from './source.ts';
import { CaptureUnavailableError } from './source.ts';
import { loadNativeAddon, type AttachFailure, type KernelProbe, type NativeAddon, type TracerStats } from './native-addon.ts';
import { missingBpfPrivileges } from './capabilities.ts';
import { TracerDecoder } from './ebpf-record.ts';
import { descendants } from './process-tree.ts';

const SOURCE = 'ebpf';

export interface EbpfSourceOptions {
  /** Payload bytes copied per call (1..8192); default 1024. */
  captureBytes?: number;
  /** Trace only these processes and their descendants, now and later; default all but the agent itself. */
  pids?: number[];
  /** Trace only this cgroup (v2 id, the cgroup directory's inode number). */
  cgroupId?: bigint;
  /** Where to attach SSL_read/SSL_write uprobes; default: libssl.so.3 and the running node binary. */
  sslBinaries?: string[];
  ringBufferBytes?: number;
  /** Bytes waiting in the ring before the kernel wakes the reader; default a quarter of the ring. */
  wakeupBytes?: number;
  /** For tests: an already loaded addon. */
  addon?: NativeAddon;
}

/** Standard places of OpenSSL 3's libssl; the first that exists is used. */
const LIBSSL_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib/aarch64-linux-gnu/libssl.so.3',
  '/lib/x86_64-linux-gnu/libssl.so.3', '/usr/lib64/libssl.so.3', '/usr/lib/libssl.so.3',
];

/** libssl.so.3 plus the node binary, which exports SSL_read/SSL_write when it embeds OpenSSL. */
export function defaultSslBinaries(): string[] {
  const libssl = LIBSSL_CANDIDATES.find((p) => existsSync(p));
  return [...(libssl ? [libssl] : []), process.execPath];
}

/** One line for logs: what the kernel allows, and why not where it refuses. */
export function describeKernel(k: KernelProbe): string {
  const kinds = ['tracepoint', 'raw_tracepoint', 'tp_btf', 'uprobe', 'kprobe', 'fentry', 'ringbuf'] as const;
  const ok = kinds.filter((kind) => k[kind] === 'ok');
  const refused = kinds.filter((kind) => k[kind] !== 'ok').map((kind) => `${kind} (${k[kind].split('; libbpf:')[0]})`);
  return `${k.tracefs}; allowed: ${ok.join(', ') || 'none'}` + (refused.length ? `; refused: ${refused.join(', ')}` : '');
}

/** Syscall tracepoints without which the source captures nothing useful. */
const REQUIRED_TRACEPOINTS = ['read', 'write', 'sendto', 'recvfrom', 'sendmsg', 'recvmsg'];

/**
 * An allowlist with the processes its members forked before it was set. The agent's own
 * children (tools it runs) are not added: the agent is never traced, nor what it starts.
 */
function withDescendants(pids: number[] | null | undefined): number[] | null {
  if (!pids) return null;
  return [...pids, ...descendants(pids.filter((p) => p !== process.pid))];
}

export class EbpfSource implements CaptureSource {
  readonly name = SOURCE;
  private handle: object | undefined;
  private addon: NativeAddon | undefined;
  private readonly counters = { events: 0, bytes: 0 };
  /** What the kernel allows, filled by start(). */
  kernel: KernelProbe | undefined;
  /** Uprobes/tracepoints that could not be attached (e.g. a binary without SSL_read). */
  attachFailures: AttachFailure[] = [];
  attached: string[] = [];

  constructor(private readonly options: EbpfSourceOptions = {}) {}

  async start(onBatch: (events: CaptureEvent[]) => void): Promise<void> {
    if (this.handle) throw new Error('ebpf source already started');
    const addon = this.options.addon ?? loadNativeAddon(SOURCE);
    const privileges = missingBpfPrivileges();
    if (privileges) throw new CaptureUnavailableError(SOURCE, privileges);
    const kernel = addon.probeKernel();
    this.kernel = kernel;
    if (kernel.tracepoint !== 'ok') throw new CaptureUnavailableError(SOURCE, `syscall tracepoints: ${kernel.tracepoint}; ${kernel.tracefs}`);
    if (kernel.ringbuf !== 'ok') throw new CaptureUnavailableError(SOURCE, `BPF ring buffer: ${kernel.ringbuf} (needs Linux 5.8+)`);

    let decoder = new TracerDecoder(0n);
    const deliver = (batch: ArrayBuffer) => {
      const events = decoder.decode(batch);
      if (events.length === 0) return;
      this.counters.events += events.length;
      for (const e of events) if (e.kind === 'payload') this.counters.bytes += e.byteCount;
      onBatch(events);
    };
    let opened;
    try {
      opened = addon.openTracer({
        captureBytes: this.options.captureBytes,
        ringBufferBytes: this.options.ringBufferBytes,
        wakeupBytes: this.options.wakeupBytes,
        sslBinaries: this.options.sslBinaries ?? defaultSslBinaries(),
        pids: withDescendants(this.options.pids),
      }, deliver);
    } catch (e) {
      throw new CaptureUnavailableError(SOURCE, `the kernel refused: ${(e as Error).message}`);
    }
    decoder = new TracerDecoder(opened.clockOffsetNs);
    this.handle = opened.handle;
    this.addon = addon;
    this.attached = opened.attached;
    this.attachFailures = opened.failed;
    const missing = REQUIRED_TRACEPOINTS.filter((s) => !opened.attached.includes(`tracepoint/syscalls/sys_exit_${s}`));
    if (missing.length > 0) {
      await this.stop();
      const why = opened.failed.filter((f) => missing.some((m) => f.target.endsWith(`_${m}`))).map((f) => `${f.target}: ${f.error}`);
      throw new CaptureUnavailableError(SOURCE, `the kernel refused tracepoints ${missing.join(', ')}: ${why.join('; ')}`);
    }
    if (this.options.cgroupId !== undefined) addon.tracerSetCgroup(opened.handle, this.options.cgroupId);
  }

  /**
   * Replaces the pid allowlist with these processes and their descendants (forks made later are
   * followed by the kernel); null traces every process again (but never the agent).
   */
  setPids(pids: number[] | null): void {
    if (!this.handle || !this.addon) throw new Error('ebpf source not started');
    this.addon.tracerSetPids(this.handle, withDescendants(pids));
  }

  /** Restricts tracing to one cgroup v2 id; 0n lifts it. */
  setCgroup(id: bigint): void {
    if (!this.handle || !this.addon) throw new Error('ebpf source not started');
    this.addon.tracerSetCgroup(this.handle, id);
  }

  async stop(): Promise<void> {
    const { handle, addon } = this;
    if (!handle || !addon) return;
    this.stats();
    this.handle = undefined;
    await addon.tracerClose(handle);
  }

  /** The tracer's own counters: kernel ring-buffer drops, events, and batches lost to a slow JS side. */
  nativeStats(): TracerStats | undefined {
    return this.handle && this.addon ? this.addon.tracerStats(this.handle) : undefined;
  }

  stats(): CaptureStats {
    let drops = 0;
    if (this.handle && this.addon) {
      const s = this.addon.tracerStats(this.handle);
      drops = s.kernelDrops + s.recordsDropped;
      this.lastDrops = drops;
    } else {
      drops = this.lastDrops;
    }
    return { events: this.counters.events, bytes: this.counters.bytes, drops };
  }

  private lastDrops = 0;
}
