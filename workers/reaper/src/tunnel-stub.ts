/**
 * The Tunnel Durable Object's reaping methods (workers/edge/src/tunnel.ts), as the reaper calls
 * them over RPC. The class lives in the edge Worker, so only this shape is declared here.
 */
export interface ReapableTunnel {
  /** Claims an idle tunnel: false if a connector is attached or was active since `inactiveBefore`. */
  reap(inactiveBefore: number): Promise<boolean>;
  /** Calls the claim off; connections are accepted again. */
  spare(): Promise<void>;
  /**
   * Deletes the object's storage after the registry deleted the tunnel, then resets the object so
   * it stops holding memory: succeeds by rejecting with ERASED_ABORT_REASON (see isErasedAbort).
   */
  erase(): Promise<void>;
}

/** The reason `erase` resets its object with, after the storage is gone; same as in tunnel.ts. */
export const ERASED_ABORT_REASON = "burrow: tunnel erased";

/** True when `erase` rejected only because it reset its object after deleting the storage. */
export function isErasedAbort(error: unknown): boolean {
  return error instanceof Error && error.message.includes(ERASED_ABORT_REASON);
}

/** The Tunnel DO of `tunnelId`, typed for the reaper's calls. */
export function reapableTunnel(
  namespace: DurableObjectNamespace,
  tunnelId: string,
): ReapableTunnel {
  return namespace.getByName(tunnelId) as unknown as ReapableTunnel;
}
