import { EventEmitter } from "node:events";
import type net from "node:net";
import type { Header } from "@burrow/wire";
import {
  type ConnectionReader,
  type OriginAddress,
  type OriginHttpAgent,
  SHARED_READ_BUFFER,
} from "./origin-http-agent";
import { requestHead } from "./request-head";
import { type ResponseHead, ResponseParser } from "./response-parser";

const CRLF = Buffer.from("\r\n", "latin1");
/**
 * Methods a request may be sent again for when a kept-alive connection turned out closed before
 * any answer: Go's net/http (so cloudflared) retries exactly these, when no body was sent.
 */
const REPLAYABLE_METHODS = new Set(["GET", "HEAD", "OPTIONS", "TRACE"]);
const LAST_CHUNK = Buffer.from("0\r\n\r\n", "latin1");
/**
 * A read gets a buffer of its own (Node's socket read size, 64 KiB) once this much body is still
 * to come and the last read brought this much: a body that arrives in small reads (an event
 * stream, a slow origin) is copied out of the shared buffer instead, so no 64 KiB buffer is held
 * for a few bytes.
 */
const OWN_READ_BUFFER_FROM_BYTES = 16 * 1024;
const READ_BUFFER_BYTES = 64 * 1024;

/** What an origin request needs: where, what, and how long to wait for the answer's head. */
export interface OriginRequestOptions {
  address: OriginAddress;
  method: string;
  path: string;
  /** The head's fields as sent; a body is framed by the Content-Length or Transfer-Encoding here. */
  headers: readonly Header[];
  /** Socket inactivity before the response head that fires `timeout` (0 for none). */
  timeoutMs: number;
}

/**
 * One request to a plain-HTTP origin over a connection of an {@link OriginHttpAgent}: the subset
 * of node:http's ClientRequest the connector uses, with the same events ('socket', 'response',
 * 'timeout', 'error'), so origin-stream.ts and origin-failures.ts treat both alike.
 *
 * Throws synchronously on a head node:http would refuse (request-head.ts). The connection goes back
 * to the agent only when the response was read to its end, the request was written to its end,
 * and the origin sent nothing past the response; otherwise it is closed.
 */
export class OriginHttp1Request extends EventEmitter implements ConnectionReader {
  readonly #agent: OriginHttpAgent;
  readonly #address: OriginAddress;
  #socket: net.Socket;
  /** The head as written, kept while the request may be sent again on a fresh connection. */
  #replayHead: Buffer | null;
  /** The connection came from the idle pool (the origin may have closed it meanwhile). */
  #reused: boolean;
  #timeoutMs: number;
  /** Some byte of the response has arrived on this connection. */
  #answered = false;
  readonly #parser: ResponseParser;
  readonly #chunked: boolean;
  /** Body bytes still to write under a Content-Length (then the body is complete at 0). */
  #lengthLeft: number | null;
  /** The head asked for `Connection: close`, or the agent keeps nothing alive. */
  readonly #closes: boolean;
  #response: OriginHttp1Response | null = null;
  #corked = false;
  #ended = false;
  #extraBytes = false;
  #settled = false;
  /** The read being parsed is in SHARED_READ_BUFFER: body bytes are copied out of it. */
  #readShared = true;
  #lastReadBytes = 0;

