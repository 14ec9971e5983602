/**
 * The connector handshake, spelled once for both ends: what the connector sends on `/connect`,
 * which features each side announces, the text heartbeat, and the close codes of a connection.
 */

/** The edge path a connector opens its WebSocket on. */
export const CONNECT_PATH = "/connect";

/** Request headers of the connector's `/connect` upgrade (plus `Authorization: Bearer <secret>`). */
export const HANDSHAKE_HEADERS = {
  tunnelId: "x-burrow-tunnel-id",
  connectorId: "x-burrow-connector-id",
  connIndex: "x-burrow-conn-index",
  version: "x-burrow-version",
  arch: "x-burrow-arch",
  /**
   * Response header on the 101 listing what the edge understands, so a newer connector only
   * sends text heartbeats and message credit to an edge that expects them.
   */
  edgeFeatures: "x-burrow-edge-features",
} as const;

/** Who a connection is, as the connector announces it in the upgrade's headers. */
export interface ConnectorIdentity {
  tunnelId: string;
  connectorId: string;
  connIndex: number;
  version: string;
  arch: string;
}

/** The upgrade headers for `identity` and the tunnel's standard-base64 `secret`. */
export function connectRequestHeaders(
  identity: ConnectorIdentity,
  secret: string,
): Record<string, string> {
  return {
    authorization: `Bearer ${secret}`,
    [HANDSHAKE_HEADERS.tunnelId]: identity.tunnelId,
    [HANDSHAKE_HEADERS.connectorId]: identity.connectorId,
    [HANDSHAKE_HEADERS.connIndex]: String(identity.connIndex),
    [HANDSHAKE_HEADERS.version]: identity.version,
    [HANDSHAKE_HEADERS.arch]: identity.arch,
  };
}

/** Feature names, announced by the connector in `hello` and by the edge in its 101 header. */
export const FEATURES = {
  /** Started with `--vpc`: the connector takes target overrides and DNS questions. */
  vpc: "vpc",
  /** Sends (connector) or answers (edge) the text heartbeat below. */
  heartbeat: "heartbeat",
  /** WebSocket messages spend credit that `windowUpdate` frames return. */
  webSocketWindow: "websocket-window",
  /** The edge records `configApplied` frames (an older edge would close on the unknown kind). */
  configVersion: "config-version",
  /** The edge reads several frames from one message (frame-batch.ts). */
  frameBatches: "frame-batches",
} as const;

/** What this edge understands, in the order it lists them. */
export const EDGE_FEATURES = [
  FEATURES.heartbeat,
  FEATURES.webSocketWindow,
  FEATURES.configVersion,
  FEATURES.frameBatches,
] as const;

/** The edge-features header value for `features`. */
export function formatFeatures(features: readonly string[]): string {
  return features.join(", ");
}

/** Reads a comma-separated feature header (repeated headers already joined with commas). */
export function parseFeatures(header: string | null | undefined): Set<string> {
  return new Set(
    (header ?? "")
      .split(",")
      .map((feature) => feature.trim())
      .filter((feature) => feature !== ""),
  );
}

/**
 * The text heartbeat: the Tunnel DO answers it through the runtime's WebSocket auto-response
 * (`setWebSocketAutoResponse`), which neither wakes a hibernated object nor waits for a busy
 * one, and `getWebSocketAutoResponseTimestamp` says when a socket last sent it.
 */
export const HEARTBEAT_PING = "burrow-ping";
export const HEARTBEAT_PONG = "burrow-pong";
/** How often a connector announcing `heartbeat` sends HEARTBEAT_PING. */
export const HEARTBEAT_INTERVAL_MS = 2_000;
/**
 * A socket whose last ping is older than this missed two in a row plus slack, and the edge treats
 * it as frozen: no new streams, and while streams are in flight it is closed (heartbeatTimeout).
 */
export const HEARTBEAT_STALE_MS = 5_000;

/** Close codes of a connector connection (4000–4999 are application codes, RFC 6455 §7.4.2). */
export const CLOSE_CODES = {
  /** A binary message that is not a valid frame. */
  malformedFrame: 1007,
  /** A text message other than the heartbeat, or a frame the protocol does not allow there. */
  protocolError: 1002,
  /** The edge's watchdog closed a connection that stopped sending heartbeats. */
  heartbeatTimeout: 4408,
  /** The tunnel was deleted: reconnecting is pointless. */
  tunnelDeleted: 4410,
} as const;

/**
 * Whether `code` may be sent in a close frame (RFC 6455 §7.4): 1005 and 1006 describe a missing
 * close frame, and the rest of 1000–2999 outside 1000–1014 is reserved. A relayed close with any
 * other code is replaced by the caller's fallback.
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    code === 1000 ||
    (code >= 3000 && code <= 4999) ||
    (code >= 1001 && code <= 1014 && code !== 1005 && code !== 1006)
  );
}
