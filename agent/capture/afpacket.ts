/**
 * The `afpacket` capture source: raw frames from an AF_PACKET socket (CAP_NET_RAW only, no
 * BPF), for hosts where eBPF is not allowed. It sees packets, not processes: pid is 0 and TCP
 * must be reassembled. The reassembly is plugged in as a FrameAssembler, the same one that
 * turns pcap records into events, so live and replayed packets go through one code path.
 */
import type { CaptureEvent, CaptureSource, CaptureStats } from './source.ts';
import { CaptureUnavailableError } from './source.ts';
import { loadNativeAddon, type NativeAddon } from './native-addon.ts';
import { missingPacketPrivileges } from './capabilities.ts';

const SOURCE = 'afpacket';

/** pcap link types (LINKTYPE_*), so frames can share the pcap reader's decoders. */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
/** Interfaces whose frames have no known link layer are passed on with this type. */
export const LINKTYPE_UNKNOWN = -1;

/** One frame as captured, link-layer header first; shaped like a pcap record. */
export interface RawFrame {
  timestampNs: bigint;
  linkType: number;
  /** Length on the wire; `data` may be shorter (snap length). */
  originalLength: number;
  data: Uint8Array;
  ifindex: number;
  /** PACKET_HOST (0), PACKET_BROADCAST (1), PACKET_OUTGOING (4), ... */
  packetType: number;
}

/** Turns frames into capture events (decoding + TCP reassembly); keeps state across calls. */
export interface FrameAssembler {
  push(frame: RawFrame, out: CaptureEvent[]): void;
  /** Emits whatever is still held (out-of-order bytes) when capture stops. */
  flush?(out: CaptureEvent[]): void;
}

/** Byte offsets in struct mtf_frame (native/addon/src/packet.h). */
const FRAME = { TS_NS: 0, IFINDEX: 8, CAP_LEN: 12, ORIG_LEN: 16, HATYPE: 20, PKTTYPE: 22, DATA: 24 } as const;
const ARPHRD_ETHER = 1;
const ARPHRD_LOOPBACK = 772; // Linux gives loopback frames an all-zero Ethernet header
const ARPHRD_NONE = 0xfffe;  // tun, wireguard: bare IP

function linkTypeOf(hatype: number): number {
  if (hatype === ARPHRD_ETHER || hatype === ARPHRD_LOOPBACK) return LINKTYPE_ETHERNET;
  if (hatype === ARPHRD_NONE) return LINKTYPE_RAW;
  return LINKTYPE_UNKNOWN;
}

/**
 * Decodes one addon batch of frames. Frames are views into the batch (no copy: on loopback a
 * frame can be 64 KiB): whoever keeps one beyond the callback keeps the batch alive, so copy
 * what is held long (out-of-order segments, for instance).
 */
export function decodeFrameBatch(batch: ArrayBuffer, out: RawFrame[] = []): RawFrame[] {
  const bytes = new Uint8Array(batch);
  const view = new DataView(batch);
  let at = 0;
  while (at + FRAME.DATA <= bytes.length) {
    const capLen = view.getUint32(at + FRAME.CAP_LEN, true);
    if (at + FRAME.DATA + capLen > bytes.length) break;
    out.push({
      timestampNs: view.getBigUint64(at + FRAME.TS_NS, true),
      linkType: linkTypeOf(view.getUint16(at + FRAME.HATYPE, true)),
      originalLength: view.getUint32(at + FRAME.ORIG_LEN, true),
      data: bytes.subarray(at + FRAME.DATA, at + FRAME.DATA + capLen),
      ifindex: view.getUint32(at + FRAME.IFINDEX, true),
      packetType: bytes[at + FRAME.PKTTYPE]!,
    });
    at += FRAME.DATA + capLen;
  }
  return out;
}

export interface AfPacketOptions {
  /** Interface to capture on; default `lo`. */
  interface?: string;
  snapLength?: number;
  /**
   * Drop PACKET_OUTGOING copies. Default: true on `lo`, where every packet is seen leaving
   * and arriving; false elsewhere, where outgoing traffic exists only as that copy.
   */
  dropOutgoing?: boolean;
  /** Decoding and TCP reassembly; required by start() (startFrames() works without it). */
  assembler?: FrameAssembler;
  addon?: NativeAddon;
}

export class AfPacketSource implements CaptureSource {
  readonly name = SOURCE;
  private handle: object | undefined;
  private addon: NativeAddon | undefined;
  private readonly counters = { events: 0, bytes: 0 };
  private lastDrops = 0;

  constructor(private readonly options: AfPacketOptions = {}) {}

  /** Raw frames, in batches, for callers that do their own decoding. */
  async startFrames(onFrames: (frames: RawFrame[]) => void): Promise<void> {
    if (this.handle) throw new Error('afpacket source already started');
    const addon = this.options.addon ?? loadNativeAddon(SOURCE);
    const privileges = missingPacketPrivileges();
    if (privileges) throw new CaptureUnavailableError(SOURCE, privileges);
    const ifname = this.options.interface ?? 'lo';
    try {
      const opened = addon.openPacket({
        interface: ifname,
        snapLength: this.options.snapLength ?? 65535,
        dropOutgoing: this.options.dropOutgoing ?? ifname === 'lo',
      }, (batch) => {
        const frames = decodeFrameBatch(batch);
        if (frames.length > 0) onFrames(frames);
      });
      this.handle = opened.handle;
      this.addon = addon;
    } catch (e) {
      throw new CaptureUnavailableError(SOURCE, `${ifname}: ${(e as Error).message}`);
    }
  }

  async start(onBatch: (events: CaptureEvent[]) => void): Promise<void> {
    const assembler = this.options.assembler;
    if (!assembler) throw new CaptureUnavailableError(SOURCE, 'no FrameAssembler (TCP reassembly) was given');
    this.flushAssembler = (out) => assembler.flush?.(out);
    this.onEvents = onBatch;
    await this.startFrames((frames) => {
      const events: CaptureEvent[] = [];
      for (const f of frames) assembler.push(f, events);
      this.deliver(events);
    });
  }

  private flushAssembler: ((out: CaptureEvent[]) => void) | undefined;
  private onEvents: ((events: CaptureEvent[]) => void) | undefined;

  private deliver(events: CaptureEvent[]): void {
    if (events.length === 0 || !this.onEvents) return;
    this.counters.events += events.length;
    for (const e of events) if (e.kind === 'payload') this.counters.bytes += e.byteCount;
    this.onEvents(events);
  }

  async stop(): Promise<void> {
    const { handle, addon } = this;
    if (!handle || !addon) return;
    this.stats();
    this.handle = undefined;
    await addon.packetClose(handle);
    const rest: CaptureEvent[] = [];
    this.flushAssembler?.(rest);
    this.deliver(rest);
  }

  stats(): CaptureStats {
    if (this.handle && this.addon) {
      const s = this.addon.packetStats(this.handle);
      this.lastDrops = s.kernelDrops + s.recordsDropped;
    }
    return { events: this.counters.events, bytes: this.counters.bytes, drops: this.lastDrops };
  }
}
