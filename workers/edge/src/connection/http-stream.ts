import {
  encodeFrame,
  type Frame,
  type FrameBody,
  isSendableCloseCode,
  MAX_DATA_CHUNK_BYTES,
  MessageReceiveWindow,
  MessageSendWindow,
  ReceiveWindow,
  ResetCode,
  SendWindow,
  type WindowBudget,
} from "@burrow/wire";
import { type BodySink, frameInPlace } from "./request-body";
import { type StreamDeadlines, StreamFailure, type TunnelStream } from "./stream-failure";

/** The origin's answer head, as the connector sent it. */
export type ResponseHead = Extract<FrameBody, { kind: "responseHead" }>;

/** Sees each body chunk as it passes: the request log counts (and may capture) them. */
export interface ByteTrace {
  sent(bytes: Uint8Array): void;
  received(bytes: Uint8Array): void;
}

/**
 * Visitor WebSocket messages the DO holds while the connector has granted no credit. workerd
 * cannot pause a visitor's socket, so past this the visitor is closed with 1013 (try again
 * later) instead of growing the object's memory (128 MB on Cloudflare) without end.
 */
export const WEBSOCKET_QUEUE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * One HTTP exchange carried over one connector WebSocket, a visitor's or a VPC service call: the
 * upload's window, the response body queue, and a visitor WebSocket relayed after a 101. Bytes
 * held here are bounded by the receive window.
 */
export class HttpStream implements TunnelStream, BodySink {
  readonly id: number;
  readonly socket: WebSocket;
  readonly head: Promise<ResponseHead>;
  readonly #sendWindow = new SendWindow();
  readonly #receiveWindow: ReceiveWindow;
  readonly #onDone: () => void;
  #resolveHead!: (head: ResponseHead) => void;
  #rejectHead!: (error: StreamFailure) => void;
  /** Chunks that arrived before the DO built the response body. */
  #queue: Uint8Array[] = [];
  #writer: WritableStreamDefaultWriter<Uint8Array> | null = null;
  #ended = false;
  #failure: StreamFailure | null = null;
  #done = false;
  #visitorSocket: WebSocket | null = null;
  // Set when the connector credits WebSocket messages (hello feature `websocket-window`).
  #messageSendWindow: MessageSendWindow | null = null;
  #messageReceiveWindow: MessageReceiveWindow | null = null;
  #messageQueue: Array<{ text: boolean; bytes: Uint8Array }> = [];
  #messageQueueBytes = 0;
  #lastActivityAt = Date.now();
  #headReceived = false;
  /** Set by the public proxy for the request log; null for VPC calls. */
  trace: ByteTrace | null = null;

