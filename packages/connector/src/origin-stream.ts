import http from "node:http";
import https from "node:https";
import {
  type Frame,
  type FrameBody,
  type Header,
  isSendableCloseCode,
  MAX_DATA_CHUNK_BYTES,
  MessageReceiveWindow,
  MessageSendWindow,
  ReceiveWindow,
  ResetCode,
  SendWindow,
  type Target,
} from "@burrow/wire";
import WebSocket from "ws";
import { helloWorldPage } from "./hello-world";
import type { HttpRoute, OriginRouter } from "./origin-router";
import type { VpcOptions } from "./vpc/options";

export type RequestHead = Extract<FrameBody, { kind: "requestHead" }>;

/**
 * Watches one stream for the inspector (`--inspect`): it is handed the bytes as they pass and may
 * copy some of them, but never holds them, so the proxied stream is neither buffered nor slowed.
 */
export interface StreamObserver {
  /** A request body chunk from the edge, before it is written to the origin. */
  requestBody(bytes: Uint8Array): void;
  /** A frame towards the edge: the response head, a body chunk, a reset. */
  sent(body: FrameBody): void;
  /** The stream is over: completed, or failed (reset by either side, origin gone). */
  done(failed: boolean): void;
}

/** VPC targets get cloudflared's default `connectTimeout`, 30 s. */
const VPC_CONNECT_TIMEOUT_MS = 30_000;

/** Headers `ws` writes itself for the origin handshake; the visitor's copies must not repeat. */
const WEBSOCKET_HANDSHAKE_HEADERS = new Set([
  "connection",
  "upgrade",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-extensions",
  "sec-websocket-protocol",
]);

/** What a stream needs from the connection it runs on. */
export interface StreamContext {
  /** Picks each request's origin: `--url` for a quick tunnel, ingress rules for a named one. */
  router: OriginRouter;
  /** Agents for VPC traffic (target overrides). */
  agent: { http: http.Agent; https: https.Agent };
  /** Set when the connector serves VPC services (`--vpc`): allowed networks and TLS settings. */
  vpc?: Pick<VpcOptions, "networks" | "tls"> | null;
  /** The edge credits WebSocket messages with `windowUpdate` (it announced `websocket-window`). */
  webSocketWindow?: boolean;
  /** Set when the inspector records this stream. */
  observer?: StreamObserver | null;
  send(frame: Frame): void;
  onDone(streamId: number, failed: boolean): void;
}

/**
 * One request from the edge, proxied to the origin: the request body arrives as `data` frames
 * within our receive window, the response body leaves within the edge's window.
 */
export class OriginStream {
  readonly id: number;
  readonly #head: RequestHead;
  readonly #context: StreamContext;
  readonly #sendWindow = new SendWindow();
  readonly #receiveWindow = new ReceiveWindow();
  #request: http.ClientRequest | null = null;
  #response: http.IncomingMessage | null = null;
  #socket: WebSocket | null = null;
  // WebSocket message credit, both ways, when the edge takes part (StreamContext.webSocketWindow):
  // the origin socket is paused while the edge has granted nothing, and the edge's messages are
  // credited back once written to the origin, so neither end buffers without bound.
  readonly #messageSendWindow = new MessageSendWindow();
  readonly #messageReceiveWindow = new MessageReceiveWindow();
  #done = false;
  /** The Content-Length the origin was told, or null when Node frames the body as chunked. */
  #declaredBodyBytes: number | null = null;
  /** Request body bytes received from the edge so far. */
  #bodyBytes = 0;

  constructor(id: number, head: RequestHead, context: StreamContext) {
    this.id = id;
    this.#head = head;
    this.#context = context;
  }

  /**
   * Starts the origin request. Whatever the head holds, a failure here resets this stream only:
   * Node's HTTP client and `ws` throw synchronously on header bytes or subprotocols they refuse,
   * and a throw escaping would end the process and every other visitor's stream with it.
   */
  start(): void {
    try {
      this.#start();
    } catch (error) {
      this.#fail(ResetCode.refused, `request refused: ${(error as Error).message}`);
    }
  }

