import type { ConnectionRecord } from "@burrow/tunnel-contract";

/** The tag every connector socket is accepted with, so `getWebSockets(tag)` finds only them. */
export const CONNECTOR_TAG = "connector";

/** Reads a socket's record; null for a socket accepted by an older build without one. */
export function connectionOf(socket: WebSocket): ConnectionRecord | null {
  try {
    return (socket.deserializeAttachment() as ConnectionRecord | null) ?? null;
  } catch {
    return null;
  }
}
