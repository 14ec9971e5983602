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
}

/**
 * An isolate's picker of connection objects, round robin over each tunnel's routable connections.
 * The list comes from the Tunnel DO at most once per {@link ROUTES_TTL_MS} per tunnel (concurrent
 * requests share one question), so the hot path is one call to one connection object, not a call
 * through the tunnel's shared object. Used by the edge (visitors) and the binding Worker (VPC).
 */
export class ConnectionPicker {
  readonly #routesOf: (tunnelId: string) => Promise<TunnelRoutes>;
  readonly #cache = new Map<string, CachedRoutes>();
  readonly #refreshing = new Map<string, Promise<CachedRoutes>>();

  /** `routesOf` asks the tunnel's DO (`routes()`). */
  constructor(routesOf: (tunnelId: string) => Promise<TunnelRoutes>) {
    this.#routesOf = routesOf;
  }

  /**
   * The object name the next request of `tunnelId` goes to (`vpc`: only VPC connections); null
   * when none is listed, and the Tunnel DO answers (the slow path).
   */
  async pick(tunnelId: string, vpc = false): Promise<string | null> {
    let routes = this.#cache.get(tunnelId);
    if (!routes || routes.expiresAt <= Date.now()) routes = await this.#refresh(tunnelId);
    const names = vpc ? routes.vpc : routes.all;
    if (names.length === 0) return null;
    return names[routes.next++ % names.length]!;
  }

  /** Forgets a tunnel's list (its connections changed under a request): the next pick asks. */
  forget(tunnelId: string): void {
    this.#cache.delete(tunnelId);
  }

  #refresh(tunnelId: string): Promise<CachedRoutes> {
    let pending = this.#refreshing.get(tunnelId);
    if (!pending) {
      pending = this.#routesOf(tunnelId)
        .then(({ connectionIds, vpcConnectionIds }) => {
          const routes: CachedRoutes = {
            expiresAt: Date.now() + ROUTES_TTL_MS,
            all: connectionIds.map((id) => connectionObjectName(tunnelId, id)),
            vpc: vpcConnectionIds.map((id) => connectionObjectName(tunnelId, id)),
            // Isolates start at different places, so they do not all load the first connection.
            next: Math.floor(Math.random() * 1024),
          };
          if (this.#cache.size >= MAX_TUNNELS) this.#cache.clear();
          this.#cache.set(tunnelId, routes);
          return routes;
        })
        .finally(() => this.#refreshing.delete(tunnelId));
      this.#refreshing.set(tunnelId, pending);
    }
    return pending;
  }
}
