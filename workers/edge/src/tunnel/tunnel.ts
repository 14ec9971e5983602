import { DurableObject } from "cloudflare:workers";
import {
  type ConnectionRecord,
  type ConnectorSnapshot,
  type DnsCacheStats,
  type RequestLogPage,
  type RequestLogQuery,
  type TrafficMinute,
  TUNNEL_FETCH_HEADERS,
  type TunnelOperation,
  type TunnelRpc,
  type VpcRoute,
} from "@burrow/tunnel-contract";
import { Admission } from "./admission";
import { recentDrops } from "./connection-history";
import { ConnectorSockets } from "./connector-sockets";
import { DnsCache } from "./dns-cache";
import { Presence } from "./presence";
import { forwardVisitor, type PublicPath } from "./public-proxy";
import { Reaping } from "./reaping";
import { RequestLog } from "./request-log";
import { StreamTable } from "./stream-table";
import { fetchVpcService, type VpcPath } from "./vpc-proxy";
import { Watchdog } from "./watchdog";

/**
 * One Durable Object per tunnel id. It holds the tunnel's connector WebSockets (hibernatable, so
 * an idle tunnel costs nothing) and carries visitor requests and VPC calls to them as frames.
 * The hooks and RPC methods here only delegate; each concern is a module of this folder.
 */
export class Tunnel extends DurableObject<Env> implements TunnelRpc {
  readonly #sockets: ConnectorSockets;
  readonly #streams = new StreamTable();
  // VPC DNS answers; in memory, so hibernation empties it (see dns-cache.ts).
  readonly #dns = new DnsCache();
  readonly #reaping: Reaping;
  readonly #presence: Presence;
  readonly #public: PublicPath;
  readonly #vpc: VpcPath;
  readonly #log: RequestLog;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sockets = new ConnectorSockets(ctx);
    this.#reaping = new Reaping(ctx);
    this.#presence = new Presence(ctx, env, this.#sockets, this.#reaping);
    this.#streams.watchedBy(new Watchdog(this.#streams, this.#sockets, env));
    this.#log = new RequestLog(ctx.storage, Number(env.REQUEST_LOG_MAX_ENTRIES));
    const parts = { ctx, sockets: this.#sockets, streams: this.#streams };
    this.#public = {
      ...parts,
      env,
      admission: new Admission(env),
      reaping: this.#reaping,
      log: this.#log,
    };
    this.#vpc = { ...parts, dns: this.#dns };
  }

  override async fetch(request: Request): Promise<Response> {
    const operation = request.headers.get(TUNNEL_FETCH_HEADERS.operation) as TunnelOperation;
    if (operation === "connect") return this.#presence.connect(request);
    if (operation === "forward") return forwardVisitor(request, this.#public);
    return new Response("unknown tunnel operation", { status: 400 });
  }

  async fetchService(request: Request, route: VpcRoute): Promise<Response> {
    return fetchVpcService(request, route, this.#vpc);
  }

  async vpcStats(): Promise<DnsCacheStats> {
    return this.#dns.stats();
  }

  async connections(): Promise<ConnectionRecord[]> {
    return this.#sockets.records();
  }

  async connectors(): Promise<ConnectorSnapshot> {
    return { live: this.#sockets.records(), dropped: recentDrops(this.ctx.storage.kv, Date.now()) };
  }

  async disconnect(connectorId?: string, tunnelDeleted = false): Promise<number> {
    return this.#presence.disconnect(this.#streams, connectorId, tunnelDeleted);
  }

  async cutConnection(connectionId: string): Promise<boolean> {
    return this.#presence.cut(this.#streams, connectionId);
  }

  async reap(inactiveBefore: number): Promise<boolean> {
    // No await between the check and the claim: a racing connect lands wholly before or after.
    return this.#reaping.claim(inactiveBefore, this.#presence.busy);
  }

  async spare(): Promise<void> {
    this.#reaping.spare();
  }

  async requests(query: RequestLogQuery): Promise<RequestLogPage> {
    return this.#log.list(query);
  }

  async setCapture(enabled: boolean): Promise<boolean> {
    return this.#log.setCapture(enabled);
  }

  async traffic(minutes: number): Promise<TrafficMinute[]> {
    return this.#log.traffic(minutes);
  }

  async erase(): Promise<void> {
    this.#log.discard();
    await this.#reaping.erase();
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
    await this.#presence.recordDisconnect(socket);
  }

  override async webSocketError(socket: WebSocket): Promise<void> {
    this.#streams.failOn(socket, "connector connection failed");
    await this.#presence.recordDisconnect(socket);
  }
}
