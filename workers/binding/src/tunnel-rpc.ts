import {
  ConnectionPicker,
  connectionStub,
  fetchServiceOn,
  isConnectionGone,
  replayableRequest,
  tunnelStub,
  type VpcRoute,
} from "@burrow/tunnel-contract";

/** The Tunnel DO of `tunnelId`, typed by @burrow/tunnel-contract. */
export function tunnelFor(env: Env, tunnelId: string) {
  return tunnelStub(env.TUNNEL, tunnelId);
}

/** Tries on this many VPC connections before the Tunnel DO takes the call (a replica died). */
const MAX_CONNECTIONS_TRIED = 5;

let picker: ConnectionPicker | null = null;

/**
 * Sends a VPC call straight to one of the tunnel's VPC connection objects (this isolate keeps the
 * tunnel's list for 2 s), so a tunnel's VPC traffic is spread over its connections instead of
 * going through the tunnel's shared object. A connection gone since the list was read says so
 * before reading the body, and the next is tried; with none listed, the Tunnel DO answers (its
 * error names the missing connector).
 */
export async function callVpcService(
  env: Env,
  tunnelId: string,
  request: Request,
  route: VpcRoute,
): Promise<Response> {
  picker ??= new ConnectionPicker((id) => tunnelFor(env, id).routes());
  // A try that finds its connection gone sends the same bytes again (small bodies are held).
  const nextCopy = await replayableRequest(request);
  for (let tries = 0; tries < MAX_CONNECTIONS_TRIED; tries++) {
    const objectName = await picker.pick(tunnelId, true);
    if (objectName === null) break;
    const copy = nextCopy();
    if (copy === null) break;
    try {
      return await fetchServiceOn(connectionStub(env.TUNNEL_CONNECTION, objectName), copy, route);
    } catch (error) {
      if (!isConnectionGone(error)) throw error;
      picker.forget(tunnelId);
    }
  }
  const copy = nextCopy();
  if (copy === null) {
    throw new Error(
      `VPC service "${route.serviceName}": the tunnel's VPC connection closed as the call started`,
    );
  }
  return tunnelFor(env, tunnelId).fetchService(copy, route);
}
