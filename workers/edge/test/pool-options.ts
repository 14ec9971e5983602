/**
 * Miniflare options for running the edge Worker (and so the real Tunnel Durable Object) as the
 * vitest pool's main Worker. The edge's own tests and the reaper's tests both host the DO this way
 * (an auxiliary Worker cannot bind back to the main one, DESIGN.md §5); `extraBindings` adds what
 * a suite's code needs on top of the edge's variables.
 */
export function tunnelHostMiniflare(extraBindings: Record<string, unknown>) {
  return {
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: ["DB"],
    durableObjects: { TUNNEL: { className: "Tunnel", useSQLite: true } },
    bindings: {
      ZONE: "localhost",
      QUICK_TUNNEL_MAX_IN_FLIGHT: "1000",
      QUICK_TUNNEL_MAX_WEBSOCKETS: "1000",
      ORIGIN_RESPONSE_TIMEOUT_SECONDS: "100",
      STREAM_IDLE_TIMEOUT_SECONDS: "100",
      WEBSOCKET_IDLE_TIMEOUT_SECONDS: "100",
      MAX_REQUEST_BODY_BYTES: "4294967296",
      ...extraBindings,
    },
  };
}
