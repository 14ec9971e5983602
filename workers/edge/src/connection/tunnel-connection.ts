import { DurableObject } from "cloudflare:workers";
import {
  CONNECTION_GONE,
  type ConnectionRecord,
  TUNNEL_FETCH_HEADERS,
  type TunnelConnectionRpc,
  type TunnelOperation,
  vpcRouteOf,
} from "@burrow/tunnel-contract";
import { type DnsRecordType, FEATURES, HANDSHAKE_HEADERS } from "@burrow/wire";
import type { DnsLookup } from "../tunnel/dns-cache";
import { triedConnections } from "../tunnel/relay";
import { Admission } from "./admission";
import { ConnectorSockets, connectionOf } from "./connector-sockets";
import { askConnector } from "./dns-exchange";
import { LogShipper } from "./log-shipper";
import { forwardVisitor, type PublicPath } from "./public-proxy";
import { StreamTable } from "./stream-table";
import { VpcHosts } from "./vpc-hosts";
import { serveVpcCall, type VpcPath } from "./vpc-proxy";
import { Watchdog } from "./watchdog";

/**
 * One Durable Object per connector connection (tunnel/connection-directory.ts names it). It holds
 * that connection's WebSocket (hibernatable, so an idle connection costs nothing) and carries the
 * visitor requests and VPC calls sent to it as frames. The edge Worker picks a connection object
 * itself from the Tunnel DO's list, so a tunnel's traffic is spread over as many single-threaded
 * objects as it has connections; the Tunnel DO keeps only what the tunnel shares (who is
 * connected, D1 presence, reaping, the request log, the VPC DNS cache), and this object reports
 * every change of its connection there.
 */
