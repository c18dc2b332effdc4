/**
 * One direction of a connection as a byte stream. Payloads are parsed in place; only an
 * incomplete tail is kept (and concatenated with the next payload), so the common case of
 * whole messages per payload never copies. Bodies the parser does not need are skipped by
 * count, across payloads, without buffering them.
 */
export class StreamBuffer {
  /** Unconsumed bytes: parse from `buf[0]`. */
  buf: Uint8Array = EMPTY;
  /** Bytes still to skip (a body being passed over) before parsing resumes. */
  skip = 0;
  /** Time and TCP sequence of buf[0]. */
  startNs = 0n;
  seq: number | undefined;
  /** Bytes of the last payload the capture did not copy (eBPF truncates long payloads). */
  private missing = 0;
  private lastNs = 0n;

  /** Adds a payload; bytes owed to a pending skip are dropped first. */
  push(data: Uint8Array, byteCount: number, ts: bigint, seq: number | undefined): void {
    let d = data;
    let s = seq;
    this.missing = Math.max(0, byteCount - data.length);
    this.lastNs = ts;
    if (this.skip > 0) {
      const n = Math.min(this.skip, d.length);
      this.skip -= n;
      d = d.subarray(n);
      if (s !== undefined) s = (s + n) >>> 0;
      if (d.length === 0) return;
    }
    if (this.buf.length === 0) {
      this.buf = d;
      this.startNs = ts;
      this.seq = s;
    } else {
      const joined = new Uint8Array(this.buf.length + d.length);
      joined.set(this.buf, 0);
      joined.set(d, this.buf.length);
      this.buf = joined;
    }
  }

  /** Drops `n` parsed bytes; any part of `n` beyond the buffer becomes a skip. */
  consume(n: number): void {
    if (this.seq !== undefined) this.seq = (this.seq + n) >>> 0;
    if (n >= this.buf.length) {
      this.skip += n - this.buf.length;
      this.buf = EMPTY;
      return;
    }
    this.buf = this.buf.subarray(n);
    // The rest arrived with the latest payload at the earliest; good enough for timing.
    this.startNs = this.lastNs;
  }

  /**
   * Called by the parser after each payload. Bytes the capture did not copy are fine inside
   * a skipped body; anywhere else the partial tail is useless and parsing restarts at the
   * next payload (syscall payloads usually start a message). Returns true when it had to
   * resynchronise, so the parser can close the message it was in.
   */
  endPass(): boolean {
    // Payloads are views into a whole capture batch: a tail kept for the next payload is
    // copied out so that it does not hold the batch in memory.
    if (this.buf.length > 0 && this.buf.byteLength * 2 < this.buf.buffer.byteLength) this.buf = this.buf.slice();
    if (this.missing === 0) return false;
    const lost = this.skip < this.missing;
    if (lost) { this.buf = EMPTY; this.skip = 0; }
    else this.skip -= this.missing;
    this.missing = 0;
    return lost;
  }

  reset(): void { this.buf = EMPTY; this.skip = 0; this.missing = 0; }
}

const EMPTY = new Uint8Array(0);
