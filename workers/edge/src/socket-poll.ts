/**
 * Keeps the local edge fair to visitors at saturation. workerd runs every Worker of a Miniflare
 * instance on one kj event loop, and that loop asks the kernel which sockets are readable
 * (epoll_pwait, at most 16 events a call: capnproto kj/async-unix.c++) only when it has nothing
 * else to run: workerd never sets kj's `busyPollInterval`. After answering, a keep-alive
 * connection reads its next request at once; when the client already sent it (most of the time)
 * the request runs without a poll, when not (5–9 % of requests at c=100 on 2 cores) the
 * connection waits for one. Busy with the first kind, the loop went up to 1.3 s without a poll
 * (5–9 polls/s, measured with `perf trace`), and those visitors waited that long before the edge's
 * handler started: the c=100 tail (p99 0.9–1.5 s, wrk's 2 s timeouts).
 *
 * Timers fire only when the loop polls (kj/timer.c++ `advanceTo`), so a request that waits for a
 * zero-delay timer waits for the next poll, and while new requests wait the loop soon runs dry
 * and polls. {@link SocketPollGate.wait} makes a request wait when no such timer has fired for
 * `intervalMs`: at most one request in that interval pays a loop turn while the edge is quiet, and
 * at saturation the loop polls 28–40 times a second (longest gap 0.15–0.4 s) instead of 5–9.
 */
export class SocketPollGate {
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** When a timer of this gate last fired, i.e. when the event loop last polled that we know of. */
  #lastPollAtMs = Number.NEGATIVE_INFINITY;

  /** `now` is the clock in ms (Date.now, real time in workerd); tests pass their own. */
  constructor(intervalMs: number, now: () => number = Date.now) {
    this.#intervalMs = intervalMs;
    this.#now = now;
  }

  /**
   * Resolves at once when the loop is known to have polled within `intervalMs`, else after the
   * next poll. Each waiter arms its own timer: a promise shared between requests would be settled
   * from another request's context, which workerd does not allow.
   */
  wait(): Promise<void> | undefined {
    if (this.#now() - this.#lastPollAtMs < this.#intervalMs) return undefined;
    return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(() => {
      this.#lastPollAtMs = this.#now();
    });
  }
}

/**
 * The gate the local edge asks for with `LOCAL_SOCKET_POLL_MS` (packages/local-edge), or null:
 * a deployed edge sits behind Cloudflare's front line, not alone on one event loop.
 */
export function socketPollGate(intervalMs: string | undefined): SocketPollGate | null {
  const ms = Number(intervalMs);
  return Number.isFinite(ms) && ms > 0 ? new SocketPollGate(ms) : null;
}
