import { secretMatches } from "./secret";
import { getTunnel, type Tunnel } from "./tunnels";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The outcome of checking a connector's tunnel id and secret. */
export type ConnectorCheck =
  | { ok: true; tunnel: Tunnel }
  /** `denied` covers an unknown tunnel and a wrong secret alike, so a caller learns nothing. */
  | { ok: false; reason: "denied" | "deleted" };

/**
 * Checks the tunnel id and `Authorization: Bearer <base64 secret>` a connector presents, on the
 * edge's `/connect` and on the API routes a connector calls. The secret is compared as a SHA-256
 * digest in constant time, and hashed even for an unknown tunnel, so both failures take the same
 * time.
 */
export async function checkConnectorCredentials(
  db: D1Database,
  tunnelIdHeader: string | null,
  authorizationHeader: string | null,
): Promise<ConnectorCheck> {
  const tunnelId = (tunnelIdHeader ?? "").toLowerCase();
  const secret = decodeBearerSecret(authorizationHeader);
  if (!UUID.test(tunnelId)) return { ok: false, reason: "denied" };
  const tunnel = await getTunnel(db, tunnelId);
  const matches = await secretMatches(secret, tunnel?.secretHash ?? "0".repeat(64));
  if (!tunnel || !matches) return { ok: false, reason: "denied" };
  if (tunnel.deletedAt !== null) return { ok: false, reason: "deleted" };
  return { ok: true, tunnel };
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
