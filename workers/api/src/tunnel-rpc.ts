import type { ConnectorSnapshot } from "@burrow/edge/connection-history";

/**
 * The Tunnel DO methods this Worker calls (workers/edge/src/tunnel.ts). The binding names
 * `script_name = "burrow-edge"`, so wrangler types it without the class; this shape is checked
 * only by the edge's own implementation until the Tunnel contract package exists (issue 9).
 */
export interface TunnelConnectionsRpc {
  connectors(): Promise<ConnectorSnapshot>;
  disconnect(connectorId?: string, tunnelDeleted?: boolean): Promise<number>;
}

/** The Tunnel DO of `tunnelId`. */
export function tunnelConnections(env: Env, tunnelId: string): TunnelConnectionsRpc {
  return env.TUNNEL.getByName(tunnelId) as unknown as TunnelConnectionsRpc;
}
