import { env } from "cloudflare:workers";
import { createTunnel, hashSecret } from "@burrow/registry";
import type { ConnectionRecord } from "@burrow/tunnel-contract";

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
