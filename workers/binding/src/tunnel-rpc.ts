import type { DnsCacheStats } from "@burrow/edge/dns-cache";
import type { VpcRoute } from "@burrow/edge/vpc-route";

/**
 * The RPC methods of the edge Worker's Tunnel Durable Object that this Worker calls. The binding
 * is declared with `script_name = "burrow-edge"`, so wrangler types it without the class.
 */
export interface TunnelRpc {
  fetchService(request: Request, route: VpcRoute): Promise<Response>;
  vpcStats(): Promise<DnsCacheStats>;
}

/** The Tunnel DO of `tunnelId`. */
export function tunnelFor(env: Env, tunnelId: string): TunnelRpc {
  return env.TUNNEL.getByName(tunnelId) as unknown as TunnelRpc;
}
