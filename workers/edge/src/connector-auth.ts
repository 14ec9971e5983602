import { ApiError } from "@burrow/cf-api";
import { getTunnel, secretMatches, type Tunnel } from "@burrow/registry";
import { HANDSHAKE_HEADERS } from "@burrow/wire";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Checks a connector's tunnel id and secret (`Authorization: Bearer <base64 secret>`). The secret
 * is compared as a SHA-256 digest in constant time; every failure gives the same answer so a
 * caller cannot tell an unknown tunnel from a wrong secret.
 */
export async function authenticateConnector(db: D1Database, request: Request): Promise<Tunnel> {
  const tunnelId = (request.headers.get(HANDSHAKE_HEADERS.tunnelId) ?? "").toLowerCase();
  const secret = decodeBearerSecret(request.headers.get("authorization"));
  const denied = new ApiError(401, "unauthorized", "unknown tunnel or wrong secret");
  if (!UUID.test(tunnelId)) throw denied;
  const tunnel = await getTunnel(db, tunnelId);
  // Hash even when there is no tunnel, so both failures take the same time.
  const matches = await secretMatches(secret, tunnel?.secretHash ?? "0".repeat(64));
  if (!tunnel || !matches) throw denied;
  if (tunnel.deletedAt !== null) {
    throw new ApiError(410, "tunnel_deleted", "this tunnel was deleted; start a new one");
  }
  return tunnel;
}

function decodeBearerSecret(header: string | null): Uint8Array {
  const match = /^Bearer ([A-Za-z0-9+/=_-]{1,256})$/.exec(header ?? "");
  if (!match?.[1]) return new Uint8Array(0);
  try {
    const binary = atob(match[1].replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}
