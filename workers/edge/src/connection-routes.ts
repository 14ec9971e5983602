import { connectionObjectName } from "./tunnel/connection-directory";

/**
 * How long an isolate trusts a tunnel's list of connections. A connection that closes or drains
 * within this window hands what it is sent back to the Tunnel DO, which passes it on, so a stale
 * list costs a hop, never a request; a new connection gets traffic within this window.
 */
const ROUTES_TTL_MS = 2_000;
/** Tunnels whose lists one isolate keeps; past this the list starts over. */
const MAX_TUNNELS = 10_000;

interface CachedRoutes {
  expiresAt: number;
  /** Connection object names, in the order the round robin walks them. */
  objects: string[];
  next: number;
}

const cache = new Map<string, CachedRoutes>();
const refreshing = new Map<string, Promise<CachedRoutes>>();

/**
 * The connection object the next visitor request of `tunnelId` goes to, round robin over the
 * tunnel's routable connections; null when the tunnel has none listed (the Tunnel DO answers).
 * The list comes from the Tunnel DO at most once per {@link ROUTES_TTL_MS} per isolate, so the
 * hot path is one call to one connection object, not a call through the tunnel's shared object.
 */
export async function connectionObjectFor(env: Env, tunnelId: string): Promise<string | null> {
  const now = Date.now();
  let routes = cache.get(tunnelId);
  if (!routes || routes.expiresAt <= now) routes = await refresh(env, tunnelId);
  if (routes.objects.length === 0) return null;
  return routes.objects[routes.next++ % routes.objects.length]!;
}

/** Forgets a tunnel's list (its connections changed under a request), so the next call asks. */
export function forgetConnections(tunnelId: string): void {
  cache.delete(tunnelId);
}

/** One question to the Tunnel DO per tunnel at a time, however many requests wait on it. */
function refresh(env: Env, tunnelId: string): Promise<CachedRoutes> {
  let pending = refreshing.get(tunnelId);
  if (!pending) {
    pending = env.TUNNEL.getByName(tunnelId)
      .routes()
      .then(({ connectionIds }) => {
        const routes: CachedRoutes = {
          expiresAt: Date.now() + ROUTES_TTL_MS,
          objects: connectionIds.map((id) => connectionObjectName(tunnelId, id)),
          next: Math.floor(Math.random() * Math.max(1, connectionIds.length)),
        };
        if (cache.size >= MAX_TUNNELS) cache.clear();
        cache.set(tunnelId, routes);
        return routes;
      })
      .finally(() => refreshing.delete(tunnelId));
    refreshing.set(tunnelId, pending);
  }
  return pending;
}
