import { markConnected, markDisconnected } from "@burrow/registry";
import { TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import { CLOSE_CODES, HANDSHAKE_HEADERS } from "@burrow/wire";
import { forgetDrops, rememberDropped } from "./connection-history";
import { type ConnectorSockets, connectionOf } from "./connector-sockets";
import type { Reaping } from "./reaping";
import type { StreamTable } from "./stream-table";

/** 25 replicas × 4 HA connections, Cloudflare's published per-tunnel maximum. */
const MAX_CONNECTIONS_PER_TUNNEL = 100;

/**
 * Connectors attaching and leaving, and the registry's view of it: the first connection marks
 * the tunnel connected in D1, the last close marks it idle, and each drop is remembered for the
 * management API (connection-history.ts).
 */
export class Presence {
  readonly #env: Env;
  readonly #ctx: DurableObjectState;
  readonly #sockets: ConnectorSockets;
  readonly #reaping: Reaping;
  #writes: Promise<unknown> = Promise.resolve();
  // `connect` awaits D1 before accepting; the reaper must not claim the tunnel in that window.
  #connectsInFlight = 0;
  // Close and error can both fire for one socket; its disconnect is recorded once.
  readonly #disconnectRecorded = new WeakSet<WebSocket>();

  constructor(ctx: DurableObjectState, env: Env, sockets: ConnectorSockets, reaping: Reaping) {
    this.#ctx = ctx;
    this.#env = env;
    this.#sockets = sockets;
    this.#reaping = reaping;
  }

  /** Whether a connector is attached or attaching: such a tunnel is not idle. */
  get busy(): boolean {
    return this.#sockets.live().length > 0 || this.#connectsInFlight > 0;
  }

  /** A connector's upgrade, authenticated by the edge: 101 with the socket, 410, 426 or 429. */
  async connect(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: "expected a WebSocket upgrade" }, { status: 426 });
    }
    if (this.#reaping.refusesConnections) {
      return Response.json({ error: "tunnel deleted" }, { status: 410 });
    }
    const header = (name: string) => request.headers.get(name) ?? "";
    const tunnelId = header(HANDSHAKE_HEADERS.tunnelId);
    const live = this.#sockets.live();
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
        const accepted = await this.#write(() => markConnected(this.#env.DB, tunnelId, now));
        if (!accepted) return Response.json({ error: "tunnel deleted" }, { status: 410 });
      }
      this.#reaping.markActive(now);
      const origin = {
        tunnelId,
        originIp: header(TUNNEL_FETCH_HEADERS.originIp),
        colo: header(TUNNEL_FETCH_HEADERS.colo),
      };
      return this.#sockets.accept(request, origin, now);
    } finally {
      this.#connectsInFlight--;
    }
  }

  /** Records that `socket` closed: its drop, and D1 idle when it was the last connection. */
  async recordDisconnect(socket: WebSocket): Promise<void> {
    const record = connectionOf(socket);
    if (!record || this.#disconnectRecorded.has(socket) || this.#reaping.erased) return;
    this.#disconnectRecorded.add(socket);
    this.#reaping.markActive(Date.now());
    rememberDropped(this.#ctx.storage.kv, record, Date.now());
    await this.#write(async () => {
      // Decided when the write runs, not when it was queued: a connector may have attached since.
      const stillLive = this.#sockets.live().some((other) => !this.#disconnectRecorded.has(other));
      if (stillLive || this.#connectsInFlight > 0) return;
      await markDisconnected(this.#env.DB, record.tunnelId, Date.now());
    });
  }

  /**
   * Closes the live connections of one connector, or all when `connectorId` is undefined, and
   * forgets their drops (cleaned up, not pending a reconnect); `tunnelDeleted` closes with 4410.
   */
  async disconnect(
    streams: StreamTable,
    connectorId: string | undefined,
    tunnelDeleted: boolean,
  ): Promise<number> {
    const closing = this.#sockets
      .live()
      .filter(
        (socket) => connectorId === undefined || connectionOf(socket)?.connectorId === connectorId,
      );
    for (const socket of closing) {
      if (tunnelDeleted) socket.close(CLOSE_CODES.tunnelDeleted, "tunnel deleted");
      else socket.close(1000, "connection cleaned up");
      streams.failOn(socket, "connection cleaned up");
    }
    await Promise.all(closing.map((socket) => this.recordDisconnect(socket)));
    forgetDrops(this.#ctx.storage.kv, Date.now(), connectorId);
    return closing.length;
  }

  /**
   * Closes the one live connection `connectionId` with 1012 (service restart: the connector
   * reconnects it) and fails its streams; its drop stays remembered, so the tunnel is degraded
   * until the connector is back. False when no live connection has that id.
   */
  async cut(streams: StreamTable, connectionId: string): Promise<boolean> {
    const socket = this.#sockets
      .live()
      .find((candidate) => connectionOf(candidate)?.connectionId === connectionId);
    if (!socket) return false;
    socket.close(1012, "connection cut");
    streams.failOn(socket, "connector connection cut");
    await this.recordDisconnect(socket);
    return true;
  }

  /**
   * Runs D1 presence writes (connected / disconnected) one at a time. Two D1 writes started
   * back to back can land in either order, which once left D1 saying "idle" under a live
   * connector; queued, they land in the order the DO saw the events.
   */
  #write<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(write, write);
    this.#writes = run.catch(() => undefined);
    return run;
  }
}
