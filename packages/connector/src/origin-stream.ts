import http from "node:http";
import https from "node:https";
import {
  type Frame,
  type FrameBody,
  type Header,
  ReceiveWindow,
  ResetCode,
  SendWindow,
  type Target,
  type WindowBudget,
} from "@burrow/wire";
import { helloWorldPage } from "./hello-world";
import { reportOriginFailures } from "./origin-failures";
import { OriginHttpAgent } from "./origin-http1/origin-http-agent";
import { OriginHttp1Request, type OriginHttp1Response } from "./origin-http1/origin-request";
import type { HttpRoute, OriginRouter } from "./origin-router";
import { OriginWebSocket } from "./origin-websocket";
import { requestFraming } from "./request-framing";
import { ResponseRelay } from "./response-relay";
import type { VpcOptions } from "./vpc/options";

export type RequestHead = Extract<FrameBody, { kind: "requestHead" }>;

/** A URL's hostname as a socket address: `[::1]` is `::1`. */
function unbracketed(hostname: string): string {
  return hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
}

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

const EMPTY = new Uint8Array(0);

/** VPC targets get cloudflared's default `connectTimeout`, 30 s. */
const VPC_CONNECT_TIMEOUT_MS = 30_000;

/** What a stream needs from the connection it runs on. */
export interface StreamContext {
  /** Picks each request's origin: `--url` for a quick tunnel, ingress rules for a named one. */
  router: OriginRouter;
  /** Agents for VPC traffic (target overrides). */
  agent: { http: OriginHttpAgent; https: https.Agent };
  /** Set when the connector serves VPC services (`--vpc`): allowed networks and TLS settings. */
  vpc?: Pick<VpcOptions, "networks" | "tls"> | null;
  /** The edge credits WebSocket messages with `windowUpdate` (it announced `websocket-window`). */
  webSocketWindow?: boolean;
  /** What the request body's receive window may borrow to grow (the connection's). */
  windowBudget?: WindowBudget;
  /** Set when the inspector records this stream. */
  observer?: StreamObserver | null;
  send(frame: Frame): void;
  /**
   * Sends one `data` frame made of `chunks` joined (`byteLength` in all), straight from the
   * chunks, which it takes over (it may mask them in place: the observer has seen them before);
   * without it the chunks are joined and go through {@link send}.
   */
  sendData?(streamId: number, chunks: Uint8Array[], byteLength: number): void;
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
  readonly #receiveWindow: ReceiveWindow;
  #request: http.ClientRequest | OriginHttp1Request | null = null;
  #response: http.IncomingMessage | OriginHttp1Response | null = null;
  #relay: ResponseRelay | null = null;
  #webSocket: OriginWebSocket | null = null;
  #done = false;
  /** The Content-Length the origin was told, or null when Node frames the body as chunked. */
  #declaredBodyBytes: number | null = null;
  /** Request body bytes received from the edge so far. */
  #bodyBytes = 0;

