/**
 * What the Tunnel DO remembers about one connector WebSocket. It lives in the socket's attachment
 * (≤ 16 KiB) so it survives hibernation, which wipes everything in memory.
 */
export interface ConnectionRecord {
  tunnelId: string;
  connectionId: string;
  connectorId: string;
  version: string;
  arch: string;
  connIndex: number;
  originIp: string;
  colo: string;
  openedAt: number;
  features: string[];
  /** Set by a `goAway` from the connector: finish what runs, start nothing new here. */
  draining: boolean;
}

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
