/**
 * Cuts the client's byte stream into messages. TCP delivers arbitrary slices: a message may
 * arrive in pieces, and a pipelining client sends many messages in one segment. The reader
 * keeps the unread tail and hands out only whole messages.
 *
 * Until the startup message, messages are untyped (int32 length, then body: startup,
 * SSLRequest, GSSENCRequest, CancelRequest); from then on each starts with a code byte.
 */
import { ProtocolError } from './bytes.ts';
import { HEADER_BYTES, LENGTH_BYTES, StartupCode } from './protocol-constants.ts';

/** One whole message: `code` is null for untyped startup-phase messages. */
export interface Frame {
  code: number | null;
  body: Buffer;
}

/** Startup packets are small; PostgreSQL itself caps them at 10000 bytes. */
export const MAX_STARTUP_PACKET = 10_000;

export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);
  /** Whether the next message is typed (set when the startup message has been cut). */
  private typed = false;

  /** @param maxMessageBytes largest accepted typed message (length field included). */
  constructor(private readonly maxMessageBytes: number) {}

  /**
   * Adds received bytes and returns every message now complete, in order. A malformed header
   * ends the stream: the messages before it are still returned (they were sent first and get
   * their answers), together with the error.
   */
  push(chunk: Buffer): { frames: Frame[]; error: ProtocolError | null } {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    let offset = 0;
    try {
      for (;;) {
        const cut = this.typed ? this.readTyped(offset) : this.readUntyped(offset);
        if (!cut) break;
        frames.push(cut.frame);
        offset = cut.next;
      }
    } catch (err) {
      this.pending = Buffer.alloc(0);
      return { frames, error: err as ProtocolError };
    }
    this.pending = offset === this.pending.length ? Buffer.alloc(0) : this.pending.subarray(offset);
    return { frames, error: null };
  }

  /** Bytes received but not yet part of a whole message. */
  get buffered(): number {
    return this.pending.length;
  }

  private readTyped(offset: number): { frame: Frame; next: number } | null {
    const buf = this.pending;
    if (buf.length - offset < HEADER_BYTES) return null;
    const code = buf[offset]!;
    const length = buf.readInt32BE(offset + 1);
    if (length < LENGTH_BYTES || length > this.maxMessageBytes) {
      throw new ProtocolError(`invalid message length ${length} for message type 0x${code.toString(16)}`);
    }
    const end = offset + 1 + length;
    if (buf.length < end) return null;
    return { frame: { code, body: buf.subarray(offset + HEADER_BYTES, end) }, next: end };
  }

  private readUntyped(offset: number): { frame: Frame; next: number } | null {
    const buf = this.pending;
    if (buf.length - offset < LENGTH_BYTES) return null;
    const length = buf.readInt32BE(offset);
    if (length < 8 || length > MAX_STARTUP_PACKET) throw new ProtocolError(`invalid length of startup packet: ${length}`);
    const end = offset + length;
    if (buf.length < end) return null;
    const body = buf.subarray(offset + LENGTH_BYTES, end);
    // Only a startup message ends the untyped phase: SSLRequest and GSSENCRequest are followed
    // by another untyped message, CancelRequest by nothing.
    const requestCode = body.readInt32BE(0);
    if (requestCode !== StartupCode.sslRequest && requestCode !== StartupCode.gssEncRequest && requestCode !== StartupCode.cancelRequest) {
      this.typed = true;
    }
    return { frame: { code: null, body }, next: end };
  }
}
