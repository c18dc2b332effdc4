/**
 * The cancel of a connection's running statement (CancelRequest, disconnect). The handler
 * watches `signal`; the portal also stops waiting on the handler the moment a cancel comes,
 * so a handler that ignores the signal cannot hold the connection.
 *
 * One per connection and reused statement after statement (a fresh signal only after a
 * cancel used it up): a signal and an abort listener per statement cost more than a trivial
 * query's whole execution.
 */
export class Cancellation {
  private controller = new AbortController();
  private running = false;
  /** The signal went with a suspended portal's stream, so no later statement may abort it. */
  private handedOn = false;
  /** Rejects the step the portal is waiting on, if any. */
  private interrupt: ((reason: unknown) => void) | null = null;

  /** Aborted when the running statement is cancelled. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** A statement starts: it gets an unused signal. */
  begin(): void {
    if (this.controller.signal.aborted || this.handedOn) {
      this.controller = new AbortController();
      this.handedOn = false;
    }
    this.running = true;
  }

  /**
   * The statement is done, or `suspended` with its stream kept for a later Execute; cancels
   * from now on find nothing to stop. A suspended stream keeps the signal it started with, as
   * every statement had its own, and a cancel of a later statement must not reach it.
   */
  end(suspended = false): void {
    this.running = false;
    this.interrupt = null;
    if (suspended) this.handedOn = true;
  }

  /** Cancels the running statement; nothing happens between statements, as in PostgreSQL. */
  cancel(reason: unknown): void {
    if (!this.running || this.controller.signal.aborted) return;
    this.controller.abort(reason);
    const interrupt = this.interrupt;
    this.interrupt = null;
    interrupt?.(reason);
  }

  /** Settles as `step` does, or rejects with the cancel's reason if that comes first. */
  race<T>(step: Promise<T>): Promise<T> {
    const signal = this.controller.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      this.interrupt = reject;
      step.then(
        (v) => { this.interrupt = null; resolve(v); },
        (e) => { this.interrupt = null; reject(e); },
      );
    });
  }
}
