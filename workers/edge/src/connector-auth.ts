import { connectorRefusal } from "@burrow/cf-api";
import { checkConnectorCredentials, type Tunnel } from "@burrow/registry";
import { HANDSHAKE_HEADERS } from "@burrow/wire";

/**
 * Checks a connector's tunnel id and secret on `/connect` (registry's constant-time check) and
 * throws the envelope the connector reads: 401 for an unknown tunnel or a wrong secret alike,
 * 410 for a deleted tunnel.
 */
export async function authenticateConnector(db: D1Database, request: Request): Promise<Tunnel> {
  const check = await checkConnectorCredentials(
    db,
    request.headers.get(HANDSHAKE_HEADERS.tunnelId),
    request.headers.get("authorization"),
  );
  if (!check.ok) throw connectorRefusal(check.reason);
  return check.tunnel;
}
