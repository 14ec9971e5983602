/**
 * The connections a caller may send a tunnel's traffic to, as the Tunnel DO's `routes()` answers:
 * registered and not draining; `vpcConnectionIds` are those of connectors started with VPC on.
 */
export interface TunnelRoutes {
  connectionIds: string[];
  vpcConnectionIds: string[];
}

/**
 * The name of the Durable Object that holds one connection (workers/edge/src/connection/). Each
 * connector connection gets its own object, created by the connector's upgrade and so placed near
 * the connector that opened it; a reconnect is a new connection and a new object.
 */
export function connectionObjectName(tunnelId: string, connectionId: string): string {
  return `${tunnelId}/${connectionId}`;
}

/** The connection id in a connection object's name. */
export function connectionIdOf(objectName: string): string {
  return objectName.slice(objectName.indexOf("/") + 1);
}

/**
 * What a connection object throws when asked to carry a VPC call or DNS question while holding no
 * VPC connection (it closed, froze or is draining): the caller then tries another connection. A
 * message, because only an Error's message is sure to survive the RPC back.
 */
export const CONNECTION_GONE = "burrow: this connection object holds no live VPC connection";

export function isConnectionGone(error: unknown): boolean {
  return error instanceof Error && error.message.includes(CONNECTION_GONE);
}

/**
 * How long an isolate trusts a tunnel's list of connections. A connection that closes or drains
 * within this window hands what it is sent back (or says CONNECTION_GONE), so a stale list costs a
 * hop, never a request; a new connection gets traffic within this window.
 */
const ROUTES_TTL_MS = 2_000;
/** Tunnels whose lists one isolate keeps; past this the lists start over. */
const MAX_TUNNELS = 10_000;

interface CachedRoutes {
  expiresAt: number;
  /** Connection object names, in the order the round robin walks them. */
  all: string[];
  vpc: string[];
  next: number;
  /** When a request of this isolate set out to refresh the list; 0 when none is refreshing. */
  refreshStartedAt: number;
}

/**
 * An isolate's picker of connection objects, round robin over each tunnel's routable connections.
 * The list comes from the Tunnel DO at most once per {@link ROUTES_TTL_MS} per tunnel, so the hot
 * path is one call to one connection object, not a call through the tunnel's shared object. Used
 * by the edge (visitors) and the binding Worker (VPC).
 *
 * Only lists are shared between requests, never a promise: a request that awaits another
 * request's call is cancelled by the runtime as hung when that request goes away first (its
 * visitor disconnected), the failure Cloudflare documents for promises shared across requests.
 * So an expired list is refreshed by the one request that finds it expired, with its own call,
 * while the others go on with the list they have; the first requests for a tunnel each ask.
 */
export class ConnectionPicker {
  readonly #routesOf: (tunnelId: string) => Promise<TunnelRoutes>;
  readonly #cache = new Map<string, CachedRoutes>();

  /** `routesOf` asks the tunnel's DO (`routes()`). */
  constructor(routesOf: (tunnelId: string) => Promise<TunnelRoutes>) {
    this.#routesOf = routesOf;
  }

  /**
   * The object name the next request of `tunnelId` goes to (`vpc`: only VPC connections); null
   * when none is listed, and the Tunnel DO answers (the slow path).
   */
  async pick(tunnelId: string, vpc = false): Promise<string | null> {
    const now = Date.now();
    let routes = this.#cache.get(tunnelId);
    if (!routes) {
      routes = await this.#load(tunnelId);
    } else if (routes.expiresAt <= now && now - routes.refreshStartedAt >= ROUTES_TTL_MS) {
      // A refresh that has not answered within the TTL (its request went away) is taken over.
      const stale = routes;
      stale.refreshStartedAt = now;
      routes = await this.#load(tunnelId).catch((error: unknown) => {
        stale.refreshStartedAt = 0;
        throw error;
      });
    }
    const names = vpc ? routes.vpc : routes.all;
    if (names.length === 0) return null;
    return names[routes.next++ % names.length]!;
  }

  /**
   * Marks a tunnel's list out of date (its connections changed under a request): the next pick
   * asks again, and requests meanwhile go on with this list, whose gone connections hand their
   * requests back.
   */
  forget(tunnelId: string): void {
    const routes = this.#cache.get(tunnelId);
    if (routes) {
      routes.expiresAt = 0;
      routes.refreshStartedAt = 0;
    }
  }

  async #load(tunnelId: string): Promise<CachedRoutes> {
    const { connectionIds, vpcConnectionIds } = await this.#routesOf(tunnelId);
    const routes: CachedRoutes = {
      expiresAt: Date.now() + ROUTES_TTL_MS,
      all: connectionIds.map((id) => connectionObjectName(tunnelId, id)),
      vpc: vpcConnectionIds.map((id) => connectionObjectName(tunnelId, id)),
      // Isolates start at different places, so they do not all load the first connection.
      next: Math.floor(Math.random() * 1024),
      refreshStartedAt: 0,
    };
    if (this.#cache.size >= MAX_TUNNELS) this.#cache.clear();
    this.#cache.set(tunnelId, routes);
    return routes;
  }
}
