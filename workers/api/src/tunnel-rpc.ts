import { tunnelStub } from "@burrow/tunnel-contract";

/** The Tunnel DO of `tunnelId`, typed by @burrow/tunnel-contract. */
export function tunnelConnections(env: Env, tunnelId: string) {
  return tunnelStub(env.TUNNEL, tunnelId);
}
