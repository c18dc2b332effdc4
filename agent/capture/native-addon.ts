/**
 * Typed access to the native addon (native/build/metaflow_native.node, built by
 * `node scripts/build-native.mjs`). Loading never throws anything but CaptureUnavailableError,
 * whose reason says what to do: build it, or which toolchain pieces are missing.
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, accessSync, constants } from 'node:fs';
import { join, dirname, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureUnavailableError } from './source.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADDON_PATH = join(root, 'native', 'build', 'metaflow_native.node');
const TOOLCHAIN_PATH = join(root, 'native', 'toolchain.json');

/** Per attach kind: "ok", or the kernel's refusal in its own words. */
export interface KernelProbe {
  tracefs: string;
  tracepoint: string;
  raw_tracepoint: string;
  tp_btf: string;
  kprobe: string;
  fentry: string;
  uprobe: string;
  ringbuf: string;
}

export interface TracerOptions {
  /** Process whose own syscalls are never traced (the agent); default: the calling process. */
  selfPid?: number;
  /** Payload bytes copied per call, 1..8192; default 1024. */
  captureBytes?: number;
  /** Ring buffer size, a power of two; default 4 MiB (it counts twice in RSS: mapped twice). */
  ringBufferBytes?: number;
  /**
   * The kernel wakes the reader once this many bytes wait in the ring (default a quarter of
   * it); below that the reader finds them on its next 50 ms poll. Lower: less latency, more CPU.
   */
  wakeupBytes?: number;
  /** Files to put SSL_read/SSL_write uprobes on (libssl.so.3, or binaries embedding OpenSSL). */
  sslBinaries?: string[];
  /** Trace only these processes; absent or null: all. */
  pids?: number[] | null;
}

export interface AttachFailure { program: string; target: string; error: string }

export interface TracerOpened {
  handle: object;
  /** Tracepoint sections and `binary:function` uprobes that are attached. */
  attached: string[];
  failed: AttachFailure[];
  /** CLOCK_REALTIME - CLOCK_MONOTONIC at open: turns BPF timestamps into Unix time. */
  clockOffsetNs: bigint;
  tracefs: string;
}

export interface TracerStats {
  kernelDrops: number;
  kernelEvents: number;
  recordsDelivered: number;
  batchesDropped: number;
  recordsDropped: number;
}

export interface PacketOptions {
  interface?: string;
  snapLength?: number;
  /** Drop the kernel's copy of outgoing packets (on `lo` each packet is seen twice otherwise). */
  dropOutgoing?: boolean;
}

export interface PacketStats {
  kernelPackets: number;
  kernelDrops: number;
  recordsDelivered: number;
  batchesDropped: number;
  recordsDropped: number;
}

export interface NativeAddon {
  probeKernel(): KernelProbe;
  openTracer(options: TracerOptions, onBatch: (batch: ArrayBuffer) => void): TracerOpened;
  tracerStats(handle: object): TracerStats;
  tracerSetPids(handle: object, pids: number[] | null): void;
  tracerSetCgroup(handle: object, cgroupId: bigint): void;
  tracerClose(handle: object): Promise<void>;
  openPacket(options: PacketOptions, onBatch: (batch: ArrayBuffer) => void): { handle: object; ifindex: number };
  packetStats(handle: object): PacketStats;
  packetClose(handle: object): Promise<void>;
}

interface Requirement { name: string; command?: string; file?: string; package: string | null; hint?: string }

function onPath(command: string): boolean {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  return dirs.some((d) => {
    if (!d) return false;
    try { accessSync(join(d, command), constants.X_OK); return true; } catch { return false; }
  });
}

/** Toolchain pieces (native/toolchain.json) this host lacks, as readable phrases. */
export function missingToolchain(): string[] {
  const { requirements } = JSON.parse(readFileSync(TOOLCHAIN_PATH, 'utf8')) as { requirements: Requirement[] };
  return requirements
    .filter((r) => (r.command ? !onPath(r.command) : !existsSync(r.file!)))
    .map((r) => `${r.name}${r.package ? ` (${r.package})` : r.hint ? ` (needs ${r.hint})` : ''}`);
}

const loaded = new Map<string, NativeAddon>();

/** Loads the addon (from `path`, default the build output) or throws CaptureUnavailableError. */
export function loadNativeAddon(source: string, path: string = ADDON_PATH): NativeAddon {
  const known = loaded.get(path);
  if (known) return known;
  if (!existsSync(path)) {
    const missing = missingToolchain();
    throw new CaptureUnavailableError(source, missing.length > 0
      ? `native addon not built and the toolchain lacks: ${missing.join(', ')}`
      : 'native addon not built: run `node scripts/build-native.mjs`');
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    loaded.set(path, addon);
    return addon;
  } catch (e) {
    throw new CaptureUnavailableError(source, `native addon at ${path} failed to load: ${(e as Error).message}` +
      ' (rebuild with `node scripts/build-native.mjs --force`)');
  }
}
