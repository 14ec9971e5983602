import { DurableObject } from "cloudflare:workers";
import { markConnected, markDisconnected } from "@burrow/registry";
import {
  type ConnectionRecord,
  type ConnectorSnapshot,
  type DnsCacheStats,
  ERASED_ABORT_REASON,
  TUNNEL_FETCH_HEADERS,
  type TunnelRpc,
  type VpcRoute,
} from "@burrow/tunnel-contract";
import {
  CLOSE_CODES,
  decodeFrame,
  EDGE_FEATURES,
  encodeFrame,
  FEATURES,
  type Frame,
  formatFeatures,
  HANDSHAKE_HEADERS,
  HEARTBEAT_PING,
  HEARTBEAT_PONG,
  HEARTBEAT_STALE_MS,
  ResetCode,
} from "@burrow/wire";
import { clientKey, SlotPool } from "./admission";
import { CONNECTOR_TAG, connectionOf } from "./connection";
import { forgetDrops, recentDrops, rememberDropped } from "./connection-history";
import { DnsCache } from "./dns-cache";
import { publicError } from "./error-page";
import { contentLengthOf, headersForOrigin, headersForVisitor } from "./forwarded-headers";
import {
  ConnectorUnresponsive,
  PublicStream,
  type StreamDeadlines,
  StreamFailure,
} from "./public-stream";
import { fetchVpcService, type TunnelStream, type VpcHost } from "./vpc-route";

/** 25 replicas × 4 HA connections, Cloudflare's published per-tunnel maximum. */
const MAX_CONNECTIONS_PER_TUNNEL = 100;
/** Named tunnels are not capped by the DO beyond memory; this bounds a runaway caller. */
const NAMED_TUNNEL_MAX_IN_FLIGHT = 10_000;
const NAMED_TUNNEL_MAX_WEBSOCKETS = 10_000;
/** How often the watchdog looks at heartbeats and deadlines while streams are in flight. */
const WATCHDOG_INTERVAL_MS = 1_000;

/**
 * Storage keys of the reaping protocol (workers/reaper). `reaping` is set when the reaper claims an
 * idle quick tunnel and makes #connect answer 410 until the reap finishes or is called off;
 * `lastActiveAt` lets `reap` spot a connector that came and went after the reaper listed the tunnel.
 */
const REAPING_KEY = "reaping";
const LAST_ACTIVE_AT_KEY = "lastActiveAt";

/**
 * One Durable Object per tunnel id. It holds the tunnel's connector WebSockets (hibernatable, so
 * an idle tunnel costs nothing) and carries visitor requests to them as frames.
 */
