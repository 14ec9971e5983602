/**
 * Per-stream flow control shared by the Tunnel DO and the connector. Neither end of a Durable
 * Object WebSocket has backpressure (`send()` just queues), so each stream's sender may have at
 * most a window of unacknowledged `data` bytes in flight; the receiver grants more with
 * `windowUpdate` frames as its consumer drains them. Memory per stream is bounded by the window.
 */

/** Bytes each side may send on a new stream before its first `windowUpdate`. */
export const INITIAL_WINDOW_BYTES = 1024 * 1024;

/**
 * The largest `data` payload. Every WebSocket message and every body write costs workerd a fixed
 * amount besides its bytes: a Durable Object takes in 64 KiB messages at ≈ 2.3–2.9 ms of CPU per
 * MiB, 256 KiB ones at ≈ 1.6–1.8 and 1 MiB ones at ≈ 1.4, and writes a response body in 64 KiB
 * chunks at ≈ 2.0–2.4 ms per MiB against ≈ 1.1 in 256 KiB ones (a Durable Object alone on
 * Miniflare, 2-core box). Through the whole tunnel, 512 KiB instead of 256 KiB cut workerd's CPU
 * per MiB by ≈ 10 % down and ≈ 18 % up (scripts/bench/README.md, session 6).
 *
 * It must stay at most INITIAL_WINDOW_BYTES − WINDOW_UPDATE_THRESHOLD_BYTES: a receiver may keep
 * up to the threshold (less one byte) drained but not yet granted for as long as nothing more
 * arrives, and a sender waiting for credit for a whole frame must be able to get it (1 MiB frames
 * with the 1 MiB window stalled the first download for good: 64 KiB left with the head, drained,
 * never granted). A message this size keeps the frames of other streams waiting behind it for
 * ~4 ms at 1 Gbit/s, far below the 32 MiB a Durable Object accepts. Either end reads any size up
 * to MAX_FRAME_BYTES, so ends built with another value interwork.
 */
export const MAX_DATA_CHUNK_BYTES = 512 * 1024;

/**
 * The receiver returns credit in batches of at least a quarter of its window, to keep update
 * frames rare: this many bytes on the initial window, more once the window grew (up to 1 MiB at
 * MAX_GROWN_WINDOW_BYTES). Every `windowUpdate` the connector sends costs the Durable Object an
 * incoming WebSocket event, and every one it receives a message on the connector: a steady
 * transfer on a grown window now takes one per MiB instead of four. A grown window still leaves
 * the sender three quarters of it to send on while the receiver holds a batch back, so a full
 * data frame always finds credit.
 */
export const WINDOW_UPDATE_THRESHOLD_BYTES = INITIAL_WINDOW_BYTES / 4;

/** The sending half: `take()` resolves once the peer has granted room for `bytes` more. */
export class SendWindow {
  #credit: number;
  #waiter: { bytes: number; resolve: (open: boolean) => void } | null = null;
  #closed = false;

  constructor(initialBytes = INITIAL_WINDOW_BYTES) {
    this.#credit = initialBytes;
  }

  /** Bytes that may be sent now without waiting. */
  get credit(): number {
    return this.#credit;
  }

  /** Waits for room for `bytes`; resolves false if the window was closed (stream gone). */
  take(bytes: number): Promise<boolean> | boolean {
    if (this.#closed) return false;
    if (this.#credit >= bytes) {
      this.#credit -= bytes;
      return true;
    }
    return new Promise((resolve) => {
      this.#waiter = { bytes, resolve };
    });
  }

  /** Adds credit from a `windowUpdate` frame. */
  grant(bytes: number): void {
    this.#credit += bytes;
    const waiter = this.#waiter;
    if (waiter && this.#credit >= waiter.bytes) {
      this.#waiter = null;
      this.#credit -= waiter.bytes;
      waiter.resolve(true);
    }
  }

  /** Releases a pending `take()` with false; later calls return false at once. */
  close(): void {
    this.#closed = true;
    this.#waiter?.resolve(false);
    this.#waiter = null;
  }
}

/**
 * How far a stream's receive window may grow while its consumer keeps up (see
 * {@link ReceiveWindow}). A stream held back by its window moves one window per credit round
 * trip: 1 MiB caps a download at 50 MiB/s from a connector 20 ms away, and locally (≈ 4 ms round
 * trips through workerd) a 100 MiB download spent 55–70 % of its time waiting for credit.
 */
export const MAX_GROWN_WINDOW_BYTES = 4 * 1024 * 1024;

/**
 * What each receiver lends per connection (a connection object at the edge, a connection in the
 * connector): three streams at MAX_GROWN_WINDOW_BYTES, or more at smaller windows.
 */
export const GROWN_WINDOWS_BUDGET_BYTES = 9 * 1024 * 1024;

/**
 * What one connection lends its streams for windows past the initial one. Every stream starts
 * with INITIAL_WINDOW_BYTES; growth is borrowed from here and given back when the stream closes,
 * so what a receiver may hold stays bounded per connection (streams × initial window + this
 * budget) however its streams behave.
 */
export class WindowBudget {
  #available: number;