  constructor(id: number, head: RequestHead, context: StreamContext) {
    this.id = id;
    this.#head = head;
    this.#context = context;
    this.#receiveWindow = new ReceiveWindow(undefined, context.windowBudget ?? null);
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

  #startWebSocket(route: HttpRoute): void {
    const stream = this;
    this.#webSocket = new OriginWebSocket(this.#context.webSocketWindow ?? false, {
      send: (body) => this.#send(body),
      finish: (failed) => this.#finish(failed),
      fail: (code, message) => this.#fail(code, message),
      get done() {
        return stream.#done;
      },
    });
    this.#webSocket.start(this.#head.headers, route);
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
      case "data":
        return this.receiveData([frame.bytes], frame.bytes.byteLength);
      case "end":
        if (this.#declaredBodyBytes !== null && this.#bodyBytes !== this.#declaredBodyBytes) {
          this.#failBodyLength("shorter");
          return true;
        }
        this.#request?.end();
        return true;
      case "windowUpdate":
        if (this.#webSocket) return this.#webSocket.receive(frame);
        this.#sendWindow.grant(frame.bytes);
        this.#relay?.credited();
        return true;
      case "reset":
        this.abort();
        return true;
      case "webSocketMessage":
      case "webSocketClose":
        return this.#webSocket?.receive(frame) ?? false;
      default:
        return false;
    }
  }

  /**
   * A `data` frame's payload, `chunks` joined (`byteLength` in all): the views DataFrameReceiver
   * cut from the socket's reads, or a decoded frame's bytes. False means a protocol violation.
   */
  receiveData(chunks: readonly Uint8Array[], byteLength: number): boolean {
    const request = this.#request;
    if (!request || !this.#receiveWindow.received(byteLength)) return false;
    const observer = this.#context.observer;
    if (observer) for (const chunk of chunks) observer.requestBody(chunk);
    this.#bodyBytes += byteLength;
    if (this.#declaredBodyBytes !== null && this.#bodyBytes > this.#declaredBodyBytes) {
      this.#failBodyLength("longer");
      return true;
    }
    // Writes end in order: the last one's callback means the whole frame left for the origin.
    // The origin request corks its socket for the turn, so the chunks leave in one writev.
    const drained = () => {
      const grant = this.#receiveWindow.drained(byteLength);
      if (grant > 0 && !this.#done) this.#send({ kind: "windowUpdate", bytes: grant });
    };
    const last = chunks.length - 1;
    if (last < 0) request.write(EMPTY, drained);
    for (let i = 0; i <= last; i++) request.write(chunks[i]!, i === last ? drained : undefined);
    return true;
  }

  /** Drops the stream without telling the edge (it reset the stream, or the connection is gone). */
  abort(): void {
    if (this.#done) return;
    this.#request?.destroy();
    this.#response?.destroy();
    this.#webSocket?.terminate();
    this.#finish(true);
  }

  /**
   * Requests the route's target, or with `override` (VPC) the path of the target from the
   * override's address, with `vpc`'s TLS settings.
   */
  #startHttp(route: HttpRoute & { override?: Target | null; vpc?: StreamContext["vpc"] }): void {
    const { secure } = route;
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
    const headers: Header[] = route.hostHeader
      ? [
          ...framing.headers.filter(([name]) => name.toLowerCase() !== "host"),
          ["host", route.hostHeader],
        ]
      : framing.headers;
    const request = this.#originRequest(route, headers, override, vpc);
    this.#request = request;
    reportOriginFailures(
      request,
      {
        secure,
        override: override !== null,
        tlsTimeoutMs: route.tlsTimeoutMs,
        responded: () => this.#response !== null,
      },
      (code, message) => this.#fail(code, message),
    );
    request.on("response", (response: http.IncomingMessage | OriginHttp1Response) => {
      request.setTimeout(0);
      this.#response = response;
      const status = response.statusCode ?? 502;
      this.#relay = new ResponseRelay(response, {
        bodyless: this.#head.method === "HEAD" || status === 204 || status === 304,
        window: this.#sendWindow,
        sink: {
          head: (status, statusText, headers, body, endStream) => {
            if (this.#done) return;
            this.#send({ kind: "responseHead", status, statusText, headers, body, endStream });
            if (endStream) this.#finish(false);
          },
          data: (chunks, byteLength) => this.#sendData(chunks, byteLength),
          end: () => {
            if (this.#done) return;
            this.#send({ kind: "end" });
            this.#finish(false);
          },
          aborted: () => this.#fail(ResetCode.internal, "origin response aborted"),
        },
      });
      this.#relay.start();
    });
    if (!this.#head.hasBody) request.end();
  }

  /**
   * The request to the origin: plain HTTP through Burrow's own HTTP/1.1 client (origin-http1/),
   * which hands the response body on as the socket's reads; TLS through node:https.
   */
  #originRequest(
    route: HttpRoute,
    headers: Header[],
    override: Target | null,
    vpc: StreamContext["vpc"] | null,
  ): http.ClientRequest | OriginHttp1Request {
    const { target, secure } = route;
    const host = override?.address ?? unbracketed(target.hostname);
    const port = override?.port ?? (Number(target.port) || (secure ? 443 : 80));
    if (!secure && route.agent instanceof OriginHttpAgent) {
      return new OriginHttp1Request(route.agent, {
        address: route.socketPath ? { socketPath: route.socketPath } : { host, port },
        method: this.#head.method,
        path: `${target.pathname}${target.search}`,
        headers,
        timeoutMs: route.connectTimeoutMs,
      });
    }
    return (secure ? https : http).request({
      protocol: secure ? "https:" : "http:",
      ...(route.socketPath ? { socketPath: route.socketPath } : { hostname: host, port }),
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

  #sendData(chunks: Uint8Array[], byteLength: number): void {
    if (this.#done) return;
    const observer = this.#context.observer;
    if (observer) for (const bytes of chunks) observer.sent({ kind: "data", bytes });
    if (this.#context.sendData) {
      this.#context.sendData(this.id, chunks, byteLength);
      return;
    }
    const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, byteLength);
    this.#context.send({ kind: "data", streamId: this.id, bytes });
  }

  #finish(failed: boolean): void {
    if (this.#done) return;
    this.#done = true;
    this.#sendWindow.close();
    this.#receiveWindow.close();
    this.#relay?.stop();
    this.#context.observer?.done(failed);
    this.#context.onDone(this.id, failed);
  }
}
