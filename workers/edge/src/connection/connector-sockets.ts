import type { ConnectionRecord } from "@burrow/tunnel-contract";
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
  splitFrameBatch,
} from "@burrow/wire";
import type { StreamTable } from "./stream-table";

/** The tag every connector socket is accepted with, so `getWebSockets(tag)` finds only them. */
export const CONNECTOR_TAG = "connector";

/**
 * Told when a connection's record changes (registered by `hello`, draining, a config version):
 * the connection object passes it on to the Tunnel DO's directory of the tunnel's connections.
 */
export type RecordListener = (record: ConnectionRecord) => Promise<void>;

/**
 * Each socket's record, read once from its attachment: deserializing it on every look cost more
 * CPU per request than the frames (a V8 profile of the edge isolate). Hibernation empties this
 * map with the rest of memory, and the attachment is read again.
 */
const records = new WeakMap<WebSocket, ConnectionRecord | null>();

/** Reads a socket's record; null for a socket accepted by an older build without one. */
export function connectionOf(socket: WebSocket): ConnectionRecord | null {
  let record = records.get(socket);
  if (record === undefined) {
    try {
      record = (socket.deserializeAttachment() as ConnectionRecord | null) ?? null;
    } catch {
      record = null;
    }
    records.set(socket, record);
  }
  return record;
}

/**
 * The connector WebSocket of one connection object (a socket that reconnects gets a new object),
 * accepted with the Hibernation API: its attachment record, whether it may carry a new stream,
 * the heartbeat, and connection-level frames.
 */
export class ConnectorSockets {
  readonly #ctx: DurableObjectState;
  readonly #recordChanged: RecordListener;
  #roundRobin = 0;
  /**
   * When each socket last delivered a frame. A connector busy streaming is alive even when its
   * heartbeat waits behind megabytes of data frames in the socket (seen under load: a 5 s delay
   * made a working connection look frozen). In memory only: hibernation needs an idle object,
   * and after it the heartbeat timestamp alone decides.
   */
  readonly #lastFrameAt = new WeakMap<WebSocket, number>();

  constructor(ctx: DurableObjectState, recordChanged: RecordListener) {
    this.#ctx = ctx;
    this.#recordChanged = recordChanged;
    // Answered by the runtime without waking the object (@burrow/wire handshake, HEARTBEAT_PING).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(HEARTBEAT_PING, HEARTBEAT_PONG));
  }

  /** Open connector sockets, registered or not. */
  live(): WebSocket[] {
    return this.#ctx
      .getWebSockets(CONNECTOR_TAG)
      .filter((socket) => socket.readyState === WebSocket.OPEN);
  }

  /** The records of the live sockets. */
  records(): ConnectionRecord[] {
    return this.live().flatMap((socket) => connectionOf(socket) ?? []);
  }