  #start(): void {
    const override = this.#head.target;
    if (override) {
      // A target override is VPC traffic, which needs `--vpc` and an allowed address.
      const vpc = this.#context.vpc;
      const refusal = !vpc
        ? "this connector does not serve VPC services (start it with --vpc)"
        : this.#head.websocket
          ? "WebSocket upgrades are not supported for VPC services"
          : vpc.networks.refusal(override);
      if (refusal) {
        this.#fail(ResetCode.refused, refusal);
        return;
      }
      let requestUrl: URL;
      try {
        // Only the path and query are used; the address and port come from the target alone.
        requestUrl = new URL(this.#head.url);
      } catch {
        this.#fail(ResetCode.protocol, "VPC request URL is not absolute");
        return;
      }
      const secure = override.tls;
      this.#startHttp({
        kind: "http",
        target: requestUrl,
        secure,
        socketPath: null,
        agent: secure ? this.#context.agent.https : this.#context.agent.http,
        // VPC TLS comes from vpc.tls.requestOptions in #startHttp.
        tls: {},
        hostHeader: null,
        connectTimeoutMs: VPC_CONNECT_TIMEOUT_MS,
        tlsTimeoutMs: VPC_CONNECT_TIMEOUT_MS,
        requireContentLength: false,
        override,
        vpc,
      });
      return;
    }
    const host = this.#head.headers.find(([name]) => name.toLowerCase() === "host")?.[1] ?? null;
    const route = this.#context.router.route(this.#head.url, host);
    switch (route.kind) {
      case "http_status":
        this.#answerLocally(route.status, "text/plain; charset=utf-8", "");
        return;
      case "hello_world":
        this.#answerLocally(
          200,
          "text/html; charset=utf-8",
          helloWorldPage(this.#head.method, this.#head.url, this.#head.headers),
        );
        return;
      case "http":
        if (this.#head.websocket) this.#startWebSocket(route);
        else this.#startHttp(route);
    }
  }

  /**
   * `http_status:NNN` and `hello_world`: answered here without an origin. The stream is done at
   * once, so body frames the edge still sends for it are dropped as for any finished stream.
   */
  #answerLocally(status: number, contentType: string, body: string): void {
    const bytes = new TextEncoder().encode(body);
    this.#send({
      kind: "responseHead",
      status,
      statusText: http.STATUS_CODES[status] ?? "",
      headers: [
        ["content-type", contentType],
        ["content-length", String(bytes.byteLength)],
      ],
      body: this.#head.method === "HEAD" ? new Uint8Array(0) : bytes,
      endStream: true,
    });
    this.#finish(false);
  }

  /** Handles a frame the edge sent on this stream; false means a protocol violation. */
  receive(frame: Frame): boolean {
    switch (frame.kind) {
      case "data": {
        if (!this.#request || !this.#receiveWindow.received(frame.bytes.byteLength)) return false;
        const size = frame.bytes.byteLength;
        this.#context.observer?.requestBody(frame.bytes);
        this.#bodyBytes += size;
        if (this.#declaredBodyBytes !== null && this.#bodyBytes > this.#declaredBodyBytes) {
          this.#failBodyLength("longer");
          return true;
        }
        this.#request.write(frame.bytes, () => {
          const grant = this.#receiveWindow.drained(size);
          if (grant > 0 && !this.#done) this.#send({ kind: "windowUpdate", bytes: grant });
        });
        return true;
      }
      case "end":
        if (this.#declaredBodyBytes !== null && this.#bodyBytes !== this.#declaredBodyBytes) {
          this.#failBodyLength("shorter");
          return true;
        }
        this.#request?.end();
        return true;
      case "windowUpdate":
        if (this.#socket) {
          if (this.#messageSendWindow.grant(frame.bytes)) this.#socket.resume();
        } else this.#sendWindow.grant(frame.bytes);
        return true;
      case "reset":
        this.abort();
        return true;
      case "webSocketMessage": {
        if (!this.#socket) return false;
        if (!this.#context.webSocketWindow) {
          this.#socket.send(frame.bytes, { binary: !frame.text });
          return true;
        }
        const size = frame.bytes.byteLength;
        if (!this.#messageReceiveWindow.received(size)) return false;
        // The callback runs once ws has handed the message to the kernel; an origin that stops
        // reading stops it, and with it the edge's credit.
        this.#socket.send(frame.bytes, { binary: !frame.text }, () => {
          const grant = this.#messageReceiveWindow.drained(size);
          if (grant > 0 && !this.#done) this.#send({ kind: "windowUpdate", bytes: grant });
        });
        return true;
      }
      case "webSocketClose":
        if (!this.#socket) return false;
        closeQuietly(this.#socket, frame.code, frame.reason);
        this.#finish(false);
        return true;
      default:
        return false;
    }
  }

  /** Drops the stream without telling the edge (it reset the stream, or the connection is gone). */
  abort(): void {
    if (this.#done) return;
    this.#request?.destroy();
    this.#response?.destroy();
    this.#socket?.terminate();
    this.#finish(true);
  }

  /**
   * Requests the route's target, or with `override` (VPC) the path of the target from the
   * override's address, with `vpc`'s TLS settings.
   */
  #startHttp(route: HttpRoute & { override?: Target | null; vpc?: StreamContext["vpc"] }): void {
    const { target, secure } = route;
    const override = route.override ?? null;
    const vpc = route.vpc ?? null;
    const framing = requestFraming(this.#head.headers, this.#head.hasBody);
    if (!framing.ok) {
      this.#fail(ResetCode.protocol, framing.reason);
      return;
    }
    if (route.requireContentLength && this.#head.hasBody && framing.declaredBytes === null) {
      // cloudflared's disableChunkedEncoding: the origin (often a WSGI server) cannot read a
      // chunked body, and buffering a whole body of unknown length is not an option.
      this.#fail(ResetCode.refused, "this origin takes request bodies with a Content-Length only");
      return;
    }
    this.#declaredBodyBytes = framing.declaredBytes;
    const headers = route.hostHeader
      ? [
          ...framing.headers.filter(([name]) => name.toLowerCase() !== "host"),
          ["host", route.hostHeader],
        ]
      : framing.headers;
    const request = (secure ? https : http).request({
      protocol: secure ? "https:" : "http:",
      ...(route.socketPath
        ? { socketPath: route.socketPath }
        : {
            hostname: override?.address ?? target.hostname,
            port: override?.port ?? (target.port || (secure ? 443 : 80)),
          }),
      method: this.#head.method,
      path: `${target.pathname}${target.search}`,
      headers: headers.flat(),
      setHost: false,
      agent: route.agent,
      timeout: route.connectTimeoutMs,
      ...route.tls,
      // SNI, certificate checks and the agent for the service's cert_verification_mode.
      ...(override && secure && vpc ? vpc.tls.requestOptions(override) : {}),
    });
    this.#request = request;
    request.on("timeout", () => {
      if (!this.#response) this.#fail(ResetCode.originTimeout, "origin did not answer in time");
    });
    // VPC routing tries the next address only when the connection itself failed; a TLS failure
    // after connecting (an untrusted or misnamed certificate) is reported as such, not retried.
    let connected = false;
    let handshaken = !secure;
    request.on("socket", (socket) => {
      if (!socket.connecting) {
        connected = true;
        handshaken = true; // a kept-alive socket
      } else {
        socket.once("connect", () => {
          connected = true;
          if (!secure || override) return;
          // tlsTimeout: the handshake alone gets its own, shorter budget.
          const timer = setTimeout(() => {
            if (!handshaken) {
              this.#fail(ResetCode.originTimeout, "TLS handshake with the origin timed out");
            }
          }, route.tlsTimeoutMs);
          timer.unref();
          socket.once("close", () => clearTimeout(timer));
          socket.once("secureConnect", () => clearTimeout(timer));
        });
        if (secure) socket.once("secureConnect", () => (handshaken = true));
      }
    });
    request.on("error", (error: NodeJS.ErrnoException) => {
      if (this.#response) {
        this.#fail(ResetCode.internal, "origin response aborted");
      } else if (override && connected && !handshaken) {
        const code = error.code ? ` (${error.code})` : "";
        const message = `TLS handshake with the origin failed: ${error.message}${code}`;
        this.#fail(ResetCode.internal, message);
      } else if (override && connected) {
        this.#fail(ResetCode.internal, `origin: ${error.message}`);
      } else {
        this.#fail(ResetCode.originUnreachable, `origin: ${error.message}`);
      }
    });
    request.on("response", (response) => {
      request.setTimeout(0);
      this.#response = response;
      this.#relayResponse(response).catch(() => {
        this.#fail(ResetCode.internal, "origin response aborted");
      });
    });
    if (!this.#head.hasBody) request.end();
  }

  async #relayResponse(response: http.IncomingMessage): Promise<void> {
    const status = response.statusCode ?? 502;
    const head = {
      kind: "responseHead" as const,
      status,
      statusText: response.statusMessage ?? "",
      headers: pairs(response.rawHeaders),
    };
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    const bodyless = this.#head.method === "HEAD" || status === 204 || status === 304;
    if (bodyless || (Number.isInteger(declared) && declared <= MAX_DATA_CHUNK_BYTES)) {
      // A small answer of known length goes out whole with its head: one message to the Durable
      // Object instead of head, data and end. Node's parser stops at the declared length.
      const chunks: Uint8Array[] = [];
      for await (const chunk of response as AsyncIterable<Uint8Array>) chunks.push(chunk);
      if (!response.complete) throw new Error("origin closed mid-response");
      if (this.#done) return;
      this.#send({ ...head, body: concat(chunks), endStream: true });
      this.#finish(false);
      return;
    }
    this.#send({ ...head, body: new Uint8Array(0), endStream: false });
    // Async iteration pauses the origin socket while we wait for the edge's window.
    for await (const chunk of response as AsyncIterable<Uint8Array>) {
      for (let offset = 0; offset < chunk.byteLength; offset += MAX_DATA_CHUNK_BYTES) {
        const piece = chunk.subarray(offset, offset + MAX_DATA_CHUNK_BYTES);
        if (!(await this.#sendWindow.take(piece.byteLength))) return;
        this.#send({ kind: "data", bytes: piece });
      }
    }
    if (!response.complete) throw new Error("origin closed mid-response");
    if (this.#done) return;
    this.#send({ kind: "end" });
    this.#finish(false);
  }

  #startWebSocket(route: HttpRoute): void {
    const target = new URL(route.target);
    target.protocol = route.secure ? "wss:" : "ws:";
    const headers: Record<string, string> = {};
    const protocols: string[] = [];
    for (const [name, value] of this.#head.headers) {
      const lower = name.toLowerCase();
      if (lower === "sec-websocket-protocol") {
        // `ws` throws on an empty, repeated or non-token subprotocol (RFC 6455 §4.1).
        const list = subprotocolList(value);
        if (!list) {
          this.#fail(ResetCode.refused, "invalid Sec-WebSocket-Protocol list");
          return;
        }
        protocols.push(...list);
      } else if (!WEBSOCKET_HANDSHAKE_HEADERS.has(lower)) headers[lower] = value;
    }
    if (new Set(protocols).size !== protocols.length) {
      this.#fail(ResetCode.refused, "invalid Sec-WebSocket-Protocol list");
      return;
    }
    if (route.hostHeader) headers.host = route.hostHeader;
    // ws dials a unix socket given a `ws+unix:<socket>:<path>` address.
    const address = route.socketPath
      ? `${route.secure ? "wss" : "ws"}+unix:${route.socketPath}:${target.pathname}${target.search}`
      : target;
    const socket = new WebSocket(address, protocols, {
      headers,
      perMessageDeflate: false,
      handshakeTimeout: route.connectTimeoutMs,
      ...route.tls,
    });
    this.#socket = socket;
    socket.on("upgrade", (response) => {
      this.#send({
        kind: "responseHead",
        status: 101,
        statusText: "Switching Protocols",
        headers: pairs(response.rawHeaders),
        body: new Uint8Array(0),
        endStream: false,
      });
    });
    socket.on("unexpected-response", (_request, response) => {
      // The origin answered without upgrading: pass its status through, without a body.
      this.#send({
        kind: "responseHead",
        status: response.statusCode ?? 502,
        statusText: response.statusMessage ?? "",
        headers: pairs(response.rawHeaders),
        body: new Uint8Array(0),
        endStream: true,
      });
      response.resume();
      this.#finish(false);
    });
    socket.on("message", (data, isBinary) => {
      const bytes = data instanceof Buffer ? data : Buffer.concat(data as Buffer[]);
      this.#send({ kind: "webSocketMessage", text: !isBinary, bytes: new Uint8Array(bytes) });
      if (!this.#context.webSocketWindow) return;
      this.#messageSendWindow.spend(bytes.byteLength);
      // Paused, ws stops reading the origin's socket, so TCP holds the origin back.
      if (!this.#messageSendWindow.open) socket.pause();
    });
    socket.on("close", (code, reason) => {
      if (this.#done) return;
      this.#send({ kind: "webSocketClose", code, reason: reason.toString() });
      this.#finish(false);
    });
    socket.on("error", (error) => {
      if (socket.readyState === WebSocket.CONNECTING) {
        this.#fail(ResetCode.originUnreachable, `origin: ${error.message}`);
      }
    });
  }

  /**
   * The body the edge sent does not match the length declared to the origin: the origin socket
   * is destroyed (never returned to the keep-alive pool), so no byte past the declared length can
   * be read by the origin as the start of another visitor's request.
   */
  #failBodyLength(how: "longer" | "shorter"): void {
    this.#fail(ResetCode.protocol, `request body ${how} than its Content-Length`);
  }

  #fail(code: ResetCode, message: string): void {
    if (this.#done) return;
    this.#send({ kind: "reset", code, message });
    this.abort();
  }

  #send(body: FrameBody): void {
    this.#context.observer?.sent(body);
    this.#context.send({ ...body, streamId: this.id } as Frame);
  }

  #finish(failed: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#sendWindow.close();
    this.#context.observer?.done(failed);
    this.#context.onDone(this.id, failed);
  }
}

/** How the request body is framed towards the origin, or why the head cannot be sent. */
export type RequestFraming =
  | { ok: true; headers: Header[]; declaredBytes: number | null }
  | { ok: false; reason: string };

/**
 * Decides the body's framing from the head: a body without a length is always sent chunked
 * (whatever Transfer-Encoding the head named), and Content-Length must be one decimal number, repeated
 * copies agreeing (RFC 9112 §6.3), and zero for a request without a body. Anything else is refused,
 * because an origin and this connector disagreeing on where a body ends is request smuggling.
 */
export function requestFraming(headers: readonly Header[], hasBody: boolean): RequestFraming {
  const kept: Header[] = [];
  let declared: string | null = null;
  for (const header of headers) {
    const lower = header[0].toLowerCase();
    if (lower === "transfer-encoding") continue;
    if (lower === "content-length") {
      for (const member of header[1].split(",")) {
        const value = member.trim();
        if (!/^\d{1,15}$/.test(value)) return { ok: false, reason: "invalid Content-Length" };
        if (declared !== null && Number(declared) !== Number(value)) {
          return { ok: false, reason: "conflicting Content-Length values" };
        }
        declared = value;
      }
      continue;
    }
    kept.push(header);
  }
  if (declared === null) {
    // Node frames a GET, HEAD, DELETE or OPTIONS body without any length unless told to chunk:
    // the origin would then read that body as the next request on the connection.
    if (hasBody) kept.push(["transfer-encoding", "chunked"]);
    return { ok: true, headers: kept, declaredBytes: null };
  }
  const declaredBytes = Number(declared);
  if (!hasBody && declaredBytes > 0) {
    return { ok: false, reason: "Content-Length without a request body" };
  }
  kept.push(["content-length", String(declaredBytes)]);
  return { ok: true, headers: kept, declaredBytes };
}

/** The members of a `Sec-WebSocket-Protocol` value, or null unless each is an RFC 9110 token. */
export function subprotocolList(value: string): string[] | null {
  const list = value.split(",").map((member) => member.trim());
  return list.every((member) => /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(member)) ? list : null;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const joined = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

function pairs(raw: string[]): Header[] {
  const out: Header[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

function closeQuietly(socket: WebSocket, code: number, reason: string): void {
  try {
    socket.close(isSendableCloseCode(code) ? code : 1000, reason);
  } catch {
    socket.terminate();
  }
}