export class Tunnel extends DurableObject<Env> implements TunnelRpc {
  readonly #streams = new Map<number, TunnelStream>();
  // VPC DNS answers; in memory, so hibernation empties it (see dns-cache.ts).
  readonly #dns = new DnsCache();
  // Hibernation resets this counter, but no stream outlives hibernation (an in-flight request
  // keeps the object awake); a random start keeps ids of a just-reset stream from being reused.
  #nextStreamId = 1 + Math.floor(Math.random() * 2 ** 30);
  #roundRobin = 0;
  // Close and error can both fire for one socket; its disconnect is recorded once.
  readonly #disconnectRecorded = new WeakSet<WebSocket>();
  #presenceWrites: Promise<unknown> = Promise.resolve();
  // #connect awaits D1 before accepting; `reap` must not claim the tunnel in that window.
  #connectsInFlight = 0;
  // Set by `erase`; the hostname cache in the edge may still send visitors here for seconds.
  #erased = false;
  // In-flight slots, shared fairly between client addresses (admission.ts); built on first use
  // because the caps depend on the tunnel's kind, which arrives with the request.
  #requestSlots: SlotPool | null = null;
  #webSocketSlots: SlotPool | null = null;
  // Runs only while streams are in flight: the object is awake then anyway, and an idle object
  // must be free to hibernate.
  #watchdog: ReturnType<typeof setInterval> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Answered by the runtime without waking the object (@burrow/wire handshake, HEARTBEAT_PING).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
  }

  override async fetch(request: Request): Promise<Response> {
    const operation = request.headers.get(TUNNEL_FETCH_HEADERS.operation);
    if (operation === "connect") return this.#connect(request);
    if (operation === "forward") return this.#forward(request);
    return new Response("unknown tunnel operation", { status: 400 });
  }

  /**
   * Carries a VPC service request from the binding Worker to a connector started with `--vpc`.
   * Throws, as Workers VPC does, when no connector, address or connection is available.
   */
  async fetchService(request: Request, route: VpcRoute): Promise<Response> {
    return fetchVpcService(request, route, this.#vpcHost());
  }

  /** VPC DNS cache counters (hits, misses, questions asked), for metrics. */
  async vpcStats(): Promise<DnsCacheStats> {
    return this.#dns.stats();
  }

  /** The live connections, for operators and tests. */
  async connections(): Promise<ConnectionRecord[]> {
    return this.#liveSockets().flatMap((socket) => connectionOf(socket) ?? []);
  }

  /**
   * The reaper's claim on an idle tunnel. Returns false, changing nothing, when a connector is
   * attached, attaching, or was active at or after `inactiveBefore`; otherwise persists a marker
   * that makes every new connection answer 410 and returns true. The check and the marker run
   * without an await, so a racing #connect lands entirely before (reap answers false) or after
   * (the connector is refused). Calling it again on a claimed tunnel answers true.
   */
  async reap(inactiveBefore: number): Promise<boolean> {
    if (this.#liveSockets().length > 0 || this.#connectsInFlight > 0) return false;
    const kv = this.ctx.storage.kv;
    if (kv.get(REAPING_KEY) !== undefined) return true;
    const lastActiveAt = kv.get<number>(LAST_ACTIVE_AT_KEY);
    if (lastActiveAt !== undefined && lastActiveAt >= inactiveBefore) return false;
    kv.put(REAPING_KEY, Date.now());
    return true;
  }

  /** Calls off a claim from `reap` (the zone record could not be deleted): connections resume. */
  async spare(): Promise<void> {
    this.ctx.storage.kv.delete(REAPING_KEY);
  }

  /**
   * Deletes all of this tunnel's storage once the registry has deleted the tunnel, then resets
   * the object, so the call always rejects with an Error whose message is ERASED_ABORT_REASON.
   */
  async erase(): Promise<void> {
    this.#erased = true;
    await this.ctx.storage.deleteAll();
    // An idle object stays in memory for 10 s after its last call (Durable Object lifecycle docs),
    // and locally every object's SQLite database shares one workerd process and its SQLite heap
    // limit: a reaper run touching thousands of objects within 10 s failed with SQLITE_NOMEM
    // after ~3,600. Nothing is left to keep, so the object is let go now. A later request starts
    // a fresh, empty instance (D1 already refuses its connectors).
    this.ctx.abort(ERASED_ABORT_REASON);
  }

  override async webSocketMessage(socket: WebSocket, message: ArrayBuffer | string): Promise<void> {
    if (typeof message === "string") {
      socket.close(CLOSE_CODES.protocolError, "frames are binary messages");
      this.#failStreamsOn(socket, "connector sent a text message");
      return;
    }
    const decoded = decodeFrame(message);
    if (!decoded.ok) {
      console.warn(
        `tunnel: malformed frame from connector (${decoded.reason}): ${decoded.message}`,
      );
      socket.close(CLOSE_CODES.malformedFrame, `malformed frame: ${decoded.reason}`);
      this.#failStreamsOn(socket, "connector sent a malformed frame");
      return;
    }
    const frame = decoded.frame;
    if (frame.streamId === 0) {
      this.#onConnectionFrame(socket, frame);
      return;
    }
    const stream = this.#streams.get(frame.streamId);
    // A stream the DO already finished (reset crossing an in-flight frame) is not an error.
    if (!stream) return;
    if (stream.socket !== socket || !stream.receive(frame)) {
      socket.close(
        CLOSE_CODES.protocolError,
        `unexpected ${frame.kind} on stream ${frame.streamId}`,
      );
      this.#failStreamsOn(socket, "connector broke the protocol");
    }
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.#failStreamsOn(socket, `connector connection closed (${code} ${reason})`);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
    await this.#recordDisconnect(socket);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.#failStreamsOn(socket, "connector connection failed");
    await this.#recordDisconnect(socket);
  }

  async #connect(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
    }
    if (this.#erased || this.ctx.storage.kv.get(REAPING_KEY) !== undefined) {
      return Response.json({ error: "tunnel deleted" }, { status: 410 });
    }
    const header = (name: string) => request.headers.get(name) ?? "";
    const tunnelId = header(HANDSHAKE_HEADERS.tunnelId);
    const live = this.#liveSockets();
    if (live.length >= MAX_CONNECTIONS_PER_TUNNEL) {
      return Response.json({ error: "too many connections for this tunnel" }, { status: 429 });
    }
    const now = Date.now();
    // The first connection flips D1 to "connected". markConnected refuses a deleted tunnel, which
    // is how a connector racing the reaper is turned away instead of attaching to a dead tunnel.
    // The count stays raised until the socket is accepted, so neither `reap` nor a disconnect
    // recorded meanwhile mistakes this tunnel for idle.
    this.#connectsInFlight++;
    try {
      if (live.length === 0) {
        const accepted = await this.#writePresence(() => markConnected(this.env.DB, tunnelId, now));
        if (!accepted) return Response.json({ error: "tunnel deleted" }, { status: 410 });
      }
      this.ctx.storage.kv.put(LAST_ACTIVE_AT_KEY, now);
      const record: ConnectionRecord = {
        tunnelId,
        connectionId: crypto.randomUUID(),
        connectorId: header(HANDSHAKE_HEADERS.connectorId),
        version: header(HANDSHAKE_HEADERS.version),
        arch: header(HANDSHAKE_HEADERS.arch),
        connIndex: Number(header(HANDSHAKE_HEADERS.connIndex)) || 0,
        originIp: header(TUNNEL_FETCH_HEADERS.originIp),
        colo: header(TUNNEL_FETCH_HEADERS.colo) || "local",
        openedAt: now,
        features: [],
        registered: false,
        draining: false,
      };
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      this.ctx.acceptWebSocket(server, [CONNECTOR_TAG]);
      server.serializeAttachment(record);
      return new Response(null, {
        status: 101,
        webSocket: client,
        headers: { [HANDSHAKE_HEADERS.edgeFeatures]: formatFeatures(EDGE_FEATURES) },
      });
    } finally {
      this.#connectsInFlight--;
    }
  }

  async #forward(request: Request): Promise<Response> {
    if (this.#erased) return publicError("tunnel_deleted", request);
    if (this.#routableSockets().length === 0) return publicError("no_connector", request);
    const websocket = request.headers.get("upgrade")?.toLowerCase() === "websocket";
    const clientIp = request.headers.get(TUNNEL_FETCH_HEADERS.clientIp) ?? "";
    const release = this.#slots(request, websocket).admit(clientKey(clientIp));
    if (!release) return publicError("too_many_requests", request, { "retry-after": "1" });
    try {
      return await this.#forwardAdmitted(request, websocket, clientIp, release);
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The pool a request takes its slot from: WebSockets live long and are counted apart. */
  #slots(request: Request, websocket: boolean): SlotPool {
    const quick = request.headers.get(TUNNEL_FETCH_HEADERS.tunnelKind) === "quick";
    if (websocket) {
      this.#webSocketSlots ??= new SlotPool(
        quick ? Number(this.env.QUICK_TUNNEL_MAX_WEBSOCKETS) : NAMED_TUNNEL_MAX_WEBSOCKETS,
      );
      return this.#webSocketSlots;
    }
    this.#requestSlots ??= new SlotPool(
      quick ? Number(this.env.QUICK_TUNNEL_MAX_IN_FLIGHT) : NAMED_TUNNEL_MAX_IN_FLIGHT,
    );
    return this.#requestSlots;
  }

  async #forwardAdmitted(
    request: Request,
    websocket: boolean,
    clientIp: string,
    release: () => void,
  ): Promise<Response> {
    const declaredLength = Number(request.headers.get("content-length") ?? 0);
    const maxBodyBytes = Number(this.env.MAX_REQUEST_BODY_BYTES);
    if (declaredLength > maxBodyBytes) {
      release();
      return publicError("body_too_large", request);
    }
    const hasBody = request.body !== null && !websocket;
    const headers = headersForOrigin(request, clientIp);
    if (websocket) headers.push(["upgrade", "websocket"], ["connection", "upgrade"]);
    // A bodiless GET or HEAD whose connection died or froze before any answer is sent once more
    // on another connection: nothing of it can have been half-applied, and a frozen connector
    // then costs the visitor a few seconds instead of an error.
    const replayable =
      !hasBody && !websocket && (request.method === "GET" || request.method === "HEAD");
    const tried = new Set<WebSocket>();
    let lastFailure: StreamFailure | null = null;
    let stream: PublicStream;
    let head: Awaited<PublicStream["head"]>;
    for (;;) {
      const socket = this.#pickSocket(this.#routableSockets().filter((s) => !tried.has(s)));
      if (!socket) {
        release();
        return publicError(lastFailure ? failurePage(lastFailure) : "no_connector", request);
      }
      tried.add(socket);
      const streamId = this.#allocateStreamId();
      // A stream that fails before its head leaves the slot to the loop below, which may retry.
      const attempt = new PublicStream(streamId, socket, () => {
        this.#streams.delete(streamId);
        if (attempt.answered) release();
      });
      stream = attempt;
      this.#track(streamId, stream);
      stream.send({
        kind: "requestHead",
        method: request.method,
        url: request.url,
        headers,
        websocket,
        hasBody,
        target: null,
      });
      if (hasBody && request.body) {
        // Not awaited: the upload and the response run concurrently, like any HTTP proxy.
        this.ctx.waitUntil(stream.pumpRequestBody(request.body, maxBodyBytes));
      }
      try {
        head = await stream.head;
        break;
      } catch (error) {
        if (!(error instanceof StreamFailure)) throw error;
        lastFailure = error;
        if (replayable && error.code === ResetCode.goingAway) continue;
        release();
        return publicError(failurePage(error), request);
      }
    }
    const responseHeaders = headersForVisitor(head.headers);

    if (websocket) {
      if (head.status !== 101) {
        stream.reset(ResetCode.cancelled, "origin refused the WebSocket upgrade");
        return new Response(null, { status: head.status, headers: responseHeaders });
      }
      const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
      server.accept();
      const windowed = connectionOf(stream.socket)?.features.includes(FEATURES.webSocketWindow);
      stream.attachVisitorSocket(server, windowed === true);
      const protocol = responseHeaders.get("sec-websocket-protocol");
      return new Response(null, {
        status: 101,
        webSocket: client,
        headers: protocol ? { "sec-websocket-protocol": protocol } : {},
      });
    }

    const bodyless =
      request.method === "HEAD" || head.status === 204 || head.status === 304 || head.status < 200;
    if (bodyless) stream.finishWithoutBody();
    const body = bodyless ? null : stream.responseBody(contentLengthOf(responseHeaders));
    return new Response(body, {
      status: head.status < 200 ? 502 : head.status,
      statusText: head.statusText,
      headers: responseHeaders,
      // The origin's body is already encoded as its Content-Encoding says; "automatic" would
      // compress it a second time.
      encodeBody: "manual",
    });
  }

  #onConnectionFrame(socket: WebSocket, frame: Frame): void {
    switch (frame.kind) {
      case "hello": {
        const record = connectionOf(socket);
        if (!record) return;
        record.features = frame.features.slice(0, 16);
        record.registered = true;
        socket.serializeAttachment(record);
        this.#send(socket, {
          kind: "registered",
          streamId: 0,
          connectionId: record.connectionId,
          location: record.colo,
          hostname: "",
        });
        return;
      }
      case "ping":
        this.#send(socket, { kind: "pong", streamId: 0, nonce: frame.nonce });
        return;
      case "pong":
        return;
      case "goAway": {
        const record = connectionOf(socket);
        if (!record) return;
        record.draining = true;
        socket.serializeAttachment(record);
        return;
      }
      default:
        socket.close(CLOSE_CODES.protocolError, `unexpected ${frame.kind} on stream 0`);
        this.#failStreamsOn(socket, "connector broke the protocol");
    }
  }

  #send(socket: WebSocket, frame: Frame): void {
    try {
      socket.send(encodeFrame(frame));
    } catch {
      // The close handler cleans up.
    }
  }

  #vpcHost(): VpcHost {
    return {
      dns: this.#dns,
      pickSocket: () =>
        this.#pickSocket(
          this.#routableSockets().filter((socket) =>
            connectionOf(socket)?.features.includes(FEATURES.vpc),
          ),
        ),
      register: (create) => {
        const id = this.#allocateStreamId();
        const stream = create(id, () => this.#streams.delete(id));
        this.#track(id, stream);
        return stream;
      },
      waitUntil: (promise) => this.ctx.waitUntil(promise),
    };
  }

  #pickSocket(sockets: WebSocket[]): WebSocket | null {
    return sockets.length === 0 ? null : sockets[this.#roundRobin++ % sockets.length]!;
  }

  /**
   * Connections that may take a new stream: open, registered with `hello` (a socket that only
   * authenticated knows nothing of the protocol yet), not draining, and not frozen.
   */
  #routableSockets(): WebSocket[] {
    const now = Date.now();
    return this.#liveSockets().filter((socket) => {
      const record = connectionOf(socket);
      return record?.registered === true && !record.draining && !this.#frozen(socket, record, now);
    });
  }

  /** Whether a connector that sends heartbeats has missed them for HEARTBEAT_STALE_MS. */
  #frozen(socket: WebSocket, record: ConnectionRecord, now: number): boolean {
    // An older connector sends no text heartbeat; its liveness is judged by its own pings only.
    if (!record.features.includes(FEATURES.heartbeat)) return false;
    const lastPingAt = this.ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0;
    return now - Math.max(lastPingAt, record.openedAt) > HEARTBEAT_STALE_MS;
  }

  #track(id: number, stream: TunnelStream): void {
    this.#streams.set(id, stream);
    this.#watchdog ??= setInterval(() => this.#watch(), WATCHDOG_INTERVAL_MS);
  }

  /**
   * Closes connections that stopped answering heartbeats, failing the streams waiting on them,
   * and applies each stream's deadlines; stops itself once no stream is left.
   */
  #watch(): void {
    if (this.#streams.size === 0) {
      if (this.#watchdog) clearInterval(this.#watchdog);
      this.#watchdog = null;
      return;
    }
    const now = Date.now();
    for (const socket of this.#liveSockets()) {
      const record = connectionOf(socket);
      if (!record || !this.#frozen(socket, record, now)) continue;
      console.warn(`tunnel: connection ${record.connectionId} stopped answering; closing it`);
      try {
        socket.close(CLOSE_CODES.heartbeatTimeout, "heartbeat timeout");
      } catch {
        // Already closing.
      }
      for (const stream of [...this.#streams.values()]) {
        if (stream.socket === socket) stream.fail(new ConnectorUnresponsive());
      }
    }
    const deadlines = this.#deadlines();
    for (const stream of [...this.#streams.values()]) stream.expire?.(now, deadlines);
  }

  #deadlines(): StreamDeadlines {
    return {
      responseHeadMs: Number(this.env.ORIGIN_RESPONSE_TIMEOUT_SECONDS) * 1000,
      streamIdleMs: Number(this.env.STREAM_IDLE_TIMEOUT_SECONDS) * 1000,
      webSocketIdleMs: Number(this.env.WEBSOCKET_IDLE_TIMEOUT_SECONDS) * 1000,
    };
  }

  #liveSockets(): WebSocket[] {
    return this.ctx
      .getWebSockets(CONNECTOR_TAG)
      .filter((socket) => socket.readyState === WebSocket.OPEN);
  }

  #allocateStreamId(): number {
    // Stream 0 is the connection itself; ids stay within UInt32.
    do {
      this.#nextStreamId = (this.#nextStreamId % 0x7fff_ffff) + 1;
    } while (this.#streams.has(this.#nextStreamId));
    return this.#nextStreamId;
  }

  #failStreamsOn(socket: WebSocket, message: string): void {
    for (const stream of [...this.#streams.values()]) {
      if (stream.socket === socket) stream.fail(new StreamFailure(ResetCode.goingAway, message));
    }
  }

  async #recordDisconnect(socket: WebSocket): Promise<void> {
    const record = connectionOf(socket);
    if (!record || this.#disconnectRecorded.has(socket) || this.#erased) return;
    this.#disconnectRecorded.add(socket);
    this.ctx.storage.kv.put(LAST_ACTIVE_AT_KEY, Date.now());
    rememberDropped(this.ctx.storage.kv, record, Date.now());
    await this.#writePresence(async () => {
      // Decided when the write runs, not when it was queued: a connector may have attached since.
      const stillLive = this.#liveSockets().some((other) => !this.#disconnectRecorded.has(other));
      if (stillLive || this.#connectsInFlight > 0) return;
      await markDisconnected(this.env.DB, record.tunnelId, Date.now());
    });
  }

  /** Live connections and those dropped within the last minutes, for the management API. */
  async connectors(): Promise<ConnectorSnapshot> {
    const live = this.#liveSockets().flatMap((socket) => connectionOf(socket) ?? []);
    return { live, dropped: recentDrops(this.ctx.storage.kv, Date.now()) };
  }

  /**
   * Closes the live connections of one connector, or all when `connectorId` is undefined, and
   * forgets their drops (cleaned up, not pending a reconnect). `tunnelDeleted` closes with 4410 so
   * the connector exits instead of reconnecting. Returns how many connections were closed.
   */
  async disconnect(connectorId?: string, tunnelDeleted = false): Promise<number> {
    const closing = this.#liveSockets().filter(
      (socket) => connectorId === undefined || connectionOf(socket)?.connectorId === connectorId,
    );
    for (const socket of closing) {
      if (tunnelDeleted) socket.close(CLOSE_CODES.tunnelDeleted, "tunnel deleted");
      else socket.close(1000, "connection cleaned up");
      this.#failStreamsOn(socket, "connection cleaned up");
    }
    await Promise.all(closing.map((socket) => this.#recordDisconnect(socket)));
    forgetDrops(this.ctx.storage.kv, Date.now(), connectorId);
    return closing.length;
  }

  /**
   * Runs D1 presence writes (connected / disconnected) one at a time. Two D1 writes started
   * back to back can land in either order, which once left D1 saying "idle" under a live
   * connector; queued, they land in the order the DO saw the events.
   */
  #writePresence<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#presenceWrites.then(write, write);
    this.#presenceWrites = run.catch(() => undefined);
    return run;
  }
}

/** The visitor's error page for a stream that failed before its response head. */
function failurePage(failure: StreamFailure) {
  if (failure instanceof ConnectorUnresponsive) return "connector_unresponsive" as const;
  if (failure.code === ResetCode.tooLarge) return "body_too_large" as const;
  if (failure.code === ResetCode.originTimeout) return "origin_timeout" as const;
  return "origin_failed" as const;
}
