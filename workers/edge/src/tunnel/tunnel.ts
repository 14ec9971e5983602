import { DurableObject } from "cloudflare:workers";
import { getTunnel } from "@burrow/registry";
import {
  type ConnectionRecord,
  type ConnectorSnapshot,
  connectionObjectName,
  type DnsCacheStats,
  type RequestLogPage,
  type RequestLogQuery,
  type TrafficMinute,
  TUNNEL_FETCH_HEADERS,
  type TunnelOperation,
  type TunnelRoutes,
  type TunnelRpc,
  type VpcRoute,
} from "@burrow/tunnel-contract";
import { FEATURES } from "@burrow/wire";
import type { LogRow } from "../connection/request-trace";
import { ConnectionDirectory, type ConnectorArrival } from "./connection-directory";
import { recentDrops } from "./connection-history";
import { DeletionCheck } from "./deletion-check";
import { DnsCache } from "./dns-cache";
import { type Admission, type ConnectionObject, Presence } from "./presence";
import { Reaping } from "./reaping";
import { relayVisitor } from "./relay";
import { RequestLog } from "./request-log";
import { dispatchVpcCall, resolveVpcHost, type VpcDispatch } from "./vpc-dispatch";

/**
 * One Durable Object per tunnel id: what the tunnel's connections share. The connector sockets
 * live in one connection object each (workers/edge/src/connection/), which the edge Worker calls
 * directly; this object keeps the directory of those connections (routes() gives the edge its
 * list), D1 presence, reaping, the request log, and the VPC DNS cache, and is the slow path for a
 * request no listed connection could take. The hooks and RPC methods here only delegate.
 */
