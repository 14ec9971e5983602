import type https from "node:https";
import {
  CLOSE_CODES,
  CONNECT_PATH,
  connectRequestHeaders,
  decodeFrame,
  FEATURES,
  type Frame,
  GROWN_WINDOWS_BUDGET_BYTES,
  HANDSHAKE_HEADERS,
  HEARTBEAT_PONG,
  MAX_FRAME_BYTES,
  parseFeatures,
  ResetCode,
  WindowBudget,
} from "@burrow/wire";
import WebSocket from "ws";
import { bodyGarbage } from "./body-garbage";
import { DataFrameReceiver } from "./data-frame-receiver";
import { EdgeLiveness } from "./edge-liveness";
import { refusal, retryable, type TunnelKind } from "./edge-refusal";
import { EdgeWriter } from "./edge-writer";
import { edgeMaskingKeys, fillZeroKey } from "./masking-keys";
import type { ConnectorMetrics } from "./metrics";
import type { OriginHttpAgent } from "./origin-http1/origin-http-agent";
import type { OriginRouter } from "./origin-router";
import { OriginStream, type RequestHead, type StreamObserver } from "./origin-stream";
import type { VpcOptions } from "./vpc/options";

/** How long the edge may take to accept the WebSocket and answer `hello`. */
const REGISTER_TIMEOUT_MS = 15_000;

/** Everything one connection to the edge needs. */
export interface EdgeConnectionOptions {
  edge: URL;
  tunnelId: string;
  /** Which kind of tunnel runs: the refusals tell a quick tunnel's user something else. */
  tunnelKind: TunnelKind;
  /** Standard base64 of the 32 secret bytes, as `POST /tunnel` returned it. */
  secret: string;
  connectorId: string;
  connIndex: number;
  version: string;
  /** The remote configuration version routed by now, announced in `hello` (0 when local). */
  configVersion: () => number;
  /** The router in force now: read per request, so a new configuration applies at once. */
  router: () => OriginRouter;
  /** Agents for VPC traffic. */
  agent: { http: OriginHttpAgent; https: https.Agent };
  metrics: ConnectorMetrics;
  log: (message: string) => void;
  /** Set with `--vpc`: target overrides and DNS questions are served within its networks. */
  vpc?: VpcOptions | null;
  /** Set with `--inspect`: an observer per request, for the inspector's record of it. */
  observe?: ((head: RequestHead, connIndex: number) => StreamObserver) | null;
}

export { type TunnelKind, tunnelDeleted } from "./edge-refusal";

/** What the edge answered when it registered the connection. */
export interface Registration {
  connectionId: string;
  /** Where the edge runs (its colo; "local" in Miniflare). */
  location: string;
}

/** How a connection ended: `code`/`reason` from the WebSocket close. */
export interface ConnectionEnd {
  code: number;
  reason: string;
}

/**
 * One WebSocket from the connector to the edge (one Tunnel DO connection): it registers, answers
 * pings, and runs an {@link OriginStream} for every request the DO sends down.
 */
