import { findTunnelByHostname } from "@burrow/registry";

/** Where a tunnel hostname goes. */
export interface TunnelRoute {
  tunnelId: string;
  kind: "quick" | "named";
}

/**
 * Positive answers are kept briefly so a reaped tunnel stops resolving within seconds. Misses are
 * kept as long: a flood of requests for one unknown name then costs one D1 query per 5 s.
 */
const ROUTE_TTL_MS = 5_000;
const MISS_TTL_MS = 5_000;
/**
 * Entries per kind (routes, misses) per isolate; Workers isolates have 128 MB and an entry is a
 * few hundred bytes. Misses have their own budget so random names can never push a route out.
 */
const MAX_CACHED_ENTRIES = 10_000;

/** RFC 1035 §2.3.4 / RFC 1123 §2.1: a name is at most 253 characters, a label at most 63. */
const MAX_HOSTNAME_CHARS = 253;
/** Letters, digits and inner hyphens (LDH); IDNs arrive as `xn--` punycode, which fits. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * True when `hostname` could be routed to a tunnel: a well-formed DNS name (LDH labels, within
 * DNS's length limits) strictly under `zone`. Quick tunnels are `<words>.<zone>`; named tunnels may
 * route any deeper name under the zone (e.g. `api.dev.<zone>` through `*.dev.<zone>`), so depth
 * is not limited beyond what DNS allows. Anything else is refused without asking D1.
 */
export function couldBeTunnelHostname(hostname: string, zone: string): boolean {
  if (hostname.length > MAX_HOSTNAME_CHARS) return false;
  const suffix = `.${zone}`;
  if (!hostname.endsWith(suffix) || hostname.length === suffix.length) return false;
  return hostname
    .slice(0, -suffix.length)
    .split(".")
    .every((label) => LABEL.test(label));
}

interface Cached {
  route: TunnelRoute | null;
  expiresAtMs: number;
  /** When a request set out to look the name up again; 0 when none is. */
  refreshStartedAtMs: number;
}

/** Options for a HostnameRoutes cache; the defaults are the edge's. */
export interface HostnameRoutesOptions {
  maxEntries?: number;
  routeTtlMs?: number;
  missTtlMs?: number;
  /** The clock, in ms since the epoch (tests move it). */
  now?: () => number;
}

/**
 * A per-isolate cache of hostname → tunnel lookups in D1: least-recently-used eviction (a Map
 * keeps insertion order, and a hit re-inserts), routes and misses in separate maps. Only answers
 * are shared between requests, never a pending query: a request awaiting another request's query
 * is cancelled by the runtime as hung when that request goes away first (its visitor gave up). An
 * expired answer is looked up again by the one request that finds it so, while the others go on
 * with it for that long; a name not cached at all is looked up by each request that asks.
 */
export class HostnameRoutes {
  readonly #routes = new Map<string, Cached>();
  readonly #misses = new Map<string, Cached>();
  readonly #maxEntries: number;
  readonly #routeTtlMs: number;
  readonly #missTtlMs: number;
  readonly #now: () => number;

  constructor(options: HostnameRoutesOptions = {}) {
    this.#maxEntries = options.maxEntries ?? MAX_CACHED_ENTRIES;
    this.#routeTtlMs = options.routeTtlMs ?? ROUTE_TTL_MS;
    this.#missTtlMs = options.missTtlMs ?? MISS_TTL_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Finds the tunnel serving `hostname` (lowercase, no port) under `zone`, or null. */
  async routeFor(db: D1Database, zone: string, hostname: string): Promise<TunnelRoute | null> {
    if (!couldBeTunnelHostname(hostname, zone)) return null;
    const now = this.#now();
    for (const map of [this.#routes, this.#misses]) {
      const cached = map.get(hostname);
      if (!cached) continue;
      map.delete(hostname);
      map.set(hostname, cached);
      if (cached.expiresAtMs > now) return cached.route;
      const ttlMs = cached.route ? this.#routeTtlMs : this.#missTtlMs;
      // Another request is looking it up (or went away doing so less than a TTL ago).
      if (now - cached.refreshStartedAtMs < ttlMs) return cached.route;
      cached.refreshStartedAtMs = now;
      return this.#lookUp(db, hostname).catch((error: unknown) => {
        cached.refreshStartedAtMs = 0;
        throw error;
      });
    }
    return this.#lookUp(db, hostname);
  }

  /** Forgets a hostname at once, e.g. after this isolate learns its tunnel was deleted. */
  forget(hostname: string): void {
    this.#routes.delete(hostname);
    this.#misses.delete(hostname);
  }

  /** Entries held, by kind (for tests and diagnostics). */
  get size(): { routes: number; misses: number } {
    return { routes: this.#routes.size, misses: this.#misses.size };
  }

  async #lookUp(db: D1Database, hostname: string): Promise<TunnelRoute | null> {
    const found = await findTunnelByHostname(db, hostname);
    const route = found ? { tunnelId: found.tunnelId, kind: found.kind } : null;
    const map = route ? this.#routes : this.#misses;
    const ttlMs = route ? this.#routeTtlMs : this.#missTtlMs;
    // A name that became a route (or stopped being one) leaves the other map.
    (route ? this.#misses : this.#routes).delete(hostname);
    map.delete(hostname);
    map.set(hostname, { route, expiresAtMs: this.#now() + ttlMs, refreshStartedAtMs: 0 });
    // The first key in insertion order is the least recently used one.
    while (map.size > this.#maxEntries) {
      const oldest = map.keys().next().value as string;
      map.delete(oldest);
    }
    return route;
  }
}

const isolateRoutes = new HostnameRoutes();

/** Finds the tunnel serving `hostname` (lowercase, no port) under `zone`, or null. */
export function routeFor(
  db: D1Database,
  zone: string,
  hostname: string,
): Promise<TunnelRoute | null> {
  return isolateRoutes.routeFor(db, zone, hostname);
}

/** Forgets a hostname at once, e.g. after this isolate learns its tunnel was deleted. */
export function forgetRoute(hostname: string): void {
  isolateRoutes.forget(hostname);
}
