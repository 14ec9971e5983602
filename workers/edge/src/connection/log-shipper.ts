import type { LogRow, LogSink } from "./request-trace";

/**
 * Finished requests wait this long (or until this many) before they travel to the Tunnel DO's log
 * in one RPC: one call per second per connection instead of one per request keeps the tunnel's
 * shared object off the hot path.
 */
const SHIP_AFTER_MS = 1000;
const SHIP_AT_ENTRIES = 64;
/**
 * At most this many of a connection's requests per second are traced for the log; the rest are not
 * logged. The log holds the tunnel's last 1,000 requests, so ten busy connections fill it each
 * second anyway, and the cap keeps the Tunnel DO's SQLite writes bounded (100 connections ×
 * 100 rows per second at most) however much traffic the connections carry.
 */
const MAX_ROWS_PER_SECOND = 100;

/**
 * A connection object's side of the request log: it batches finished requests and ships them to
 * the Tunnel DO (tunnel/request-log.ts), which answers the tunnel's capture switch with each batch.
 */
export class LogShipper implements LogSink {
  capture = false;
  readonly #ship: (rows: LogRow[]) => Promise<boolean>;
  #pending: LogRow[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #windowStartedAt = 0;
  #tracedInWindow = 0;

  /** `ship` delivers a batch and answers whether capture is on. */
  constructor(ship: (rows: LogRow[]) => Promise<boolean>) {
    this.#ship = ship;
  }

  /**
   * Whether a request starting now is traced: at most MAX_ROWS_PER_SECOND per second, so a busy
   * connection spends nothing on building log rows (headers, path redaction) it would not keep.
   */
  accepts(): boolean {
    const now = Date.now();
    if (now - this.#windowStartedAt >= 1000) {
      this.#windowStartedAt = now;
      this.#tracedInWindow = 0;
    }
    if (this.#tracedInWindow >= MAX_ROWS_PER_SECOND) return false;
    this.#tracedInWindow++;
    return true;
  }

  record(row: LogRow): void {
    this.#pending.push(row);
    if (this.#pending.length >= SHIP_AT_ENTRIES) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), SHIP_AFTER_MS);
  }

  /** Ships what waits now (the log's readers call this first, so a list is never behind). */
  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.length === 0) return;
    const rows = this.#pending.splice(0);
    try {
      this.capture = await this.#ship(rows);
    } catch (error) {
      // The log is for inspection; losing a batch must never fail traffic.
      console.warn(`tunnel connection: ${rows.length} request log entries lost: ${error}`);
    }
  }
}
