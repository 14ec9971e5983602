import { randomBytes } from "node:crypto";
import type { Header } from "@burrow/wire";
import type { RequestHead, StreamObserver } from "../origin-stream";
import { BodyCapture } from "./body-capture";

/** ngrok's inspector keeps the last requests in memory; 500 is plenty for a webhook session. */
export const DEFAULT_MAX_REQUESTS = 500;
/** Each body is captured up to 256 KiB; the rest only counts towards its size. */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;
/**
 * The inspector is on by default for quick tunnels, so its memory is bounded as a whole too:
 * 500 requests with two full bodies each would be 250 MiB; past 64 MiB the oldest go first.
 */
export const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** How a recorded request ended, so far. */
export type ExchangeState = "pending" | "complete" | "failed";

/** One request the inspector saw, as the origin saw it, and its answer. */
export interface Exchange {
  /** Unique within this process, ngrok-style: 16 hex digits. */
  id: string;
  /** Wall clock start, ms since the epoch. */
  startedAtMs: number;
  /** Monotonic start, for the duration. */
  startedAtNs: bigint;
  /** Nanoseconds from the head to the last byte (or the reset); null while pending. */
  durationNs: number | null;
  /** The edge connection it came over; null for a replay. */
  connIndex: number | null;
  /** The id of the request this one replays, or null. */
  replayOf: string | null;
  /** The head as the edge sent it: replays start from it. */
  head: RequestHead;
  requestBody: BodyCapture;
  response: { status: number; statusText: string; headers: Header[]; body: BodyCapture } | null;
  state: ExchangeState;
  /** The reset's message when the connector reset the stream. */
  error: string | null;
}

/** A change to the store: a request started, got its answer or ended; or everything was cleared. */
export type StoreEvent = { kind: "update"; exchange: Exchange } | { kind: "clear" };

/** Options for {@link InspectorStore}. */
export interface InspectorStoreOptions {
  maxRequests?: number;
  maxBodyBytes?: number;
  /** Captured bytes over every request; the oldest requests are dropped past it. */
  maxTotalBytes?: number;
}

/**
 * The last N requests in memory, oldest dropped first, each body captured up to a bound: what
 * the inspector page and its ngrok-shaped API read. Nothing here is ever logged.
 */
export class InspectorStore {
  readonly maxRequests: number;
  readonly maxBodyBytes: number;
  readonly maxTotalBytes: number;
  /** Body bytes captured by the requests still kept. */
  #capturedBytes = 0;
  /** Insertion order is age order: the first key is the oldest. */
  readonly #exchanges = new Map<string, Exchange>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #idPrefix = randomBytes(4).toString("hex");
  #sequence = 0;

  constructor(options: InspectorStoreOptions = {}) {
    this.maxRequests = options.maxRequests ?? DEFAULT_MAX_REQUESTS;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  }

  /** Starts recording a request; the observer fills the record in as the stream runs. */
  observe(
    head: RequestHead,
    connIndex: number | null,
    replayOf: string | null = null,
  ): StreamObserver & { id: string } {
    const exchange: Exchange = {
      id: `${this.#idPrefix}${(++this.#sequence).toString(16).padStart(8, "0")}`,
      startedAtMs: Date.now(),
      startedAtNs: process.hrtime.bigint(),
      durationNs: null,
      connIndex,
      replayOf,
      head,
      requestBody: new BodyCapture(this.maxBodyBytes),
      response: null,
      state: "pending",
      error: null,
    };
    this.#exchanges.set(exchange.id, exchange);
    this.#evict(exchange);
    this.#emit({ kind: "update", exchange });
    // Bytes of a request already dropped are not counted: it is no longer in the store.
    const kept = (bytes: number) => {
      if (bytes === 0 || this.#exchanges.get(exchange.id) !== exchange) return;
      this.#capturedBytes += bytes;
      this.#evict(exchange);
    };
    return {
      id: exchange.id,
      requestBody: (bytes) => kept(exchange.requestBody.add(bytes)),
      sent: (body) => {
        switch (body.kind) {
          case "responseHead": {
            exchange.response = {
              status: body.status,
              statusText: body.statusText,
              headers: body.headers,
              body: new BodyCapture(this.maxBodyBytes),
            };
            kept(exchange.response.body.add(body.body));
            this.#emit({ kind: "update", exchange });
            return;
          }
          case "data":
            if (exchange.response) kept(exchange.response.body.add(body.bytes));
            return;
          case "reset":
            exchange.error = body.message;
            return;
        }
      },
      done: (failed) => {
        if (exchange.state !== "pending") return;
        exchange.state = failed ? "failed" : "complete";
        exchange.durationNs = Number(process.hrtime.bigint() - exchange.startedAtNs);
        this.#emit({ kind: "update", exchange });
      },
    };
  }

  /** Newest first, as ngrok lists them. */
  list(): Exchange[] {
    return [...this.#exchanges.values()].reverse();
  }

  get(id: string): Exchange | null {
    return this.#exchanges.get(id) ?? null;
  }

  get size(): number {
    return this.#exchanges.size;
  }

  /** Body bytes held now, over every kept request. */
  get capturedBytes(): number {
    return this.#capturedBytes;
  }

  clear(): void {
    this.#exchanges.clear();
    this.#capturedBytes = 0;
    this.#emit({ kind: "clear" });
  }

  /** Calls `listener` on every change; returns the unsubscribe. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Drops the oldest requests past either bound; `current` (being recorded) is kept. */
  #evict(current: Exchange): void {
    for (const [id, exchange] of this.#exchanges) {
      const over =
        this.#exchanges.size > this.maxRequests || this.#capturedBytes > this.maxTotalBytes;
      if (!over || exchange === current) break;
      this.#exchanges.delete(id);
      this.#capturedBytes -=
        exchange.requestBody.captured + (exchange.response?.body.captured ?? 0);
    }
  }

  #emit(event: StoreEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
