import type { ConnectorSnapshot } from "@burrow/edge/connection-history";
import type { DnsCacheStats } from "@burrow/edge/dns-cache";

/**
 * The Tunnel DO methods this Worker calls (workers/edge/src/tunnel.ts). The binding names
 * `script_name = "burrow-edge"`, so wrangler types it without the class; this shape is checked
 * only by the edge's own implementation until the Tunnel contract package exists (issue 9).
 */
export interface TunnelConnectionsRpc {
  connectors(): Promise<ConnectorSnapshot>;
  disconnect(connectorId?: string, tunnelDeleted?: boolean): Promise<number>;
  /** DNS cache counters of the tunnel's VPC traffic (GET …/services/{id}/metrics). */
  vpcStats(): Promise<DnsCacheStats>;
}

/** The Tunnel DO of `tunnelId`. */
export function tunnelConnections(env: Env, tunnelId: string): TunnelConnectionsRpc {
  return env.TUNNEL.getByName(tunnelId) as unknown as TunnelConnectionsRpc;
}
