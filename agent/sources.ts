/**
 * Choosing a capture source by name, as the CLI and `start` do. Packet sources get the same
 * decoding and TCP reassembly as pcap replay (one code path for live and recorded packets).
 */
import { existsSync } from 'node:fs';
import type { CaptureSource } from './capture/source.ts';
import { CaptureUnavailableError } from './capture/source.ts';
import { EbpfSource } from './capture/ebpf.ts';
import { AfPacketSource, LINKTYPE_UNKNOWN, type FrameAssembler } from './capture/afpacket.ts';
import { PcapSource } from './capture/pcap.ts';
import { decodeFrame } from './capture/packet.ts';
import { FlowTable } from './capture/tcp-reassembly.ts';

export const SOURCE_NAMES = ['ebpf', 'afpacket', 'pcap'] as const;
export type SourceName = typeof SOURCE_NAMES[number];

export interface SourceOptions {
  /** ebpf: trace only these processes. */
  pids?: number[];
  /** ebpf: payload bytes copied per call. */
  captureBytes?: number;
  /** afpacket: interface (default lo). */
  interface?: string;
  /** pcap: the capture file. */
  pcapFile?: string;
}

/** Frames → capture events through the pcap path's decoder and reassembly. */
export function packetAssembler(): FrameAssembler {
  const flows = new FlowTable();
  return {
    push(frame, out) {
      if (frame.linkType === LINKTYPE_UNKNOWN) return;
      const p = decodeFrame(frame.linkType, frame.data);
      if (p) flows.handle(p, frame.timestampNs, out);
    },
    flush(out) { flows.flush(out); },
  };
}

export function createSource(name: SourceName, o: SourceOptions = {}): CaptureSource {
  switch (name) {
    case 'ebpf': return new EbpfSource({ pids: o.pids, captureBytes: o.captureBytes });
    case 'afpacket': return new AfPacketSource({ interface: o.interface, assembler: packetAssembler() });
    case 'pcap':
      if (!o.pcapFile) throw new CaptureUnavailableError('pcap', 'no capture file given (--pcap FILE)');
      if (!existsSync(o.pcapFile)) throw new CaptureUnavailableError('pcap', `no such file: ${o.pcapFile}`);
      return new PcapSource(o.pcapFile);
  }
}
