import { findTunnelByHostname } from "@burrow/registry";

/** Where a tunnel hostname goes. */
export interface TunnelRoute {
  tunnelId: string;
  kind: "quick" | "named";
}

/**
 * Hostname lookups hit D1 on every visitor request otherwise. Positive answers are kept briefly
 * per isolate so a reaped tunnel stops resolving within seconds; misses are kept shorter still.
 */
const ROUTE_TTL_MS = 5_000;
const MISS_TTL_MS = 1_000;
/** Bounds the per-isolate cache; Workers isolates have 128 MB. */
const MAX_CACHED_ROUTES = 10_000;

const cache = new Map<string, { route: TunnelRoute | null; expiresAt: number }>();

/** Finds the tunnel serving `hostname` (lowercase, no port), or null. */
export async function routeFor(db: D1Database, hostname: string): Promise<TunnelRoute | null> {
  const now = Date.now();
  const cached = cache.get(hostname);
  if (cached && cached.expiresAt > now) return cached.route;
  const found = await findTunnelByHostname(db, hostname);
  const route = found ? { tunnelId: found.tunnelId, kind: found.kind } : null;
  if (cache.size >= MAX_CACHED_ROUTES) cache.clear();
  cache.set(hostname, { route, expiresAt: now + (route ? ROUTE_TTL_MS : MISS_TTL_MS) });
  return route;
}

/** Forgets a hostname at once, e.g. after this isolate learns its tunnel was deleted. */
export function forgetRoute(hostname: string): void {
  cache.delete(hostname);
}
