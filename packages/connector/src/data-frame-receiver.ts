import type { Duplex, Writable } from "node:stream";
import { DATA_FRAME_PAYLOAD_OFFSET, readDataFrameHeader } from "@burrow/wire";
import type WebSocket from "ws";

/**
 * Takes a whole `data` frame: its payload as views of the socket's reads, `byteLength` in all.
 * Must not throw (the rest of the read would be lost); the views must not be written to.
 */
export type DataFrameSink = (streamId: number, chunks: Uint8Array[], byteLength: number) => void;

/** What this file reads of ws's WebSocket (8.x): its TCP socket and its frame parser. */
interface WsInternals {
  _socket?: Duplex;
  _receiver?: Writable & {
    _allowSynchronousEvents?: boolean;
    _extensions?: Record<string, unknown>;
    _isServer?: boolean;
    _maxPayload?: number;
  };
}

/** A server frame's header: 2 bytes and at most a 64-bit length (server frames are unmasked). */
const MAX_WS_HEADER_BYTES = 10;
const FIN = 0x80;
const RSV_BITS = 0x70;
const OPCODE_BITS = 0x0f;
const MASKED = 0x80;
const FIN_BINARY = FIN | 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
/** RFC 6455 §5.5: control frames carry at most 125 bytes. */
const MAX_CONTROL_PAYLOAD_BYTES = 125;
/** ws refuses a 64-bit length above 2^53 − 1: the high word may use 21 bits. */
const MAX_LENGTH_HIGH_WORD = 2 ** 21 - 1;

/**
 * Reads the edge's WebSocket frames off the TCP socket under ws, so that a tunnel `data` frame's
 * payload reaches its stream as the socket's reads themselves: views, never joined. Every other
 * frame goes on to ws's own Receiver byte for byte, in order, so ws still owns text messages,
 * the other tunnel frames, pings, the close handshake, errors and limits.
 *
 * ws joins a message that spans reads into a fresh buffer: a 512 KiB data frame arrives in ~8
 * reads of 64 KiB, and perf showed ws's `Receiver.consume` at ~22 % of the connector's upload CPU
 * (memmove ~10 %, page faults on the fresh pages ~5 %). The receive-side twin of
 * {@link DataFrameSender}; the edge sends exactly the same bytes as before.
 *
 * A frame is taken only when ws would deliver it as one binary message and `decodeFrame` would
 * read it as a data frame from its first DATA_FRAME_PAYLOAD_OFFSET bytes alone
 * (`readDataFrameHeader`: canonical layout, the declared length agreeing with the WebSocket
 * length, within maxPayload). Anything else, a frame that lies about its length included, goes to
 * ws whole and takes the path it took before (a malformed one closes with `malformedFrame`). A
 * header ws refuses (reserved bits, a mask, a bad opcode) hands ws everything from there on.
 * Frames ws passes are written as ranges of the reads they came in, as ws's socket listener
 * writes them, with its backpressure (the socket pauses when `write` returns false).
 */
export class DataFrameReceiver {
  readonly #socket: Duplex;
  readonly #receiver: Writable;
  readonly #sink: DataFrameSink;
  readonly #maxPayloadBytes: number;
  readonly #listener: ((chunk: Buffer) => void) & { listener?: unknown };

  /** The frame header being read, then for a candidate its payload's first bytes: a copy. */
  readonly #head = new Uint8Array(MAX_WS_HEADER_BYTES + DATA_FRAME_PAYLOAD_OFFSET);
  #headBytes = 0;
  /** The reads (views) `#head` came from before the current one, for ws if the frame is not ours. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  /** Bytes of a frame for ws still to come. */
  #forwardBytes = 0;
  /** ws is inside a fragmented message: every frame goes to it until the final fragment. */
  #fragmented = false;
  /** ws refused a header: it reads everything from there on. */
  #forwardAll = false;
  /** ws stopped reading (close frame, error): nothing more is read. */
  #stopped = false;

  /** The data frame being collected. */
  #streamId = 0;
  #payloadBytes = 0;
  #payloadLeft = 0;
  #paddingLeft = 0;
  #chunks: Uint8Array[] = [];

  private constructor(
    socket: Duplex,
    receiver: Writable,
    maxPayloadBytes: number,
    wsListener: unknown,
    sink: DataFrameSink,
  ) {
    this.#socket = socket;
    this.#receiver = receiver;
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#sink = sink;
    const listener: ((chunk: Buffer) => void) & { listener?: unknown } = (chunk) =>
      this.#onData(chunk);
    // ws detaches its 'data' listener with removeListener('data', socketOnData) when it stops
    // reading (close frame, receiver error, socket close). EventEmitter also removes a listener
    // whose `listener` property is the function named (the shape of `once` wrappers), so ws's
    // own calls detach this one at the moments they detached theirs.
    listener.listener = wsListener;
    this.#listener = listener;
  }

