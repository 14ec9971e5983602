import type { ConnectionRecord } from "@burrow/tunnel-contract";

/** The tag every connector socket is accepted with, so `getWebSockets(tag)` finds only them. */
export const CONNECTOR_TAG = "connector";

/** Headers the edge passes to the DO on `/connect`, after authenticating the tunnel secret. */
export const CONNECT_HEADERS = {
  tunnelId: "x-burrow-tunnel-id",
  tunnelKind: "x-burrow-tunnel-kind",
  connectorId: "x-burrow-connector-id",
  version: "x-burrow-version",
  arch: "x-burrow-arch",
  connIndex: "x-burrow-conn-index",
  originIp: "x-burrow-origin-ip",
  colo: "x-burrow-colo",
} as const;

/** Reads a socket's record; null for a socket accepted by an older build without one. */
export function connectionOf(socket: WebSocket): ConnectionRecord | null {
  try {
    return (socket.deserializeAttachment() as ConnectionRecord | null) ?? null;
  } catch {
    return null;
  }
}

/**
 * Text heartbeat of the connector: the DO answers it through the runtime's WebSocket
 * auto-response (`setWebSocketAutoResponse`), which neither wakes a hibernated object nor waits
 * for a busy one, and `getWebSocketAutoResponseTimestamp` says when a socket last sent it.
 */
export const HEARTBEAT_PING = "burrow-ping";
export const HEARTBEAT_PONG = "burrow-pong";

/** Hello features: the connector sends heartbeats; it credits WebSocket messages with windowUpdate. */
export const HEARTBEAT_FEATURE = "heartbeat";
export const WEBSOCKET_WINDOW_FEATURE = "websocket-window";

/**
 * Response header on the 101 of `/connect` listing what this edge understands, so a newer
 * connector only sends text heartbeats and message credit to an edge that expects them.
 */
export const EDGE_FEATURES_HEADER = "x-burrow-edge-features";
export const EDGE_FEATURES = [HEARTBEAT_FEATURE, WEBSOCKET_WINDOW_FEATURE] as const;

/**
 * The connector pings every 2 s (edge-connection.ts); a socket whose last ping is older than this
 * missed two in a row plus slack, and is treated as frozen: no new streams, and while streams are
 * in flight the watchdog closes it and fails what waits on it.
 */
export const HEARTBEAT_STALE_MS = 5_000;
