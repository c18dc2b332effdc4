/**
 * Decodes link, network and transport headers of one captured frame down to the TCP or UDP
 * payload. Link types: Ethernet (with VLAN tags), Linux cooked SLL and SLL2, BSD loopback
 * (NULL and LOOP) and raw IP. Fragments past the first are ignored (no IP reassembly).
 */

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

export interface DecodedPacket {
  srcIp: string;
  dstIp: string;
  ipProtocol: 6 | 17;
  srcPort: number;
  dstPort: number;
  /** TCP only. */
  seq: number;
  flags: number;
  payload: Uint8Array;
}

/** Returns undefined for frames that carry no TCP/UDP we can use (ARP, ICMP, fragments). */
export function decodeFrame(linkType: number, f: Uint8Array): DecodedPacket | undefined {
  let off: number;
  let etherType: number;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (f.length < 14) return undefined;
      off = 12;
      etherType = (f[off]! << 8) | f[off + 1]!;
      off += 2;
      while ((etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ) && off + 4 <= f.length) {
        etherType = (f[off + 2]! << 8) | f[off + 3]!;
        off += 4;
      }
      break;
    }
    case LINKTYPE_LINUX_SLL:
      if (f.length < 16) return undefined;
      etherType = (f[14]! << 8) | f[15]!;
      off = 16;
      break;
    case LINKTYPE_LINUX_SLL2:
      if (f.length < 20) return undefined;
      etherType = (f[0]! << 8) | f[1]!;
      off = 20;
      break;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (f.length < 4) return undefined;
      // NULL stores the address family in the capturing host's byte order, LOOP in network order.
      const fam = f[0] === 0 && f[1] === 0 ? f[3]! : f[0]!;
      etherType = fam === 2 ? ETHERTYPE_IPV4 : fam === 24 || fam === 28 || fam === 30 ? ETHERTYPE_IPV6 : 0;
      off = 4;
      break;
    }
    case LINKTYPE_RAW: case LINKTYPE_IPV4: case LINKTYPE_IPV6:
      off = 0;
      etherType = f.length > 0 && f[0]! >> 4 === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4;
      break;
    default:
      return undefined;
  }
  if (etherType === ETHERTYPE_IPV4) return decodeIpv4(f, off);
  if (etherType === ETHERTYPE_IPV6) return decodeIpv6(f, off);
  return undefined;
}

function decodeIpv4(f: Uint8Array, off: number): DecodedPacket | undefined {
  if (off + 20 > f.length || f[off]! >> 4 !== 4) return undefined;
  const ihl = (f[off]! & 0x0f) * 4;
  const total = (f[off + 2]! << 8) | f[off + 3]!;
  const fragOffset = ((f[off + 6]! & 0x1f) << 8) | f[off + 7]!;
  if (fragOffset !== 0) return undefined;
  const proto = f[off + 9]!;
  const src = `${f[off + 12]}.${f[off + 13]}.${f[off + 14]}.${f[off + 15]}`;
  const dst = `${f[off + 16]}.${f[off + 17]}.${f[off + 18]}.${f[off + 19]}`;
  // Trust the IP total length over the frame length: Ethernet pads short frames.
  const end = Math.min(f.length, off + (total || f.length - off));
  return decodeTransport(f, off + ihl, end, proto, src, dst);
}

const IPV6_HOP = 0, IPV6_ROUTING = 43, IPV6_FRAGMENT = 44, IPV6_DSTOPTS = 60;

function decodeIpv6(f: Uint8Array, off: number): DecodedPacket | undefined {
  if (off + 40 > f.length || f[off]! >> 4 !== 6) return undefined;
  const payloadLen = (f[off + 4]! << 8) | f[off + 5]!;
  let next = f[off + 6]!;
  const src = ipv6Text(f, off + 8);
  const dst = ipv6Text(f, off + 24);
  const end = Math.min(f.length, off + 40 + payloadLen);
  let o = off + 40;
  while (next === IPV6_HOP || next === IPV6_ROUTING || next === IPV6_DSTOPTS || next === IPV6_FRAGMENT) {
    if (o + 8 > end) return undefined;
    if (next === IPV6_FRAGMENT) {
      const fragOffset = ((f[o + 2]! << 8) | f[o + 3]!) >> 3;
      if (fragOffset !== 0) return undefined;
      next = f[o]!;
      o += 8;
    } else {
      next = f[o]!;
      o += (f[o + 1]! + 1) * 8;
    }
  }
  return decodeTransport(f, o, end, next, src, dst);
}

function decodeTransport(f: Uint8Array, o: number, end: number, proto: number, srcIp: string, dstIp: string): DecodedPacket | undefined {
  if (proto === 6) {
    if (o + 20 > end) return undefined;
    const dataOff = (f[o + 12]! >> 4) * 4;
    return {
      srcIp, dstIp, ipProtocol: 6,
      srcPort: (f[o]! << 8) | f[o + 1]!,
      dstPort: (f[o + 2]! << 8) | f[o + 3]!,
      seq: (((f[o + 4]! << 24) >>> 0) + ((f[o + 5]! << 16) | (f[o + 6]! << 8) | f[o + 7]!)) >>> 0,
      flags: f[o + 13]!,
      payload: f.subarray(Math.min(o + dataOff, end), end),
    };
  }
  if (proto === 17) {
    if (o + 8 > end) return undefined;
    return {
      srcIp, dstIp, ipProtocol: 17,
      srcPort: (f[o]! << 8) | f[o + 1]!,
      dstPort: (f[o + 2]! << 8) | f[o + 3]!,
      seq: 0, flags: 0,
      payload: f.subarray(o + 8, end),
    };
  }
  return undefined;
}

/** RFC 5952 text: lower-case hex, longest zero run compressed. */
function ipv6Text(f: Uint8Array, o: number): string {
  const g: number[] = [];
  for (let i = 0; i < 8; i++) g.push((f[o + i * 2]! << 8) | f[o + i * 2 + 1]!);
  let bestStart = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return g.map((x) => x.toString(16)).join(':');
  const head = g.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = g.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}
