import type { Json } from "miniflare";
import { workerRateLimits, workerVars } from "../../../packages/local-edge/src/worker-configs";

/**
 * Miniflare options for running the edge Worker (and so the real Tunnel Durable Object) as the
 * vitest pool's main Worker. The edge's own tests and the reaper's tests both host the DO this way
 * (an auxiliary Worker cannot bind back to the main one, DESIGN.md §5). Variables come from the
 * root wrangler.toml, as deployed; `extraBindings` adds what a suite's code needs on top.
 */
export function tunnelHostMiniflare(extraBindings: Record<string, Json>) {
  return {
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: ["DB"],
    durableObjects: {
      TUNNEL: { className: "Tunnel", useSQLite: true },
      TUNNEL_CONNECTION: { className: "TunnelConnection", useSQLite: true },
    },
    bindings: { ...workerVars("wrangler.toml"), ...extraBindings },
    ratelimits: workerRateLimits("wrangler.toml"),
  };
}
