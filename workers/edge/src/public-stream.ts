import {
  encodeFrame,
  type Frame,
  type FrameBody,
  MAX_DATA_CHUNK_BYTES,
  ReceiveWindow,
  ResetCode,
  SendWindow,
} from "@burrow/wire";

/** The origin's answer head, as the connector sent it. */
export type ResponseHead = Extract<FrameBody, { kind: "responseHead" }>;

/** Why a stream ended badly; `beforeHead` failures become a 502 page, later ones abort the body. */
export class StreamFailure extends Error {
  readonly code: ResetCode;
  constructor(code: ResetCode, message: string) {
    super(message);
    this.name = "StreamFailure";
    this.code = code;
  }
}

/**
 * One visitor request carried over one connector WebSocket: its request body pump, the response
 * body queue and both flow-control windows. Bytes held here are bounded by the receive window.
 */
export class PublicStream {
  readonly id: number;
  readonly socket: WebSocket;
  readonly head: Promise<ResponseHead>;
  readonly #sendWindow = new SendWindow();
  readonly #receiveWindow = new ReceiveWindow();
  readonly #onDone: () => void;
  #resolveHead!: (head: ResponseHead) => void;
  #rejectHead!: (error: StreamFailure) => void;
  #queue: Uint8Array[] = [];
  #wake: (() => void) | null = null;
  #ended = false;
  #failure: StreamFailure | null = null;
  #done = false;
  #visitorSocket: WebSocket | null = null;

  constructor(id: number, socket: WebSocket, onDone: () => void) {
    this.id = id;
    this.socket = socket;
    this.#onDone = onDone;
    this.head = new Promise((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
    // A failure before anyone awaits the head must not surface as an unhandled rejection.
    this.head.catch(() => {});
  }

  /** Sends one frame on this stream's connector socket; false when the socket is gone. */
  send(body: FrameBody): boolean {
    try {
      this.socket.send(encodeFrame({ ...body, streamId: this.id } as Frame));
      return true;
    } catch {
      this.fail(new StreamFailure(ResetCode.goingAway, "connector connection closed"));
      return false;
    }
  }

  /** Streams the visitor's body to the connector within the peer's window, then `end`. */
  async pumpRequestBody(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<void> {
    const reader = body.getReader();
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          this.reset(ResetCode.tooLarge, "request body too large");
          return;
        }
        for (let offset = 0; offset < value.byteLength; offset += MAX_DATA_CHUNK_BYTES) {
          const chunk = value.subarray(offset, offset + MAX_DATA_CHUNK_BYTES);
          if (!(await this.#sendWindow.take(chunk.byteLength))) return;
          if (!this.send({ kind: "data", bytes: chunk })) return;
        }
      }
      if (!this.#done) this.send({ kind: "end" });
    } catch {
      // The visitor went away mid-upload: tell the connector so the origin sees an aborted body.
      this.reset(ResetCode.cancelled, "visitor aborted the request body");
    } finally {
      reader.releaseLock();
    }
  }

  /** The response body: pulled by the runtime as the visitor reads, granting credit as it goes. */
  responseBody(): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.#queue.length === 0 && !this.#ended && !this.#failure) {
            await new Promise<void>((resolve) => {
              this.#wake = resolve;
            });
          }
          const chunk = this.#queue.shift();
          if (chunk) {
            controller.enqueue(chunk);
            const grant = this.#receiveWindow.drained(chunk.byteLength);
            if (grant > 0 && !this.#ended) this.send({ kind: "windowUpdate", bytes: grant });
          } else if (this.#failure) {
            controller.error(this.#failure);
            this.#finish();
          } else {
            controller.close();
            this.#finish();
          }
        },
        cancel: () => this.reset(ResetCode.cancelled, "visitor closed the response"),
      },
      { highWaterMark: 0 },
    );
  }

  /** Relays a visitor WebSocket accepted by the DO; messages travel as frames on this stream. */
  attachVisitorSocket(visitor: WebSocket): void {
    this.#visitorSocket = visitor;
    // At this Worker's compatibility date workerd delivers binary messages as Blob (the WHATWG
    // default), and `new Uint8Array(blob)` is silently empty; ask for ArrayBuffers instead.
    visitor.binaryType = "arraybuffer";
    visitor.addEventListener("message", (event) => {
      const text = typeof event.data === "string";
      const bytes = text
        ? new TextEncoder().encode(event.data as string)
        : new Uint8Array(event.data as ArrayBuffer);
      this.send({ kind: "webSocketMessage", text, bytes });
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

  /** Handles a frame the connector sent on this stream; false means a protocol violation. */
  receive(frame: Frame): boolean {
    switch (frame.kind) {
      case "responseHead":
        this.#resolveHead(frame);
        return true;
      case "data":
        if (!this.#receiveWindow.received(frame.bytes.byteLength)) return false;
        this.#queue.push(frame.bytes);
        this.#wakeReader();
        return true;
      case "end":
        this.#ended = true;
        this.#wakeReader();
        return true;
      case "windowUpdate":
        this.#sendWindow.grant(frame.bytes);
        return true;
      case "reset":
        this.fail(new StreamFailure(frame.code, frame.message));
        return true;
      case "webSocketMessage":
        this.#visitorSocket?.send(frame.text ? new TextDecoder().decode(frame.bytes) : frame.bytes);
        return true;
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
    if (this.#done) return;
    this.#failure = failure;
    this.#rejectHead(failure);
    this.#sendWindow.close();
    this.#wakeReader();
    if (this.#visitorSocket) {
      closeQuietly(this.#visitorSocket, 1011, "tunnel stream failed");
      this.#finish();
    }
    // A body nobody reads would keep the entry forever; the pull loop finishes it otherwise.
    if (this.#queue.length === 0) this.#finish();
  }

  #wakeReader(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#sendWindow.close();
    this.#onDone();
  }
}

function closeQuietly(socket: WebSocket | null, code: number, reason: string): void {
  // 1005/1006 describe a missing close frame and may not be sent; 1011 says "went wrong".
  const sendable =
    code === 1000 ||
    (code >= 3000 && code <= 4999) ||
    (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006);
  try {
    socket?.close(sendable ? code : 1011, reason.slice(0, 120));
  } catch {
    // Already closed.
  }
}
