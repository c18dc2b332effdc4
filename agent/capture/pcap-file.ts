/**
 * Reads capture files: classic pcap (µs or ns timestamps, either byte order) and pcapng
 * (section header, interface description with if_tsresol, enhanced and simple packet
 * blocks). Yields raw link-layer frames with their link type and time.
 */

export interface PcapFrame {
  /** Capture time, ns since the Unix epoch. */
  timestampNs: bigint;
  linkType: number;
  data: Uint8Array;
}

export class PcapFormatError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at byte ${offset}`);
    this.name = 'PcapFormatError';
  }
}

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAPNG_BYTE_ORDER = 0x1a2b3c4d;
const BLOCK_IDB = 1;
const BLOCK_SPB = 3;
const BLOCK_EPB = 6;
const OPT_IF_TSRESOL = 9;

export function* readCapture(file: Uint8Array): Generator<PcapFrame> {
  if (file.length < 24) throw new PcapFormatError('file too short for a capture header', 0);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  if (view.getUint32(0, true) === PCAPNG_SHB) yield* readPcapng(file, view);
  else yield* readPcap(file, view);
}

function* readPcap(file: Uint8Array, view: DataView): Generator<PcapFrame> {
  const magicLe = view.getUint32(0, true);
  const magicBe = view.getUint32(0, false);
  let le: boolean;
  let nanos: boolean;
  if (magicLe === PCAP_MAGIC_US || magicLe === PCAP_MAGIC_NS) { le = true; nanos = magicLe === PCAP_MAGIC_NS; }
  else if (magicBe === PCAP_MAGIC_US || magicBe === PCAP_MAGIC_NS) { le = false; nanos = magicBe === PCAP_MAGIC_NS; }
  else throw new PcapFormatError(`not a pcap or pcapng file (magic 0x${magicBe.toString(16)})`, 0);
  // The link type's low 16 bits; the upper bits carry FCS flags.
  const linkType = view.getUint32(20, le) & 0xffff;
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = view.getUint32(off, le);
    const frac = view.getUint32(off + 4, le);
    const incl = view.getUint32(off + 8, le);
    if (off + 16 + incl > file.length) throw new PcapFormatError(`record of ${incl} bytes runs past the end`, off);
    yield {
      timestampNs: BigInt(sec) * 1_000_000_000n + BigInt(nanos ? frac : frac * 1000),
      linkType,
      data: file.subarray(off + 16, off + 16 + incl),
    };
    off += 16 + incl;
  }
}

interface Interface { linkType: number; tsUnitsPerSec: bigint }

function* readPcapng(file: Uint8Array, view: DataView): Generator<PcapFrame> {
  let le = true;
  let ifaces: Interface[] = [];
  let off = 0;
  while (off + 12 <= file.length) {
    let type = view.getUint32(off, le);
    if (type === PCAPNG_SHB) {
      // Each section declares its own byte order.
      le = view.getUint32(off + 8, true) === PCAPNG_BYTE_ORDER;
      if (!le && view.getUint32(off + 8, false) !== PCAPNG_BYTE_ORDER) throw new PcapFormatError('bad pcapng byte-order magic', off + 8);
      ifaces = [];
      type = PCAPNG_SHB;
    }
    const len = view.getUint32(off + 4, le);
    if (len < 12 || off + len > file.length) throw new PcapFormatError(`pcapng block of ${len} bytes does not fit`, off);
    if (type === BLOCK_IDB) {
      ifaces.push({ linkType: view.getUint16(off + 8, le), tsUnitsPerSec: readTsResol(view, off + 16, off + len - 4, le) });
    } else if (type === BLOCK_EPB) {
      const iface = ifaces[view.getUint32(off + 8, le)];
      if (!iface) throw new PcapFormatError('packet refers to an undeclared interface', off);
      const ts = (BigInt(view.getUint32(off + 12, le)) << 32n) | BigInt(view.getUint32(off + 16, le));
      const capLen = view.getUint32(off + 20, le);
      yield { timestampNs: (ts * 1_000_000_000n) / iface.tsUnitsPerSec, linkType: iface.linkType, data: file.subarray(off + 28, off + 28 + capLen) };
    } else if (type === BLOCK_SPB) {
      const iface = ifaces[0];
      if (!iface) throw new PcapFormatError('simple packet block before any interface', off);
      yield { timestampNs: 0n, linkType: iface.linkType, data: file.subarray(off + 12, off + len - 4) };
    }
    off += len;
  }
}

/** if_tsresol: 10^-n seconds, or 2^-n when the top bit is set; default µs. */
function readTsResol(view: DataView, from: number, end: number, le: boolean): bigint {
  let o = from;
  while (o + 4 <= end) {
    const code = view.getUint16(o, le);
    const len = view.getUint16(o + 2, le);
    if (code === 0) break;
    if (code === OPT_IF_TSRESOL && len >= 1) {
      const v = view.getUint8(o + 4);
      return v & 0x80 ? 1n << BigInt(v & 0x7f) : 10n ** BigInt(v);
    }
    o += 4 + ((len + 3) & ~3);
  }
  return 1_000_000n;
}