export class Tunnel extends DurableObject<Env> implements TunnelRpc {
  readonly #directory: ConnectionDirectory;
  // VPC DNS answers; in memory, so an evicted object starts empty (see dns-cache.ts).
  readonly #dns = new DnsCache();
  readonly #reaping: Reaping;
  readonly #presence: Presence;
  readonly #log: RequestLog;
  readonly #objectOf: ConnectionObject;
  readonly #vpc: VpcDispatch;
  readonly #deletion: DeletionCheck;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#directory = new ConnectionDirectory(ctx.storage.kv);
    this.#reaping = new Reaping(ctx);
    this.#objectOf = (record) =>
      env.TUNNEL_CONNECTION.getByName(connectionObjectName(record.tunnelId, record.connectionId));
    this.#presence = new Presence(ctx, env, this.#directory, this.#reaping, this.#objectOf);
    this.#log = new RequestLog(ctx.storage, Number(env.REQUEST_LOG_MAX_ENTRIES));
    this.#vpc = { directory: this.#directory, dns: this.#dns, objectOf: this.#objectOf };
    this.#deletion = new DeletionCheck({
      wasConnected: () => this.#reaping.wasConnected,
      isDeleted: async (tunnelId) => {
        const tunnel = await getTunnel(env.DB, tunnelId);
        return tunnel === null || tunnel.deletedAt !== null;
      },
    });
  }

  override async fetch(request: Request): Promise<Response> {
    const operation = request.headers.get(TUNNEL_FETCH_HEADERS.operation) as TunnelOperation;
    if (operation === "forward") {
      await this.#presence.verifyInherited();
      return relayVisitor(request, {
        directory: this.#directory,
        reaping: this.#reaping,
        log: this.#log,
        objectOf: this.#objectOf,
        deletion: this.#deletion,
      });
    }
    return new Response("unknown tunnel operation", { status: 400 });
  }

  /** A connector's upgrade, authenticated by the edge: the record its connection object accepts. */
  async admitConnection(arrival: ConnectorArrival): Promise<Admission> {
    return this.#presence.admit(arrival);
  }

  /** A connection object's record changed (hello, draining, config version); answers capture. */
  async connectionChanged(record: ConnectionRecord): Promise<boolean> {
    if (!this.#reaping.erased && !this.#directory.update(record)) {
      // Unlisted meanwhile (verified away while its hello was on its way): its object says it lives.
      this.#directory.add(record, Date.now());
    }
    return this.#log.capture;
  }

  /**
   * A connection object's socket closed; `remember` false for an upgrade that never completed
   * (nothing to reconnect).
   */
  async connectionClosed(connectionId: string, remember = true): Promise<void> {
    await this.#presence.closed(connectionId, remember);
  }

  /**
   * A connection's object was sent a request and holds no socket: the connection died with that
   * object (no close was reported). Unlisted unless it never registered (its upgrade may still be
   * on its way), and remembered as pending a reconnect.
   */
  async connectionLost(connectionId: string): Promise<void> {
    if (this.#directory.get(connectionId)?.registered) await this.#presence.closed(connectionId);
  }

  async routes(): Promise<TunnelRoutes> {
    await this.#presence.verifyInherited();
    const ids = (feature?: string) =>
      this.#directory.routable(feature).map((record) => record.connectionId);
    return { connectionIds: ids(), vpcConnectionIds: ids(FEATURES.vpc) };
  }

  /** A VPC hostname through the tunnel's DNS cache, for a connection object's call. */
  async resolveVpcHost(
    hostname: string,
    resolverIps: string[],
  ): Promise<{ addresses: string[]; expiresAt: number }> {
    return resolveVpcHost(this.#vpc, hostname, resolverIps);
  }

  /** A batch of finished requests from a connection object; answers the capture switch. */
  async logRequests(rows: LogRow[]): Promise<boolean> {
    this.#log.recordBatch(rows);
    return this.#log.capture;
  }

  async fetchService(request: Request, route: VpcRoute): Promise<Response> {
    await this.#presence.verifyInherited();
    return dispatchVpcCall(request, route, this.#vpc);
  }

  async vpcStats(): Promise<DnsCacheStats> {
    return this.#dns.stats();
  }

  async connections(): Promise<ConnectionRecord[]> {
    await this.#presence.verifyInherited();
    return this.#presence.liveRecords();
  }

  async connectors(): Promise<ConnectorSnapshot> {
    const live = await this.connections();
    return { live, dropped: recentDrops(this.ctx.storage.kv, Date.now()) };
  }

  async disconnect(connectorId?: string, tunnelDeleted = false): Promise<number> {
    return this.#presence.disconnect(connectorId, tunnelDeleted);
  }

  async cutConnection(connectionId: string): Promise<boolean> {
    return this.#presence.cut(connectionId);
  }

  async reap(inactiveBefore: number): Promise<boolean> {
    await this.#presence.verifyInherited();
    // No await between the check and the claim: a racing connect lands wholly before or after.
    return this.#reaping.claim(inactiveBefore, this.#presence.busy);
  }

  async spare(): Promise<void> {
    this.#reaping.spare();
  }

  async requests(query: RequestLogQuery): Promise<RequestLogPage> {
    await this.#flushConnectionLogs();
    return this.#log.list(query);
  }

  async setCapture(enabled: boolean): Promise<boolean> {
    this.#log.setCapture(enabled);
    await Promise.all(
      this.#directory.all().map((record) =>
        this.#objectOf(record)
          .setCapture(enabled)
          .catch(() => {}),
      ),
    );
    return enabled;
  }

  async traffic(minutes: number): Promise<TrafficMinute[]> {
    await this.#flushConnectionLogs();
    return this.#log.traffic(minutes);
  }

  async erase(): Promise<void> {
    this.#log.discard();
    await this.#reaping.erase();
  }

  /** Has every connection object ship its pending log entries, so a read is never behind. */
  async #flushConnectionLogs(): Promise<void> {
    await Promise.all(
      this.#directory.all().map((record) =>
        this.#objectOf(record)
          .flushLog()
          .catch(() => {}),
      ),
    );
  }
}
