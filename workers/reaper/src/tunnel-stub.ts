/**
 * The Tunnel Durable Object's reaping methods (workers/edge/src/tunnel.ts), as the reaper calls
 * them over RPC. The class lives in the edge Worker, so only this shape is declared here.
 */
export interface ReapableTunnel {
  /** Claims an idle tunnel: false if a connector is attached or was active since `inactiveBefore`. */
  reap(inactiveBefore: number): Promise<boolean>;
  /** Calls the claim off; connections are accepted again. */
  spare(): Promise<void>;
  /** Deletes the object's storage after the registry deleted the tunnel. */
  erase(): Promise<void>;
}

/** The Tunnel DO of `tunnelId`, typed for the reaper's calls. */
export function reapableTunnel(
  namespace: DurableObjectNamespace,
  tunnelId: string,
): ReapableTunnel {
  return namespace.getByName(tunnelId) as unknown as ReapableTunnel;
}
