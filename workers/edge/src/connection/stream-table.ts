import { GROWN_WINDOWS_BUDGET_BYTES, ResetCode, WindowBudget } from "@burrow/wire";
import { StreamFailure, type TunnelStream } from "./stream-failure";

/** Told when a stream starts, so deadlines are watched only while streams are in flight. */
export interface StreamWatcher {
  arm(): void;
}

/**
 * The Tunnel DO's streams by id, across all its connector sockets. Stream 0 is each connection
 * itself; ids stay within UInt32 and are never reused while a stream holds them.
 */
export class StreamTable {
  /**
   * What this object's streams may borrow to grow their receive windows past the initial 1 MiB
   * (packages/wire flow-control.ts): with it the object holds at most a window per stream plus
   * this, within an isolate's 128 MB on Cloudflare.
   */
  readonly windowBudget = new WindowBudget(GROWN_WINDOWS_BUDGET_BYTES);
  readonly #streams = new Map<number, TunnelStream>();
  // Hibernation resets this counter, but no stream outlives hibernation (an in-flight request
  // keeps the object awake); a random start keeps ids of a just-reset stream from being reused.
  #nextId = 1 + Math.floor(Math.random() * 2 ** 30);
  #watcher: StreamWatcher | null = null;

  /** Who is armed whenever a stream starts (the watchdog). */
  watchedBy(watcher: StreamWatcher): void {
    this.#watcher = watcher;
  }

  /** A fresh id for a stream about to be opened. */
  allocateId(): number {
    do {
      this.#nextId = (this.#nextId % 0x7fff_ffff) + 1;
    } while (this.#streams.has(this.#nextId));
    return this.#nextId;
  }

  /** Tracks `stream` until {@link remove}; returns it. */
  add<T extends TunnelStream>(stream: T): T {
    this.#streams.set(stream.id, stream);
    this.#watcher?.arm();
    return stream;
  }

  remove(id: number): void {
    this.#streams.delete(id);
  }

  get(id: number): TunnelStream | undefined {
    return this.#streams.get(id);
  }

  get size(): number {
    return this.#streams.size;
  }

  /** A snapshot, safe to iterate while streams finish. */
  all(): TunnelStream[] {
    return [...this.#streams.values()];
  }

  /** Fails every stream carried by `socket` with `failure` (default: going away with `message`). */
  failOn(socket: WebSocket, failure: StreamFailure | string): void {
    const reason =
      typeof failure === "string" ? new StreamFailure(ResetCode.goingAway, failure) : failure;
    for (const stream of this.all()) {
      if (stream.socket === socket) stream.fail(reason);
    }
  }
}