export class TunnelConnection extends DurableObject<Env> implements TunnelConnectionRpc {
  readonly #sockets: ConnectorSockets;
  readonly #streams = new StreamTable();
  readonly #log: LogShipper;
  readonly #public: PublicPath;
  readonly #vpc: VpcPath;
  // Close and error can both fire for a socket, after the watchdog or `close` already reported it.
  readonly #reported = new WeakSet<WebSocket>();
  #servedRequests = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // The Tunnel DO answers each change with the tunnel's capture switch, so a connection that
    // registers after capture was turned on captures from its first request.
    this.#sockets = new ConnectorSockets(ctx, async (record) => {
      this.#log.capture = await this.#tunnel(record).connectionChanged(record);
    });
    this.#streams.watchedBy(
      new Watchdog(this.#streams, this.#sockets, env, (socket) => this.#reportClosed(socket)),
    );
    this.#log = new LogShipper((rows) => {
      const record = this.#record();
      if (!record) return Promise.resolve(this.#log.capture);
      return this.#tunnel(record).logRequests(rows);
    });
    const parts = { ctx, sockets: this.#sockets, streams: this.#streams };
    this.#public = {
      ...parts,
      env,
      admission: new Admission(env),
      log: this.#log,
      relay: (request) => this.#relay(request),
      served: () => {
        this.#servedRequests++;
      },
    };
    this.#vpc = {
      ...parts,
      hosts: new VpcHosts((hostname, resolverIps) => {
        const record = this.#record();
        if (!record) return Promise.reject(new Error(CONNECTION_GONE));
        return this.#tunnel(record).resolveVpcHost(hostname, resolverIps);
      }),
    };
  }

  override async fetch(request: Request): Promise<Response> {
    const operation = request.headers.get(TUNNEL_FETCH_HEADERS.operation) as TunnelOperation;
    if (operation === "connect") return this.#accept(request);
    if (operation === "forward") return forwardVisitor(request, this.#public);
    // A VPC call (vpc-proxy.ts, fetchServiceOn); throws CONNECTION_GONE when this connection
    // cannot take it.
    if (operation === "vpc") return serveVpcCall(request, vpcRouteOf(request), this.#vpc);
    return new Response("unknown connection operation", { status: 400 });
  }

  /** One DNS question for the Tunnel DO's cache, asked of this object's connector. */
  async askDns(
    hostname: string,
    recordType: DnsRecordType,
    resolverIps: string[],
  ): Promise<DnsLookup> {
    if (this.#sockets.routable(FEATURES.vpc).length === 0) throw new Error(CONNECTION_GONE);
    return askConnector(this.#sockets, this.#streams, hostname, recordType, resolverIps);
  }

  /** The live connection's record with this object's counters; null when it holds none. */
  async record(): Promise<ConnectionRecord | null> {
    const socket = this.#sockets.live()[0];
    const record = socket ? connectionOf(socket) : null;
    return record ? { ...record, servedRequests: this.#servedRequests } : null;
  }

  /**
   * Closes the connection with `code` (the Tunnel DO cleaning up, cutting or deleting) and fails
   * its streams; the Tunnel DO records it, so it is not reported back. False when none was open.
   */
  async close(code: number, reason: string): Promise<boolean> {
    const sockets = this.#sockets.live();
    for (const socket of sockets) {
      this.#reported.add(socket);
      try {
        socket.close(code, reason);
      } catch {
        // Already closing.
      }
      this.#streams.failOn(socket, reason);
    }
    await this.#log.flush();
    return sockets.length > 0;
  }

  /** Ships the request log's pending entries now (the Tunnel DO is about to read its log). */
  async flushLog(): Promise<void> {
    await this.#log.flush();
  }

  /** The tunnel's capture switch changed. */
  async setCapture(enabled: boolean): Promise<void> {
    this.#log.capture = enabled;
  }

  override async webSocketMessage(socket: WebSocket, message: ArrayBuffer | string): Promise<void> {
    this.#sockets.receive(socket, message, this.#streams);
  }

  override async webSocketClose(socket: WebSocket, code: number, reason: string): Promise<void> {
    this.#streams.failOn(socket, `connector connection closed (${code} ${reason})`);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      // Already closed.
    }
    await this.#reportClosed(socket);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.#streams.failOn(socket, "connector connection failed");
    await this.#reportClosed(socket);
  }

  /** Accepts the upgrade the edge's /connect sends with the record the Tunnel DO admitted. */
  #accept(request: Request): Response {
    const record = JSON.parse(
      request.headers.get(TUNNEL_FETCH_HEADERS.connectionRecord) ?? "null",
    ) as ConnectionRecord | null;
    if (!record || this.#sockets.live().length > 0) {
      return Response.json(
        { error: "connection object already holds a connection" },
        { status: 409 },
      );
    }
    return this.#sockets.accept(record);
  }

  /** Tells the Tunnel DO, once per socket, that its connection closed. */
  async #reportClosed(socket: WebSocket): Promise<void> {
    const record = connectionOf(socket);
    if (!record || this.#reported.has(socket)) return;
    this.#reported.add(socket);
    await this.#log.flush();
    try {
      await this.#tunnel(record).connectionClosed(record.connectionId);
    } catch (error) {
      // The Tunnel DO verifies its list against the objects when it next starts.
      console.warn(`tunnel connection: could not report ${record.connectionId} closed: ${error}`);
    }
  }

  /** Hands a visitor request back to the Tunnel DO, naming this connection so it is skipped. */
  async #relay(request: Request): Promise<Response> {
    const tunnelId = request.headers.get(HANDSHAKE_HEADERS.tunnelId) ?? this.#record()?.tunnelId;
    if (!tunnelId) return new Response("no tunnel id", { status: 500 });
    const tunnel = this.env.TUNNEL.getByName(tunnelId);
    // Sent here for a connection this object does not hold at all: it died with its object (an
    // eviction or restart reports no close), so the Tunnel DO unlists it now rather than keep
    // routing to it. A registered connection was always accepted here first, so this is proof.
    const named = triedConnections(request).at(-1);
    if (named && this.#sockets.live().length === 0) await tunnel.connectionLost(named);
    return tunnel.fetch(request);
  }

  /** The record of the connection this object holds (live or the last one), if any. */
  #record(): ConnectionRecord | null {
    for (const socket of this.ctx.getWebSockets()) {
      const record = connectionOf(socket);
      if (record) return record;
    }
    return null;
  }

  #tunnel(record: ConnectionRecord) {
    return this.env.TUNNEL.getByName(record.tunnelId);
  }
}