  /**
   * Takes over reading `ws`'s socket; call it in the `open` handler (ws has unshifted the
   * handshake's spare bytes and added its listener, and no frame byte has been read yet). Returns
   * null, leaving ws as it was, when ws's internals are not what this was written against.
   */
  static attach(ws: WebSocket, sink: DataFrameSink): DataFrameReceiver | null {
    const { _socket: socket, _receiver: receiver } = ws as unknown as WsInternals;
    if (!socket || !receiver || typeof receiver.write !== "function") return null;
    // Messages must be emitted inside `write`, or a data frame could overtake the head before it.
    if (receiver._allowSynchronousEvents !== true || receiver._isServer !== false) return null;
    if (Object.keys(receiver._extensions ?? {}).length > 0) return null; // permessage-deflate
    const maxPayloadBytes = receiver._maxPayload;
    if (typeof maxPayloadBytes !== "number" || maxPayloadBytes <= 0) return null;
    const listeners = socket.rawListeners("data");
    if (listeners.length !== 1 || receiver.writableEnded || receiver.destroyed) return null;
    const taken = new DataFrameReceiver(socket, receiver, maxPayloadBytes, listeners[0], sink);
    socket.removeListener("data", listeners[0] as (...args: unknown[]) => void);
    socket.on("data", taken.#listener);
    // ws's close listener writes what a paused socket still buffers to its Receiver: it must go
    // through here first, since it may continue a frame this receiver is in the middle of.
    socket.prependListener("close", () => taken.#onClose());
    return taken;
  }

  /** The socket closed: what a paused socket still holds is read as ws's close listener would. */
  #onClose(): void {
    const socket = this.#socket;
    if (!socket.rawListeners("data").includes(this.#listener)) return; // ws detached it already
    // Detached first, as ws does, so that read() cannot emit the bytes to it a second time.
    socket.removeListener("data", this.#listener);
    if (this.#wsStopped() || socket.readableEnded || socket.readableLength === 0) return;
    const chunk = socket.read(socket.readableLength) as Buffer | null;
    if (chunk) this.#onData(chunk);
  }

  /** ws's Receiver took a close frame or failed: it reads no more, and neither does this. */
  #wsStopped(): boolean {
    const receiver = this.#receiver;
    if (receiver.writableEnded || receiver.destroyed || receiver.errored !== null) {
      this.#stopped = true;
    }
    return this.#stopped;
  }

  /** Hands `bytes` to ws as its socket listener would; false once ws stopped reading. */
  #toWs(bytes: Uint8Array): boolean {
    if (this.#wsStopped()) return false;
    if (!this.#receiver.write(bytes)) this.#socket.pause();
    return !this.#wsStopped();
  }

  #onData(chunk: Buffer): void {
    if (this.#stopped) return;
    if (this.#forwardAll) {
      this.#toWs(chunk);
      return;
    }
    const length = chunk.byteLength;
    let at = 0;
    /** Start of the bytes for ws in this read not yet written (they are written as one range). */
    let run = -1;
    while (at < length) {
      if (this.#forwardBytes > 0) {
        const n = Math.min(this.#forwardBytes, length - at);
        if (run < 0) run = at;
        at += n;
        this.#forwardBytes -= n;
        continue;
      }
      if (this.#payloadLeft > 0) {
        const n = Math.min(this.#payloadLeft, length - at);
        this.#chunks.push(chunk.subarray(at, at + n));
        at += n;
        this.#payloadLeft -= n;
        if (this.#payloadLeft === 0 && this.#paddingLeft === 0) this.#deliver();
        continue;
      }
      if (this.#paddingLeft > 0) {
        const n = Math.min(this.#paddingLeft, length - at);
        at += n;
        this.#paddingLeft -= n;
        if (this.#paddingLeft === 0) this.#deliver();
        continue;
      }
      // A frame starts here, or its header continues from the reads held.
      const start = at;
      const decision = this.#readHead(chunk, at);
      at = decision.at;
      if (decision.kind === "more") break; // the read ended inside the header
      if (decision.kind === "ours") {
        // What came before this frame in the read goes to ws first, in order.
        if (run >= 0 ? !this.#toWs(chunk.subarray(run, start)) : this.#wsStopped()) return;
        run = -1;
        this.#resetHead();
        if (this.#payloadLeft === 0 && this.#paddingLeft === 0) this.#deliver();
        continue;
      }
      // For ws: the reads held for its header first, then this read's range from its start.
      if (this.#held.length > 0) {
        for (const held of this.#held) if (!this.#toWs(held)) return;
      }
      if (run < 0) run = start;
      this.#forwardBytes = decision.frameBytes - this.#headBytes;
      this.#resetHead();
      if (decision.kind === "all") {
        this.#forwardAll = true;
        this.#toWs(chunk.subarray(run));
        return;
      }
    }
    if (this.#headBytes > 0) {
      // A header continues in the next read: this read's part of it is held, not yet written.
      const start = length - (this.#headBytes - this.#heldBytes);
      if (run >= 0 && run < start && !this.#toWs(chunk.subarray(run, start))) return;
      this.#held.push(chunk.subarray(start));
      this.#heldBytes = this.#headBytes;
      return;
    }
    if (run >= 0) this.#toWs(chunk.subarray(run));
  }

  #resetHead(): void {
    this.#headBytes = 0;
    this.#held = [];
    this.#heldBytes = 0;
  }

  /**
   * Copies header bytes from `chunk` at `at` into `#head` until the frame can be classified:
   * `ws` (a frame ws reads, `frameBytes` long with its header), `all` (a header ws refuses),
   * `ours` (a data frame, now being collected) or `more` (the read ended first).
   */
  #readHead(
    chunk: Buffer,
    at: number,
  ):
    | { kind: "more"; at: number }
    | { kind: "ws" | "all"; at: number; frameBytes: number }
    | { kind: "ours"; at: number } {
    const head = this.#head;
    const take = (upTo: number): boolean => {
      const n = Math.min(upTo - this.#headBytes, chunk.byteLength - at);
      if (n > 0) {
        head.set(chunk.subarray(at, at + n), this.#headBytes);
        this.#headBytes += n;
        at += n;
      }
      return this.#headBytes >= upTo;
    };
    if (!take(2)) return { kind: "more", at };
    const first = head[0]!;
    const second = head[1]!;
    const opcode = first & OPCODE_BITS;
    const fin = (first & FIN) !== 0;
    const length7 = second & 0x7f;
    if (this.#refusedByWs(first, second)) return { kind: "all", at, frameBytes: this.#headBytes };
    const headerBytes = length7 === 126 ? 4 : length7 === 127 ? 10 : 2;
    if (!take(headerBytes)) return { kind: "more", at };
    let payloadBytes = length7;
    if (length7 === 126) {
      payloadBytes = (head[2]! << 8) | head[3]!;
    } else if (length7 === 127) {
      const high = ((head[2]! << 24) | (head[3]! << 16) | (head[4]! << 8) | head[5]!) >>> 0;
      if (high > MAX_LENGTH_HIGH_WORD) return { kind: "all", at, frameBytes: this.#headBytes };
      const low = ((head[6]! << 24) | (head[7]! << 16) | (head[8]! << 8) | head[9]!) >>> 0;
      payloadBytes = high * 2 ** 32 + low;
    }
    const frameBytes = headerBytes + payloadBytes;
    const candidate =
      first === FIN_BINARY &&
      payloadBytes >= DATA_FRAME_PAYLOAD_OFFSET &&
      payloadBytes <= this.#maxPayloadBytes;
    if (!candidate) {
      // Track fragmentation as ws does (its header checks passed, so the opcode fits the state).
      if (opcode === CONTINUATION) {
        if (fin) this.#fragmented = false;
      } else if (opcode < CLOSE && !fin) {
        this.#fragmented = true;
      }
      return { kind: "ws", at, frameBytes };
    }
    if (!take(headerBytes + DATA_FRAME_PAYLOAD_OFFSET)) return { kind: "more", at };
    const header = readDataFrameHeader(head.subarray(headerBytes), payloadBytes);
    if (header === undefined) return { kind: "ws", at, frameBytes };
    this.#streamId = header.streamId;
    this.#payloadBytes = header.payloadBytes;
    this.#payloadLeft = header.payloadBytes;
    this.#paddingLeft = payloadBytes - DATA_FRAME_PAYLOAD_OFFSET - header.payloadBytes;
    this.#chunks = [];
    return { kind: "ours", at };
  }

  /**
   * Whether ws's Receiver (client side, no extensions) fails the connection on these first two
   * header bytes: reserved bits, a mask, an unknown opcode, a continuation outside a fragmented
   * message or a new message inside one, a fragmented or oversized control frame.
   */
  #refusedByWs(first: number, second: number): boolean {
    if ((first & RSV_BITS) !== 0 || (second & MASKED) !== 0) return true;
    const opcode = first & OPCODE_BITS;
    const length7 = second & 0x7f;
    if (opcode === CONTINUATION) return !this.#fragmented;
    if (opcode === 0x1 || opcode === 0x2) return this.#fragmented;
    if (opcode >= CLOSE && opcode <= 0xa) {
      return (
        (first & FIN) === 0 ||
        length7 > MAX_CONTROL_PAYLOAD_BYTES ||
        (opcode === CLOSE && length7 === 1)
      );
    }
    return true;
  }

  #deliver(): void {
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#sink(this.#streamId, chunks, this.#payloadBytes);
  }
}
