import { CLOSE_CODES } from "@burrow/wire";
import { type ConnectorSockets, connectionOf } from "./connector-sockets";
import { ConnectorUnresponsive, type StreamDeadlines } from "./stream-failure";
import type { StreamTable, StreamWatcher } from "./stream-table";

/** How often the watchdog looks at heartbeats and deadlines while streams are in flight. */
const WATCHDOG_INTERVAL_MS = 1_000;

/**
 * Closes connections that stopped answering heartbeats, failing the streams waiting on them, and
 * applies each stream's deadlines. It runs only while streams are in flight: the object is awake
 * then anyway, and an idle object must be free to hibernate.
 */
export class Watchdog implements StreamWatcher {
  readonly #streams: StreamTable;
  readonly #sockets: ConnectorSockets;
  readonly #env: Env;
  readonly #closed: (socket: WebSocket) => void;
  #timer: ReturnType<typeof setInterval> | null = null;
  #lastCheckAt = 0;

  /** `closed` is told of each connection the watchdog closes (no close event follows for it). */
  constructor(
    streams: StreamTable,
    sockets: ConnectorSockets,
    env: Env,
    closed: (socket: WebSocket) => void,
  ) {
    this.#streams = streams;
    this.#sockets = sockets;
    this.#env = env;
    this.#closed = closed;
  }

  /** Starts the checks unless they run already (a stream just started). */
  arm(): void {
    this.#timer ??= setInterval(() => this.#check(), WATCHDOG_INTERVAL_MS);
  }

  #check(): void {
    if (this.#streams.size === 0) {
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      this.#lastCheckAt = 0;
      return;
    }
    const now = Date.now();
    // A tick that comes late means this object itself was starved of CPU: frames that prove a
    // connection alive may still be queued behind this timer, so judge only on the next tick.
    const starved = this.#lastCheckAt !== 0 && now - this.#lastCheckAt > 2 * WATCHDOG_INTERVAL_MS;
    this.#lastCheckAt = now;
    for (const socket of starved ? [] : this.#sockets.frozen(now)) {
      console.warn(
        `tunnel: connection ${connectionOf(socket)?.connectionId} stopped answering; closing it`,
      );
      try {
        socket.close(CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
      } catch {
        // Already closing.
      }
      this.#streams.failOn(socket, new ConnectorUnresponsive());
      this.#closed(socket);
    }
    const deadlines = this.#deadlines();
    for (const stream of this.#streams.all()) stream.expire?.(now, deadlines);
  }

  #deadlines(): StreamDeadlines {
    return {
      responseHeadMs: Number(this.#env.ORIGIN_RESPONSE_TIMEOUT_SECONDS) * 1000,
      streamIdleMs: Number(this.#env.STREAM_IDLE_TIMEOUT_SECONDS) * 1000,
      webSocketIdleMs: Number(this.#env.WEBSOCKET_IDLE_TIMEOUT_SECONDS) * 1000,
    };
  }
}