  /** `windowBudget`: what the response's receive window may borrow to grow (its object's). */
  constructor(
    id: number,
    socket: WebSocket,
    onDone: () => void,
    windowBudget: WindowBudget | null = null,
  ) {
    this.id = id;
    this.socket = socket;
    this.#onDone = onDone;
    this.#receiveWindow = new ReceiveWindow(undefined, windowBudget);
    this.head = new Promise((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
    // A failure before anyone awaits the head must not surface as an unhandled rejection.
    this.head.catch(() => {});
  }

  /** Sends one frame on this stream's connector socket; false when the socket is gone. */
  send(body: FrameBody): boolean {
    return this.#sendMessage(encodeFrame({ ...body, streamId: this.id } as Frame));
  }

  /**
   * Sends `bytes` as data frames within the window; false once the stream is gone. A piece the
   * body reader read is framed where it lies (request-body.ts frameInPlace), without a copy.
   */
  async sendData(bytes: Uint8Array): Promise<boolean> {
    for (let offset = 0; offset < bytes.byteLength; offset += MAX_DATA_CHUNK_BYTES) {
      const chunk = bytes.subarray(offset, offset + MAX_DATA_CHUNK_BYTES);
      if (!(await this.#sendWindow.take(chunk.byteLength))) return false;
      const framed = chunk.byteLength === bytes.byteLength ? frameInPlace(bytes, this.id) : null;
      const sent = framed ? this.#sendMessage(framed) : this.send({ kind: "data", bytes: chunk });
      if (!sent) return false;
      this.trace?.sent(chunk);
    }
    return true;
  }

  #sendMessage(message: Uint8Array): boolean {
    this.#lastActivityAt = Date.now();
    try {
      this.socket.send(message);
      return true;
    } catch {
      this.fail(new StreamFailure(ResetCode.goingAway, "connector connection closed"));
      return false;
    }
  }

  /** Ends the upload, unless the stream already finished. */
  endData(): void {
    if (!this.#done) this.send({ kind: "end" });
  }

  /**
   * The response body: its bytes when it is all here already, else a stream. Chunks go into a
   * native identity stream, whose write() settles once the visitor's connection took the chunk;
   * only then is the window re-opened, so the DO holds at most one window per stream. With a declared length it is a FixedLengthStream, so a body cut
   * short by a dying connector aborts the visitor's connection instead of ending cleanly.
   */
  responseBody(declaredLength: number | null): ReadableStream<Uint8Array> | Uint8Array {
    // The whole body came with the head (most small answers): bytes cost the runtime no stream,
    // no pump and no window bookkeeping, and the stream is done at once. A length that does not
    // match is left to the FixedLengthStream below, which fails the visitor's connection.
    if (this.#ended && !this.#failure) {
      const bytes = joined(this.#queue.splice(0));
      if (declaredLength === null || declaredLength === bytes.byteLength) {
        this.#finish();
        return bytes;
      }
      this.#queue.push(bytes);
    }
    const { readable, writable } =
      declaredLength === null
        ? new IdentityTransformStream()
        : new FixedLengthStream(declaredLength);
    this.#writer = writable.getWriter();
    for (const chunk of this.#queue.splice(0)) this.#write(chunk);
    if (this.#failure) this.#abortBody(this.#failure);
    else if (this.#ended) this.#closeBody();
    return readable;
  }

  /**
   * Relays a visitor WebSocket accepted by the DO; messages travel as frames on this stream.
   * With `windowed`, messages toward the connector spend its credit and wait in a bounded queue
   * when there is none, and the connector's messages are credited back as they are passed on.
   */
  attachVisitorSocket(visitor: WebSocket, windowed: boolean): void {
    this.#visitorSocket = visitor;
    if (windowed) {
      this.#messageSendWindow = new MessageSendWindow();
      this.#messageReceiveWindow = new MessageReceiveWindow();
    }
    // At this Worker's compatibility date workerd delivers binary messages as Blob (the WHATWG
    // default), and `new Uint8Array(blob)` is silently empty; ask for ArrayBuffers instead.
    visitor.binaryType = "arraybuffer";
    visitor.addEventListener("message", (event) => {
      const text = typeof event.data === "string";
      const bytes = text
        ? new TextEncoder().encode(event.data as string)
        : new Uint8Array(event.data as ArrayBuffer);
      this.#relayVisitorMessage(text, bytes);
    });
    visitor.addEventListener("close", (event) => {
      if (!this.#done)
        this.send({ kind: "webSocketClose", code: event.code, reason: event.reason });
      this.#finish();
    });
    visitor.addEventListener("error", () =>
      this.reset(ResetCode.cancelled, "visitor socket error"),
    );
  }

  /** Whether the response head arrived. */
  get answered(): boolean {
    return this.#headReceived;
  }

  /** Visitor WebSocket bytes held in the DO, waiting for the connector's credit. */
  get queuedMessageBytes(): number {
    return this.#messageQueueBytes;
  }

  #relayVisitorMessage(text: boolean, bytes: Uint8Array): void {
    if (this.#done) return;
    const window = this.#messageSendWindow;
    if (!window) {
      this.send({ kind: "webSocketMessage", text, bytes });
      return;
    }
    if (this.#messageQueue.length === 0 && window.open) {
      window.spend(bytes.byteLength);
      this.send({ kind: "webSocketMessage", text, bytes });
      return;
    }
    if (this.#messageQueueBytes + bytes.byteLength > WEBSOCKET_QUEUE_LIMIT_BYTES) {
      this.#lastActivityAt = Date.now();
      closeQuietly(this.#visitorSocket, 1013, "the origin is not reading; slow down");
      this.reset(
        ResetCode.cancelled,
        "visitor sent WebSocket messages faster than the origin read",
      );
      return;
    }
    this.#lastActivityAt = Date.now();
    this.#messageQueue.push({ text, bytes });
    this.#messageQueueBytes += bytes.byteLength;
  }

  #flushMessageQueue(): void {
    const window = this.#messageSendWindow!;
    while (this.#messageQueue.length > 0 && window.open && !this.#done) {
      const message = this.#messageQueue.shift()!;
      this.#messageQueueBytes -= message.bytes.byteLength;
      window.spend(message.bytes.byteLength);
      this.send({ kind: "webSocketMessage", ...message });
    }
  }

  /**
   * Applies the watchdog's deadlines at `now`: no response head in time → reset (524 for the
   * visitor); a request stream or WebSocket idle too long → reset or closed with 1001.
   */
  expire(now: number, deadlines: StreamDeadlines): void {
    if (this.#done) return;
    if (!this.#headReceived) {
      // Counted from the last frame either way, so a long upload is not cut off mid-way.
      if (now - this.#lastActivityAt >= deadlines.responseHeadMs) {
        this.reset(ResetCode.originTimeout, "the origin did not answer in time");
      }
      return;
    }
    const idleMs = now - this.#lastActivityAt;
    if (this.#visitorSocket) {
      if (idleMs < deadlines.webSocketIdleMs) return;
      closeQuietly(this.#visitorSocket, 1001, "idle timeout");
      this.send({ kind: "webSocketClose", code: 1001, reason: "idle timeout" });
      this.#finish();
      return;
    }
    if (idleMs >= deadlines.streamIdleMs && !this.#ended) {
      this.reset(ResetCode.originTimeout, "the stream was idle too long");
    }
  }

  /** Handles a frame the connector sent on this stream; false means a protocol violation. */
  receive(frame: Frame): boolean {
    this.#lastActivityAt = Date.now();
    switch (frame.kind) {
      case "responseHead":
        this.#headReceived = true;
        // A small body may ride with the head; it is queued before anyone reads the head.
        if (frame.body.byteLength > 0) {
          if (!this.#receiveWindow.received(frame.body.byteLength)) return false;
          this.#queue.push(frame.body);
          this.trace?.received(frame.body);
        }
        if (frame.endStream) this.#ended = true;
        this.#resolveHead(frame);
        return true;
      case "data":
        if (!this.#receiveWindow.received(frame.bytes.byteLength)) return false;
        this.trace?.received(frame.bytes);
        if (this.#writer) this.#write(frame.bytes);
        else this.#queue.push(frame.bytes);
        return true;
      case "end":
        this.#ended = true;
        if (this.#writer) this.#closeBody();
        return true;
      case "windowUpdate":
        if (this.#messageSendWindow) {
          if (this.#messageSendWindow.grant(frame.bytes)) this.#flushMessageQueue();
        } else this.#sendWindow.grant(frame.bytes);
        return true;
      case "reset":
        this.fail(new StreamFailure(frame.code, frame.message));
        return true;
      case "webSocketMessage": {
        const window = this.#messageReceiveWindow;
        if (window && !window.received(frame.bytes.byteLength)) return false;
        this.#visitorSocket?.send(frame.text ? new TextDecoder().decode(frame.bytes) : frame.bytes);
        // workerd's WebSocket has no bufferedAmount or send callback, so the DO cannot see the
        // visitor read; credit returns once the message is handed to the runtime.
        const grant = window?.drained(frame.bytes.byteLength) ?? 0;
        if (grant > 0 && !this.#done) this.send({ kind: "windowUpdate", bytes: grant });
        return true;
      }
      case "webSocketClose":
        closeQuietly(this.#visitorSocket, frame.code, frame.reason);
        this.#finish();
        return true;
      default:
        return false;
    }
  }

  /** Releases a stream whose response has no body (HEAD, 204, 304), once the head is in. */
  finishWithoutBody(): void {
    this.#finish();
  }

  /** Cancels the stream at both ends: the connector gets a reset, the visitor an aborted body. */
  reset(code: ResetCode, message: string): void {
    if (this.#done) return;
    this.send({ kind: "reset", code, message });
    this.fail(new StreamFailure(code, message));
  }

  /** Ends the stream locally with `failure` (the connector already knows or is gone). */
  fail(failure: StreamFailure): void {
    // After `end` the whole body is here; the visitor may still be reading it, and a connector
    // that exits now (a graceful drain) must not cut it off.
    if (this.#done || (this.#ended && !this.#visitorSocket)) return;
    this.#failure = failure;
    this.#rejectHead(failure);
    this.#sendWindow.close();
    if (this.#writer) this.#abortBody(failure);
    if (this.#visitorSocket) {
      closeQuietly(this.#visitorSocket, 1011, "tunnel stream failed");
      this.#finish();
    }
    // Without a body writer nobody will read what is queued; drop it with the stream.
    if (!this.#writer) this.#finish();
  }

  #write(chunk: Uint8Array): void {
    const writer = this.#writer!;
    writer.write(chunk).then(
      () => {
        const grant = this.#receiveWindow.drained(chunk.byteLength);
        if (grant > 0 && !this.#ended && !this.#done)
          this.send({ kind: "windowUpdate", bytes: grant });
      },
      () => this.reset(ResetCode.cancelled, "visitor closed the response"),
    );
  }

  #closeBody(): void {
    this.#writer!.close().then(
      () => this.#finish(),
      () => this.#finish(),
    );
  }

  #abortBody(failure: StreamFailure): void {
    // workerd ends an errored chunked body with a clean last chunk (cloudflare/workerd#6818), so
    // only a FixedLengthStream (declared length) makes this abort visible to the visitor.
    this.#writer!.abort(failure).catch(() => {});
    this.#finish();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#sendWindow.close();
    this.#receiveWindow.close();
    this.#messageQueue = [];
    this.#messageQueueBytes = 0;
    this.#onDone();
  }
}

/** One buffer holding `chunks` in order (the chunk itself when there is one). */
function joined(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Closes a visitor socket, with 1011 ("went wrong") for a code a close frame may not carry. */
function closeQuietly(socket: WebSocket | null, code: number, reason: string): void {
  try {
    socket?.close(isSendableCloseCode(code) ? code : 1011, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}
