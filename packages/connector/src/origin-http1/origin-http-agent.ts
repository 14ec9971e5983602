import http from "node:http";
import net from "node:net";

/** TCP keep-alive probes on origin connections, as node:http's keep-alive agent sets them. */
const TCP_KEEPALIVE_INITIAL_DELAY_MS = 1000;

/** Where an origin connection goes: a host and port, or a Unix socket. */
export type OriginAddress = { host: string; port: number } | { socketPath: string };

/**
 * Reads a connection's bytes: the request it serves, or the pool while it is idle. Connections
 * read with `onread` (no 'data' events), so the reader picks the buffer each read lands in.
 */
export interface ConnectionReader {
  /** The buffer the next read goes into. */
  readBuffer(): Uint8Array;
  /** A read arrived: a view of the buffer `readBuffer` returned. */
  read(bytes: Uint8Array): void;
}

/**
 * One read buffer for every connection whose bytes are consumed before the read returns (heads,
 * small bodies, idle connections): as node:http's parser does, so small exchanges allocate
 * nothing per read. The size is Node's own per-read allocation for sockets.
 */
export const SHARED_READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * An http.Agent (node:http still uses it for WebSocket upgrades) that also keeps the plain-HTTP
 * origin connections of origin-request.ts, with the agent's own settings: `keepAlive`,
 * `maxFreeSockets` idle connections per address, each closed after `timeout` ms idle.
 *
 * Idle connections are reused last-in first-out, as node:http's agent does by default, so the
 * warmest one serves and the rest age out. One that the origin closes, or that sends bytes while
 * idle, leaves the pool at once: bytes nobody asked for are not read as the next response.
 */
export class OriginHttpAgent extends http.Agent {
  readonly #keepAlive: boolean;
  readonly #maxIdlePerAddress: number;
  readonly #idleTimeoutMs: number;
  readonly #idle = new Map<string, net.Socket[]>();
  /** Every connection this agent opened and has not seen close: destroyed with the agent. */
  readonly #open = new Set<net.Socket>();
  /** What takes an idle connection out of the pool, to be unhooked when it is reused. */
  readonly #leaveIdle = new WeakMap<net.Socket, () => void>();
  /** Who reads each connection now. */
  readonly #readers = new WeakMap<net.Socket, { reader: ConnectionReader }>();
  #destroyed = false;

  constructor(options: http.AgentOptions = {}) {
    super(options);
    this.#keepAlive = options.keepAlive ?? false;
    this.#maxIdlePerAddress = options.maxFreeSockets ?? 256;
    this.#idleTimeoutMs = options.timeout ?? 0;
  }

  get keepsAlive(): boolean {
    return this.#keepAlive;
  }

  /**
   * An idle connection to `address`, or a new one (then `reused` is false), read by `reader`.
   * `skipIdle` skips the idle ones (a retry after a reused one turned out closed).
   */
  connection(
    address: OriginAddress,
    reader: ConnectionReader,
    skipIdle = false,
  ): { socket: net.Socket; reused: boolean } {
    const idle = skipIdle ? undefined : this.#idle.get(addressKey(address));
    let socket = idle?.pop();
    // A connection destroyed while idle leaves the pool on its 'close', which comes a turn
    // later; one taken in between would fail its request with a hang-up.
    while (socket?.destroyed) socket = idle?.pop();
    if (socket) {
      this.#readers.get(socket)!.reader = reader;
      const leave = this.#leaveIdle.get(socket);
      if (leave) {
        for (const event of IDLE_EVENTS) socket.removeListener(event, leave);
        this.#leaveIdle.delete(socket);
      }
      socket.removeListener("timeout", this.#onIdleTimeout);
      socket.setTimeout(0);
      return { socket, reused: true };
    }
    const slot = { reader };
    const onread = {
      buffer: () => slot.reader.readBuffer(),
      callback: (bytesRead: number, buffer: Uint8Array): boolean => {
        slot.reader.read(buffer.subarray(0, bytesRead));
        return true; // reading stops on pause() instead
      },
    };
    const fresh =
      "socketPath" in address
        ? net.connect({ path: address.socketPath, onread })
        : net.connect({
            host: address.host,
            port: address.port,
            onread,
            noDelay: true,
            keepAlive: true,
            keepAliveInitialDelay: TCP_KEEPALIVE_INITIAL_DELAY_MS,
          });
    this.#readers.set(fresh, slot);
    this.#open.add(fresh);
    fresh.once("close", () => this.#open.delete(fresh));
    if (this.#destroyed) fresh.destroy();
    return { socket: fresh, reused: false };
  }

  /** Takes back a connection whose response completed; it is closed if it cannot be kept. */
  release(address: OriginAddress, socket: net.Socket): void {
    const key = addressKey(address);
    const idle = this.#idle.get(key) ?? [];
    if (this.#destroyed || !this.#keepAlive || idle.length >= this.#maxIdlePerAddress) {
      socket.destroy();
      return;
    }
    if (socket.destroyed || !socket.writable || socket.readableEnded) {
      socket.destroy();
      return;
    }
    this.#idle.set(key, idle);
    idle.push(socket);
    const leave = () => {
      const index = idle.indexOf(socket);
      if (index !== -1) idle.splice(index, 1);
      socket.destroy();
    };
    // Bytes or an end while idle: the origin answered nothing we asked, or is closing. An error
    // needs a listener here: unheard, it would end the process.
    const slot = this.#readers.get(socket);
    if (slot) slot.reader = { readBuffer: () => SHARED_READ_BUFFER, read: leave };
    for (const event of IDLE_EVENTS) socket.once(event, leave);
    this.#leaveIdle.set(socket, leave);
    if (this.#idleTimeoutMs > 0) {
      socket.on("timeout", this.#onIdleTimeout);
      socket.setTimeout(this.#idleTimeoutMs);
    }
  }

  #onIdleTimeout = function (this: net.Socket): void {
    this.destroy();
  };

  override destroy(): void {
    this.#destroyed = true;
    super.destroy();
    for (const socket of this.#open) socket.destroy();
    this.#open.clear();
    this.#idle.clear();
  }
}

const IDLE_EVENTS = ["end", "close", "error"] as const;

function addressKey(address: OriginAddress): string {
  return "socketPath" in address ? `unix:${address.socketPath}` : `${address.host}:${address.port}`;
}