  constructor(agent: OriginHttpAgent, options: OriginRequestOptions) {
    super();
    const head = requestHead(options.method, options.path, options.headers, agent.keepsAlive);
    this.#agent = agent;
    this.#address = options.address;
    this.#chunked = head.framing === "chunked";
    this.#lengthLeft = head.framing === "length" ? head.declaredBytes : null;
    this.#closes = head.closes;
    const bodiless =
      head.framing === "none" || (head.framing === "length" && head.declaredBytes === 0);
    this.#replayHead = bodiless && REPLAYABLE_METHODS.has(options.method) ? head.bytes : null;
    this.#timeoutMs = options.timeoutMs;
    // A read is parsed whole, but a listener may destroy the exchange midway through it: the
    // rest of that read is dropped, as destroy() promises no event after it.
    this.#parser = new ResponseParser(
      {
        head: (responseHead) => {
          if (!this.#settled) this.#onHead(responseHead);
        },
        body: (bytes) => {
          if (this.#settled) return;
          this.#response?.emit("data", this.#readShared ? Buffer.from(bytes) : bytes);
        },
        end: () => {
          if (!this.#settled) this.#onResponseEnd();
        },
      },
      { headRequest: options.method === "HEAD" },
    );
    const { socket, reused } = agent.connection(options.address, this);
    this.#socket = socket;
    this.#reused = reused;
    this.#attach(head.bytes);
  }

  /** Listens to the current connection and writes the head on it. */
  #attach(head: Buffer): void {
    const socket = this.#socket;
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    socket.on("timeout", this.#onTimeout);
    if (this.#timeoutMs > 0) socket.setTimeout(this.#timeoutMs);
    this.#cork();
    socket.write(head);
    // Listeners are attached by the caller after construction, as with http.request.
    process.nextTick(() => {
      if (!this.#settled && this.#socket === socket) this.emit("socket", socket);
    });
  }

  /**
   * A kept-alive connection that closed before any byte of the answer: the origin closed it as
   * it was taken (an origin's idle timeout, Node's is 5 s). A bodiless GET, HEAD, OPTIONS or TRACE
   * goes again once on a fresh connection, as Go's net/http does for cloudflared, instead of
   * failing the visitor with a 502. Anything with a body, or any other method, is not repeated:
   * the origin may have acted on it.
   */
  #retried(): boolean {
    const head = this.#replayHead;
    if (!head || !this.#reused || this.#answered || this.#response) return false;
    this.#replayHead = null;
    this.#detach();
    this.#socket.destroy();
    const { socket } = this.#agent.connection(this.#address, this, true);
    this.#socket = socket;
    this.#reused = false;
    this.#attach(head);
    return true;
  }

  /** Writes a body chunk; `callback` runs once it has been handed to the kernel. */
  write(chunk: Uint8Array, callback?: () => void): void {
    if (this.#settled || this.#ended) return;
    const socket = this.#socket;
    if (chunk.byteLength === 0) {
      // An empty chunk in chunked framing would be the last one: nothing is written.
      if (callback) process.nextTick(callback);
      return;
    }
    this.#cork();
    if (this.#chunked) {
      socket.write(`${chunk.byteLength.toString(16)}\r\n`, "latin1");
      socket.write(chunk);
      socket.write(CRLF, callback);
    } else {
      if (this.#lengthLeft !== null) this.#lengthLeft -= chunk.byteLength;
      socket.write(chunk, callback);
    }
  }

  /** The request body is complete (or there is none). */
  end(): void {
    if (this.#settled || this.#ended) return;
    this.#ended = true;
    if (this.#chunked) {
      this.#cork();
      this.#socket.write(LAST_CHUNK);
    }
  }

  /** Closes the connection, whatever state the exchange is in; no event follows. */
  destroy(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#detach();
    this.#socket.destroy();
  }

  /** Changes the inactivity timeout before the response head; 0 turns it off. */
  setTimeout(ms: number): void {
    this.#timeoutMs = ms;
    if (!this.#settled) this.#socket.setTimeout(ms);
  }

  /** Pauses or resumes reading the response (the relay waits for the edge's credit). */
  setReading(reading: boolean): void {
    if (this.#settled) return;
    if (reading) this.#socket.resume();
    else this.#socket.pause();
  }

  /** node:http corks a request's socket for the turn, so a head and its body leave together. */
  #cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#socket.cork();
    process.nextTick(() => {
      this.#corked = false;
      this.#socket.uncork();
    });
  }

  #onHead(head: ResponseHead): void {
    this.#response = new OriginHttp1Response(this, head);
    this.emit("response", this.#response);
  }

  #onResponseEnd(): void {
    const response = this.#response!;
    response.complete = true;
    response.emit("end");
    response.emit("close");
  }

  /**
   * Where the next read lands: while a body of some size is on its way, a buffer of its own, whose
   * views go on to the edge as they are (node:http copied each body chunk out of its shared read
   * buffer); otherwise the shared one, with the few body bytes copied.
   */
  readBuffer(): Uint8Array {
    const own =
      this.#lastReadBytes >= OWN_READ_BUFFER_FROM_BYTES &&
      this.#parser.bodyBytesExpected() >= OWN_READ_BUFFER_FROM_BYTES;
    return own ? Buffer.allocUnsafeSlow(READ_BUFFER_BYTES) : SHARED_READ_BUFFER;
  }

  read(bytes: Uint8Array): void {
    if (this.#settled) return;
    this.#readShared = bytes.buffer === SHARED_READ_BUFFER.buffer;
    this.#answered = true;
    // Once answered, the head is never sent again.
    this.#replayHead = null;
    this.#lastReadBytes = bytes.byteLength;
    const result = this.#parser.execute(bytes);
    if (typeof result === "number") {
      if (result > 0) this.#extraBytes = true;
      // Settled only now, when it is known whether the origin sent bytes past the response.
      if (this.#parser.done) this.#settle();
      return;
    }
    this.#broken(
      Object.assign(new Error(`invalid response from the origin: ${result.reason}`), {
        code: "HPE_INVALID_RESPONSE",
      }),
    );
  }

  #onEnd = (): void => {
    if (this.#settled || this.#retried()) return;
    const failure = this.#parser.finish();
    if (failure === null) {
      // A body read until close ended with it; the connection is spent either way.
      this.destroy();
      return;
    }
    this.#broken(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
  };

  #onError = (error: Error): void => {
    if (!this.#settled && !this.#retried()) this.#broken(error);
  };

  #onClose = (): void => {
    if (!this.#settled && !this.#retried()) {
      this.#broken(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
    }
  };

  #onTimeout = (): void => {
    if (!this.#settled) this.emit("timeout");
  };

  /**
   * The exchange broke: before the response head it is the request's error (origin-failures.ts
   * tells unreachable from timed out), after it the response closes incomplete, as node:http's
   * does when its socket goes.
   */
  #broken(error: Error): void {
    const response = this.#response;
    this.destroy();
    if (!response) this.emit("error", error);
    else if (!response.complete) response.emit("close");
  }

  /**
   * The response is complete: the connection goes back to the agent if nothing else can be on it.
   * A request whose body had not ended closes it: the stream is over, no more body will come, and
   * the origin would wait for the rest.
   */
  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#detach();
    // A Content-Length body is written when exactly its bytes went, end() or not: fewer and the
    // origin would read the next request's head as the rest, more and it already read garbage.
    const bodyWritten = this.#lengthLeft !== null ? this.#lengthLeft === 0 : this.#ended;
    if (this.#parser.reusable && bodyWritten && !this.#closes && !this.#extraBytes) {
      this.#agent.release(this.#address, this.#socket);
    } else {
      this.#socket.destroy();
    }
  }

  #detach(): void {
    const socket = this.#socket;
    socket.removeListener("end", this.#onEnd);
    socket.removeListener("close", this.#onClose);
    socket.removeListener("timeout", this.#onTimeout);
    socket.setTimeout(0);
    // Errors after this exchange still need a listener until the socket is gone or pooled. A
    // reused connection has it from its first exchange: adding it again would grow the
    // connection's listeners by two per request.
    socket.removeListener("error", this.#onError);
    if (!socket.listeners("error").includes(ignoreError)) {
      socket.on("error", ignoreError);
      socket.once("close", () => socket.removeListener("error", ignoreError));
    }
    if (socket.isPaused()) socket.resume();
  }
}

function ignoreError(): void {}

/**
 * The origin's response: node:http's IncomingMessage as far as response-relay.ts reads it
 * (status, raw headers, 'data', 'end', 'close', `complete`, pause and resume). Its 'data' chunks
 * are views of the socket's reads, not copies.
 */
export class OriginHttp1Response extends EventEmitter {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly rawHeaders: string[];
  readonly headers: { "content-length"?: string };
  complete = false;
  readonly #request: OriginHttp1Request;

  constructor(request: OriginHttp1Request, head: ResponseHead) {
    super();
    this.#request = request;
    this.statusCode = head.statusCode;
    this.statusMessage = head.statusMessage;
    this.rawHeaders = head.rawHeaders;
    this.headers =
      head.contentLength === null ? {} : { "content-length": String(head.contentLength) };
  }

  pause(): this {
    this.#request.setReading(false);
    return this;
  }

  resume(): this {
    this.#request.setReading(true);
    return this;
  }

  destroy(): this {
    this.#request.destroy();
    return this;
  }
}