  constructor(bytes: number) {
    this.#available = bytes;
  }

  /** Bytes left to lend. */
  get available(): number {
    return this.#available;
  }

  /** Lends up to `bytes`; returns what was lent (0 when the budget is spent). */
  borrow(bytes: number): number {
    const lent = Math.min(bytes, this.#available);
    this.#available -= lent;
    return lent;
  }

  giveBack(bytes: number): void {
    this.#available += bytes;
  }
}

/**
 * The receiving half: counts what the peer sent and what the consumer drained.
 *
 * With a {@link WindowBudget} the window grows while it, not the consumer, sets the pace: when a
 * drain leaves nothing held (the consumer has taken every byte that arrived and waits for more)
 * after a whole window's worth was drained since the window last grew, the sender is waiting for
 * credit rather than the consumer for the sender, so the window doubles (up to
 * MAX_GROWN_WINDOW_BYTES, within the budget) and the growth rides along with the next grant. A
 * consumer slower than the sender always leaves bytes held and never grows its window. The peer
 * needs nothing new: growth is plain credit in a `windowUpdate`.
 */
export class ReceiveWindow {
  #outstanding = 0;
  #drained = 0;
  #limit: number;
  readonly #budget: WindowBudget | null;
  #borrowed = 0;
  #drainedSinceGrowth = 0;
  #closed = false;

  constructor(limitBytes = INITIAL_WINDOW_BYTES, budget: WindowBudget | null = null) {
    this.#limit = limitBytes;
    this.#budget = budget;
  }

  /** The window the peer may fill now: the initial one plus any growth. */
  get limit(): number {
    return this.#limit;
  }

  /** Records `bytes` arriving; false means the peer overran its window (a protocol error). */
  received(bytes: number): boolean {
    this.#outstanding += bytes;
    return this.#outstanding <= this.#limit;
  }

  /** Records `bytes` handed to the consumer; returns the credit to grant now, or 0 to wait. */
  drained(bytes: number): number {
    this.#outstanding -= bytes;
    this.#drained += bytes;
    this.#drainedSinceGrowth += bytes;
    if (this.#drained < this.#limit / 4) return 0;
    const grant = this.#drained + this.#growth();
    this.#drained = 0;
    return grant;
  }

  /** Gives back what the window borrowed; the stream is over, so it borrows nothing more. */
  close(): void {
    this.#closed = true;
    this.#budget?.giveBack(this.#borrowed);
    this.#borrowed = 0;
  }

  #growth(): number {
    if (!this.#budget || this.#closed || this.#outstanding > 0) return 0;
    if (this.#drainedSinceGrowth < this.#limit || this.#limit >= MAX_GROWN_WINDOW_BYTES) return 0;
    const lent = this.#budget.borrow(Math.min(this.#limit, MAX_GROWN_WINDOW_BYTES - this.#limit));
    this.#limit += lent;
    this.#borrowed += lent;
    this.#drainedSinceGrowth = 0;
    return lent;
  }
}

/**
 * Credit for WebSocket messages on one stream, the sending half. Unlike body data a message is
 * never split, so a sender may start a message whenever any credit is left and may overdraw by
 * that one message: a message larger than the window still goes through, alone.
 */
export class MessageSendWindow {
  #credit: number;

  constructor(initialBytes = INITIAL_WINDOW_BYTES) {
    this.#credit = initialBytes;
  }

  /** Whether a message may be sent now. */
  get open(): boolean {
    return this.#credit > 0;
  }

  /** Charges a sent message of `bytes`. */
  spend(bytes: number): void {
    this.#credit -= bytes;
  }

  /** Adds credit from a `windowUpdate` frame; returns whether sending may resume. */
  grant(bytes: number): boolean {
    this.#credit += bytes;
    return this.open;
  }
}

/**
 * The receiving half of {@link MessageSendWindow}: a message may only arrive while less than the
 * window is outstanding, so at most the window plus one message is ever held for the consumer.
 */
export class MessageReceiveWindow {
  #outstanding = 0;
  #drained = 0;
  readonly #limit: number;

  constructor(limitBytes = INITIAL_WINDOW_BYTES) {
    this.#limit = limitBytes;
  }

  /** Bytes received and not yet drained. */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Records a message of `bytes`; false means the peer sent without credit (a protocol error). */
  received(bytes: number): boolean {
    if (this.#outstanding >= this.#limit) return false;
    this.#outstanding += bytes;
    return true;
  }

  /** Records a message handed on; returns the credit to grant now, or 0 to wait for more. */
  drained(bytes: number): number {
    this.#outstanding -= bytes;
    this.#drained += bytes;
    if (this.#drained < WINDOW_UPDATE_THRESHOLD_BYTES) return 0;
    const grant = this.#drained;
    this.#drained = 0;
    return grant;
  }
}
