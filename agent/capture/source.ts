/**
 * The capture-source boundary: where socket payloads come from. The eBPF source (default),
 * the AF_PACKET source and pcap replay all produce the same events, so the protocol parsers
 * and the request/response pairing never know which one fed them.
 */

/** Which way the payload went, seen from the process that owns the socket. */
export type Direction = 'egress' | 'ingress';

/** One connection endpoint pair. Addresses are text (dotted IPv4 or IPv6). */
export interface FourTuple {
  srcIp: string;
  srcPort: number;
  dstIp: string;
  dstPort: number;
  /** 6 = TCP, 17 = UDP. */
  ipProtocol: 6 | 17;
}

/** One captured payload: a syscall's data (eBPF) or one reassembled TCP segment / UDP datagram. */
export interface PayloadEvent {
  kind: 'payload';
  /** Capture time in nanoseconds since the Unix epoch. */
  timestampNs: bigint;
  /** Owning process and thread; 0 when the source cannot know (packet capture). */
  pid: number;
  tid: number;
  /** Socket file descriptor; -1 when unknown. */
  fd: number;
  /** Stable per-connection key within the source (socket cookie, or the 4-tuple). */
  connectionId: string;
  tuple: FourTuple;
  direction: Direction;
  /** Bytes the syscall moved in total; `data` may hold fewer (capture is truncated). */
  byteCount: number;
  data: Uint8Array;
  /** TCP sequence number of the first byte when known (packet sources), else undefined. */
  tcpSeq?: number;
  /** Set when the payload was decrypted from a TLS library (uprobes on SSL_read/SSL_write). */
  tls?: boolean;
  /** Process name (comm) when the source knows it. */
  comm?: string;
}

/** A connection opened or closed (connect/accept/close, or TCP SYN/FIN/RST). */
export interface ConnectionEvent {
  kind: 'open' | 'close';
  timestampNs: bigint;
  pid: number;
  fd: number;
  connectionId: string;
  tuple: FourTuple;
  /** For 'open': true when this side initiated (connect), false when it accepted. */
  initiator?: boolean;
}

export type CaptureEvent = PayloadEvent | ConnectionEvent;

/** Counters every source reports, for the agent's own health metrics. */
export interface CaptureStats {
  events: number;
  bytes: number;
  /** Events lost before reaching JS (kernel ring-buffer drops, socket buffer overruns). */
  drops: number;
}

export interface CaptureSource {
  /** 'ebpf' | 'afpacket' | 'pcap'. */
  readonly name: string;
  /**
   * Starts capturing; `onBatch` receives events in arrival order, in batches (never one
   * call per event, to keep the JS boundary cheap).
   */
  start(onBatch: (events: CaptureEvent[]) => void): Promise<void>;
  /** Stops capturing and releases kernel/OS resources; resolves once no more batches come. */
  stop(): Promise<void>;
  stats(): CaptureStats;
}

/** Why a source cannot run here, said precisely (missing tool, privilege, kernel feature). */
export class CaptureUnavailableError extends Error {
  constructor(readonly source: string, readonly reason: string) {
    super(`${source} capture unavailable: ${reason}`);
    this.name = 'CaptureUnavailableError';
  }
}