export class EdgeConnection {
  readonly #options: EdgeConnectionOptions;
  readonly #streams = new Map<number, OriginStream>();
  #socket: WebSocket | null = null;
  #writer: EdgeWriter | null = null;
  readonly #liveness = new EdgeLiveness({
    sendHeartbeat: (text) => {
      this.#writer?.sendText(text);
    },
    sendPing: (nonce) => this.#send({ kind: "ping", streamId: 0, nonce }),
    terminate: (reason) => {
      this.#options.log(`${reason}; reconnecting`);
      this.#socket?.terminate();
    },
  });
  #edgeFeatures = new Set<string>();
  #draining = false;
  /**
   * What this connection's request bodies may borrow to grow their receive windows while the
   * origin keeps up (packages/wire flow-control.ts), as the edge does for responses.
   */
  readonly #windowBudget = new WindowBudget(GROWN_WINDOWS_BUDGET_BYTES);
  #ended: Promise<ConnectionEnd> | null = null;

  constructor(options: EdgeConnectionOptions) {
    this.#options = options;
  }

  /** Requests running on this connection. */
  get inFlight(): number {
    return this.#streams.size;
  }

  /** Resolves when the connection closes, for whatever reason. */
  get ended(): Promise<ConnectionEnd> {
    if (!this.#ended) throw new Error("connection not opened");
    return this.#ended;
  }

  /** Opens and registers; rejects with a {@link ConnectorError} saying whether to retry. */
  open(): Promise<Registration> {
    const { edge, tunnelId, secret, connectorId, connIndex, version } = this.#options;
    const url = new URL(CONNECT_PATH, edge);
    url.protocol = edge.protocol === "https:" ? "wss:" : "ws:";
    // ws masks its own messages with these keys, EdgeWriter the data frames it writes beside ws.
    const keys = edgeMaskingKeys(edge);
    const socket = new WebSocket(url, {
      headers: connectRequestHeaders(
        { tunnelId, connectorId, connIndex, version, arch: `${process.platform}_${process.arch}` },
        secret,
      ),
      maxPayload: MAX_FRAME_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: REGISTER_TIMEOUT_MS,
      generateMask: keys === "zero" ? fillZeroKey : undefined,
    });
    socket.binaryType = "nodebuffer";
    this.#socket = socket;
    this.#writer = new EdgeWriter(socket, keys);
    this.#ended = new Promise((resolve) => {
      socket.on("close", (code, reason) => {
        this.#liveness.stop();
        for (const stream of this.#streams.values()) stream.abort();
        this.#streams.clear();
        this.#options.metrics.connectionClosed();
        resolve({ code, reason: reason.toString() });
      });
    });
    this.#ended.catch(() => {});

    return new Promise<Registration>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.terminate();
        reject(retryable("the edge did not register the connection in time", "timeout"));
      }, REGISTER_TIMEOUT_MS);
      socket.on("unexpected-response", (_request, response) => {
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          reject(refusal(response.statusCode ?? 0, body, this.#options.tunnelKind));
          socket.terminate();
        });
      });
      socket.on("error", (error) => {
        clearTimeout(timer);
        reject(retryable("could not connect to the edge", error.message));
      });
      socket.on("upgrade", (response) => {
        const header = response.headers[HANDSHAKE_HEADERS.edgeFeatures];
        this.#edgeFeatures = parseFeatures(Array.isArray(header) ? header.join(",") : header);
        if (this.#writer) this.#writer.batchFrames = this.#edgeFeatures.has(FEATURES.frameBatches);
      });
      socket.on("open", () => {
        // Before any frame byte is read: data frames from here on skip ws's message join.
        DataFrameReceiver.attach(socket, (streamId, chunks, byteLength) => {
          try {
            this.#onData(streamId, chunks, byteLength);
          } catch (error) {
            // As for frames through ws: logged, never fatal to the process or the connection.
            this.#options.log(`frame data on stream ${streamId} failed: ${error}`);
          }
        });
        this.#send({
          kind: "hello",
          streamId: 0,
          connectorId,
          version,
          arch: `${process.platform}_${process.arch}`,
          connIndex,
          configVersion: this.#options.configVersion(),
          // What this connector can do; the edge named its own in the 101's header.
          features: [
            FEATURES.heartbeat,
            FEATURES.webSocketWindow,
            ...(this.#options.vpc ? [FEATURES.vpc] : []),
          ],
        });
      });
      socket.on("message", (data: Buffer, isBinary: boolean) => {
        if (!isBinary) {
          if (data.toString("utf8") === HEARTBEAT_PONG) this.#liveness.heartbeatAnswered();
          return;
        }
        // Each message came in fresh buffers (see BodyGarbage): count them.
        bodyGarbage.moved(data.byteLength);
        // ws hands each message over as its own Buffer (a slice of a socket read, or joined
        // from several) and never writes to it again, so body bytes may stay views into it.
        const decoded = decodeFrame(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), {
          viewPayload: true,
        });
        if (!decoded.ok) {
          this.#options.log(`malformed frame from the edge (${decoded.reason}); reconnecting`);
          socket.close(CLOSE_CODES.malformedFrame, "malformed frame");
          return;
        }
        const frame = decoded.frame;
        if (frame.kind === "registered") {
          clearTimeout(timer);
          this.#options.metrics.connectionOpened();
          this.#liveness.start(this.#edgeFeatures.has(FEATURES.heartbeat));
          resolve({ connectionId: frame.connectionId, location: frame.location });
          return;
        }
        try {
          this.#onFrame(frame);
        } catch (error) {
          // Streams catch their own failures; anything else is logged, never fatal to the process.
          this.#options.log(`frame ${frame.kind} on stream ${frame.streamId} failed: ${error}`);
        }
      });
    });
  }

  /**
   * Tells the edge this connection now routes by configuration `version`, for `config_version`
   * in the API's `/connections`. Only to an edge that announced it understands the frame.
   */
  reportConfigVersion(version: number): void {
    if (this.#edgeFeatures.has(FEATURES.configVersion)) {
      this.#send({ kind: "configApplied", streamId: 0, version });
    }
  }

  /** Stops taking requests: the DO routes new ones elsewhere; running ones finish. */
  goAway(): void {
    if (this.#draining) return;
    this.#draining = true;
    this.#send({ kind: "goAway", streamId: 0, reason: "connector shutting down" });
  }

  /**
   * Closes the connection (running streams are aborted); resolves once it is closed. Frames sent
   * just before, such as a drained stream's last data and `end`, may still sit in this process's
   * socket buffer: the close frame goes after them, and a process that exits before the close
   * completes would lose them (the edge then sees 1006 and cuts the visitor's body short).
   */
  close(code = 1000, reason = "connector closing"): Promise<void> {
    // Frames batched in this turn go before the close frame.
    this.#writer?.flush();
    this.#socket?.close(code, reason);
    // A peer that never answers the close must not hold the process open.
    setTimeout(() => this.#socket?.terminate(), 2_000).unref();
    return this.#ended ? this.#ended.then(() => {}) : Promise.resolve();
  }

  #onFrame(frame: Frame): void {
    if (frame.streamId === 0) {
      if (frame.kind === "ping") this.#send({ kind: "pong", streamId: 0, nonce: frame.nonce });
      else if (frame.kind === "pong") this.#liveness.pongReceived();
      return;
    }
    if (frame.kind === "dnsQuestion") {
      void this.#answerDns(frame);
      return;
    }
    if (frame.kind === "requestHead") {
      if (this.#streams.has(frame.streamId)) {
        this.#protocolError("duplicate stream id");
        return;
      }
      if (this.#draining) {
        this.#send({
          kind: "reset",
          streamId: frame.streamId,
          code: ResetCode.goingAway,
          message: "connector draining",
        });
        return;
      }
      this.#startStream(frame);
      return;
    }
    const stream = this.#streams.get(frame.streamId);
    if (!stream) return; // Already finished here; the edge's frame crossed our end or reset.
    let expected: boolean;
    try {
      expected = stream.receive(frame);
    } catch (error) {
      // A visitor's bytes made the origin side throw: that stream ends, the connection goes on.
      this.#resetStream(stream, error);
      return;
    }
    if (!expected) this.#protocolError(`unexpected ${frame.kind}`);
  }

  /**
   * A data frame {@link DataFrameReceiver} took off the socket, handled as #onFrame handles a
   * decoded one (a frame for a finished stream is dropped; an unexpected one is a protocol error).
   */
  #onData(streamId: number, chunks: Uint8Array[], byteLength: number): void {
    // The socket read these bytes into fresh buffers (see BodyGarbage).
    bodyGarbage.moved(byteLength);
    if (streamId === 0) return;
    const stream = this.#streams.get(streamId);
    if (!stream) return;
    let expected: boolean;
    try {
      expected = stream.receiveData(chunks, byteLength);
    } catch (error) {
      this.#resetStream(stream, error);
      return;
    }
    if (!expected) this.#protocolError("unexpected data");
  }

  /** Resets one stream after an unexpected throw, telling the edge, and logs why. */
  #resetStream(stream: OriginStream, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#options.log(`stream ${stream.id} failed: ${message}; reset`);
    this.#send({
      kind: "reset",
      streamId: stream.id,
      code: ResetCode.internal,
      message: "connector failed on this stream",
    });
    stream.abort();
  }

  /** Resolves a VPC hostname in this connector's network; refused unless started with `--vpc`. */
  async #answerDns(question: Extract<Frame, { kind: "dnsQuestion" }>): Promise<void> {
    const vpc = this.#options.vpc;
    this.#options.metrics.dnsQuestionsTotal++;
    const answer = vpc
      ? await vpc.resolver.resolve(question.hostname, question.recordType, question.resolverIps)
      : { status: "refused" as const, addresses: [], ttlSeconds: 0 };
    this.#send({ kind: "dnsAnswer", streamId: question.streamId, ...answer });
  }

  #startStream(head: Extract<Frame, { kind: "requestHead" }>): void {
    const metrics = this.#options.metrics;
    const stream = new OriginStream(head.streamId, head, {
      router: this.#options.router(),
      agent: this.#options.agent,
      vpc: this.#options.vpc ?? null,
      webSocketWindow: this.#edgeFeatures.has(FEATURES.webSocketWindow),
      windowBudget: this.#windowBudget,
      observer: this.#options.observe?.(head, this.#options.connIndex) ?? null,
      send: (frame) => this.#send(frame),
      sendData: (streamId, chunks, byteLength) =>
        this.#writer?.sendData(streamId, chunks, byteLength),
      onDone: (streamId, failed) => {
        this.#streams.delete(streamId);
        metrics.requestFinished(failed);
      },
    });
    this.#streams.set(head.streamId, stream);
    metrics.requestStarted(this.#options.connIndex);
    try {
      stream.start();
    } catch (error) {
      this.#resetStream(stream, error);
    }
  }

  #protocolError(message: string): void {
    this.#options.log(`protocol error from the edge: ${message}; reconnecting`);
    this.#socket?.close(CLOSE_CODES.protocolError, message);
  }

  #send(frame: Frame): void {
    this.#writer?.send(frame);
  }
}
