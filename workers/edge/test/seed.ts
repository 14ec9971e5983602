import { env, exports } from "cloudflare:workers";
import { createTunnel, hashSecret } from "@burrow/registry";
import type { ConnectionRecord } from "@burrow/tunnel-contract";
import { HANDSHAKE_HEADERS } from "@burrow/wire";

/** A quick tunnel routed at `hostname`, written straight to D1 as minting would; its id. */
export async function seedRoute(hostname: string): Promise<string> {
  const id = crypto.randomUUID();
  await createTunnel(
    env.DB,
    {
      id,
      accountTag: "0".repeat(32),
      name: `qt-${id.replace(/-/g, "")}`,
      kind: "quick",
      secretHash: await hashSecret(crypto.getRandomValues(new Uint8Array(32))),
      createdAt: Date.now(),
    },
    { hostname, type: "CNAME", content: `${id}.cfargotunnel.com` },
  );
  return id;
}

/** Admits one connection of the connector `connectorId` to the tunnel's DO, as /connect would. */
export async function admitTestConnection(
  tunnelId: string,
  connectorId: string,
): Promise<ConnectionRecord> {
  const admitted = await env.TUNNEL.getByName(tunnelId).admitConnection({
    tunnelId,
    connectorId,
    version: "test",
    arch: "test",
    connIndex: 0,
    originIp: "",
    colo: "",
  });
  if (!admitted.ok) throw new Error(`admission refused: ${admitted.error}`);
  return admitted.record;
}

/** A quick tunnel written straight to D1, with the secret a connector would present. */
export async function seedConnectorTunnel(): Promise<{ id: string; secret: string }> {
  const id = crypto.randomUUID();
  const secretBytes = crypto.getRandomValues(new Uint8Array(32));
  await createTunnel(env.DB, {
    id,
    accountTag: "0".repeat(32),
    name: `qt-${id.replace(/-/g, "")}`,
    kind: "quick",
    secretHash: await hashSecret(secretBytes),
    createdAt: Date.now(),
  });
  return { id, secret: btoa(String.fromCharCode(...secretBytes)) };
}

/**
 * Opens a connector WebSocket through the edge's /connect, as the real connector does; with
 * `address`, as a connector at that client address (Cloudflare's CF-Connecting-IP).
 */
export async function connectConnector(
  tunnel: { id: string; secret: string },
  secret = tunnel.secret,
  address?: string,
): Promise<Response> {
  const response = await exports.default.fetch("http://127.0.0.1/connect", {
    headers: {
      upgrade: "websocket",
      authorization: `Bearer ${secret}`,
      [HANDSHAKE_HEADERS.tunnelId]: tunnel.id,
      [HANDSHAKE_HEADERS.connectorId]: "test",
      ...(address ? { "cf-connecting-ip": address } : {}),
    },
  });
  response.webSocket?.accept();
  return response;
}