  /**
   * Connections that may take a new stream: open, registered with `hello` (a socket that only
   * authenticated knows nothing of the protocol yet), not draining, not frozen (unless
   * `evenSilent`: the last resort when nothing else is left), and announcing `feature` when one
   * is asked for.
   */
  routable(feature?: string, options: { evenSilent?: boolean } = {}): WebSocket[] {
    const now = Date.now();
    return this.live().filter((socket) => {
      const record = connectionOf(socket);
      if (record?.registered !== true || record.draining) return false;
      if (!options.evenSilent && this.#frozen(socket, record, now)) return false;
      return feature === undefined || record.features.includes(feature);
    });
  }

  /** The next routable socket in turn, skipping `tried`; null when none is left. */
  pick(feature?: string, tried?: ReadonlySet<WebSocket>): WebSocket | null {
    const sockets = this.routable(feature).filter((socket) => !tried?.has(socket));
    return sockets.length === 0 ? null : sockets[this.#roundRobin++ % sockets.length]!;
  }

  /** Live sockets of connectors that announced `heartbeat` and have missed it too long. */
  frozen(now: number): WebSocket[] {
    return this.live().filter((socket) => {
      const record = connectionOf(socket);
      return record !== null && this.#frozen(socket, record, now);
    });
  }

  /** Accepts the connector's WebSocket with the record the Tunnel DO admitted; answers the 101. */
  accept(record: ConnectionRecord): Response {
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    this.#ctx.acceptWebSocket(server, [CONNECTOR_TAG]);
    storeRecord(server, record);
    return new Response(null, {
      status: 101,
      webSocket: client,
      headers: { [HANDSHAKE_HEADERS.edgeFeatures]: formatFeatures(EDGE_FEATURES) },
    });
  }

  /**
   * Handles one message from a connector: a frame for a stream goes to its stream, one for stream
   * 0 is the connection's own. Anything malformed or out of protocol closes only this socket and
   * fails the streams it carried.
   */
  receive(socket: WebSocket, message: ArrayBuffer | string, streams: StreamTable): void {
    this.#lastFrameAt.set(socket, Date.now());
    if (typeof message === "string") {
      socket.close(CLOSE_CODES.protocolError, "frames are binary messages");
      streams.failOn(socket, "connector sent a text message");
      return;
    }
    // Several frames when the connector batched the answers of one turn (@burrow/wire
    // frame-batch.ts); each frame is checked and decoded on its own, in order.
    const batch = splitFrameBatch(new Uint8Array(message));
    if (!batch.ok) {
      this.#refuseMalformed(socket, streams, batch);
      return;
    }
    for (const bytes of batch.frames) {
      if (!this.#receiveFrame(socket, bytes, streams)) return;
    }
  }

  /** One frame of a connector's message; false once the socket was closed for it. */
  #receiveFrame(socket: WebSocket, bytes: Uint8Array, streams: StreamTable): boolean {
    // The message's ArrayBuffer is this object's alone and nothing writes to it, so a body
    // payload may be a view into it rather than a copy (one copy less per body byte).
    const decoded = decodeFrame(bytes, { viewPayload: true });
    if (!decoded.ok) {
      this.#refuseMalformed(socket, streams, decoded);
      return false;
    }
    const frame = decoded.frame;
    if (frame.streamId === 0) {
      if (this.#onConnectionFrame(socket, frame)) return true;
      socket.close(CLOSE_CODES.protocolError, `unexpected ${frame.kind} on stream 0`);
      streams.failOn(socket, "connector broke the protocol");
      return false;
    }
    const stream = streams.get(frame.streamId);
    // A stream the DO already finished (reset crossing an in-flight frame) is not an error.
    if (!stream) return true;
    if (stream.socket !== socket || !stream.receive(frame)) {
      socket.close(
        CLOSE_CODES.protocolError,
        `unexpected ${frame.kind} on stream ${frame.streamId}`,
      );
      streams.failOn(socket, "connector broke the protocol");
      return false;
    }
    return true;
  }

  #refuseMalformed(
    socket: WebSocket,
    streams: StreamTable,
    failure: { reason: string; message: string },
  ): void {
    console.warn(`tunnel: malformed frame from connector (${failure.reason}): ${failure.message}`);
    socket.close(CLOSE_CODES.malformedFrame, `malformed frame: ${failure.reason}`);
    streams.failOn(socket, "connector sent a malformed frame");
  }

  /** Handles a stream-0 frame; false for one the protocol does not allow there. */
  #onConnectionFrame(socket: WebSocket, frame: Frame): boolean {
    switch (frame.kind) {
      case "hello": {
        const record = connectionOf(socket);
        if (!record) return true;
        record.features = frame.features.slice(0, 16);
        record.configVersion = frame.configVersion;
        record.registered = true;
        storeRecord(socket, record);
        void this.#register(socket, record);
        return true;
      }
      case "ping":
        send(socket, { kind: "pong", streamId: 0, nonce: frame.nonce });
        return true;
      case "pong":
        return true;
      case "configApplied": {
        const record = connectionOf(socket);
        if (!record) return true;
        record.configVersion = frame.version;
        storeRecord(socket, record);
        this.#announce(record);
        return true;
      }
      case "goAway": {
        const record = connectionOf(socket);
        if (!record) return true;
        record.draining = true;
        storeRecord(socket, record);
        this.#announce(record);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Tells the Tunnel DO first and the connector after: a connector that heard `registered` is
   * ready (its /ready says so), and a visitor it then sends must find the connection listed.
   */
  async #register(socket: WebSocket, record: ConnectionRecord): Promise<void> {
    try {
      await this.#recordChanged(record);
    } catch (error) {
      console.warn(`tunnel connection: could not register ${record.connectionId}: ${error}`);
      socket.close(1011, "could not register the connection");
      return;
    }
    send(socket, {
      kind: "registered",
      streamId: 0,
      connectionId: record.connectionId,
      location: record.colo,
      hostname: "",
    });
  }

  #announce(record: ConnectionRecord): void {
    this.#recordChanged(record).catch((error: unknown) => {
      console.warn(`tunnel connection: could not update ${record.connectionId}: ${error}`);
    });
  }

  /**
   * Whether a connector that sends heartbeats has been silent for HEARTBEAT_STALE_MS: no heartbeat
   * and no frame at all.
   */
  #frozen(socket: WebSocket, record: ConnectionRecord, now: number): boolean {
    // An older connector sends no text heartbeat; its liveness is judged by its own pings only.
    if (!record.features.includes(FEATURES.heartbeat)) return false;
    const lastPingAt = this.#ctx.getWebSocketAutoResponseTimestamp(socket)?.getTime() ?? 0;
    const lastHeardAt = Math.max(lastPingAt, this.#lastFrameAt.get(socket) ?? 0, record.openedAt);
    return now - lastHeardAt > HEARTBEAT_STALE_MS;
  }
}

function send(socket: WebSocket, frame: Frame): void {
  try {
    socket.send(encodeFrame(frame));
  } catch {
    // The close handler cleans up.
  }
}

/** Keeps `record` as the socket's attachment (it survives hibernation) and in memory. */
function storeRecord(socket: WebSocket, record: ConnectionRecord): void {
  socket.serializeAttachment(record);
  records.set(socket, record);
}
