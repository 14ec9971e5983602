import { env, exports } from "cloudflare:workers";
import { TUNNEL_FETCH_HEADERS } from "@burrow/tunnel-contract";
import { HANDSHAKE_HEADERS } from "@burrow/wire";
import { describe, expect, it } from "vitest";
import { admitTestConnection, seedRoute } from "./seed";

/** Soft-deletes a tunnel in D1 the way the reaper and the API do, leaving its Durable Object. */
async function softDelete(tunnelId: string): Promise<void> {
  await env.DB.prepare("UPDATE tunnels SET deleted_at = ?1 WHERE id = ?2")
    .bind(Date.now(), tunnelId)
    .run();
}

async function visit(hostname: string): Promise<Response> {
  const response = await exports.default.fetch(`http://${hostname}/page`, {
    headers: { accept: "application/json" },
  });
  await response.body?.cancel();
  return response;
}

/** A quick tunnel at `hostname` whose one connector attached and left again; its DO stub. */
async function tunnelWhoseConnectorLeft(hostname: string) {
  const tunnelId = await seedRoute(hostname);
  const tunnel = env.TUNNEL.getByName(tunnelId);
  const record = await admitTestConnection(tunnelId, "gone-connector");
  await tunnel.connectionClosed(record.connectionId);
  return { tunnelId, tunnel };
}

describe("a tunnel without connectors", () => {
  // Visitors of a tunnel whose connector went away used to cost one D1 query each (the edge
  // asked whether the tunnel was deleted); a reaped tunnel's storage is erased with it, so a
  // Tunnel DO that remembers a connector answers 1033 from its own storage. The row is deleted
  // here behind the object's back only to show that no visitor asked the registry.
  it("answers 1033 from its own storage once a connector has come and gone, asking no registry", async () => {
    const hostname = "down-not-deleted.localhost";
    const { tunnelId } = await tunnelWhoseConnectorLeft(hostname);
    expect((await visit(hostname)).status).toBe(530);
    await softDelete(tunnelId);

    for (let i = 0; i < 3; i++) {
      const page = await visit(hostname);
      expect(page.status).toBe(530);
      expect(page.headers.get("x-burrow-error")).toBe("1033");
    }
  });

  // Reaped: the row is soft-deleted and the object's storage erased, which resets the object.
  // The edge's cached route still sends visitors to a fresh instance that knows nothing, and only
  // the registry can tell; they learn at once, and the edge drops the route with that answer.
  it("answers 1037 at once when reaped while the edge still routes to it, then 1001", async () => {
    const hostname = "reaped-while-routed.localhost";
    const { tunnelId, tunnel } = await tunnelWhoseConnectorLeft(hostname);
    expect((await visit(hostname)).status).toBe(530);
    await softDelete(tunnelId);
    await tunnel.erase().catch(() => {});

    const page = await visit(hostname);
    expect(page.status).toBe(404);
    expect(page.headers.get("x-burrow-error")).toBe("1037");
    const next = await visit(hostname);
    expect(next.status).toBe(404);
    expect(next.headers.get("x-burrow-error")).toBe("1001");
  });

  // No connector ever came, so the object cannot tell from its storage either.
  it("asks the registry when no connector ever came: a deleted one answers 1037", async () => {
    const hostname = "deleted-never-connected.localhost";
    const tunnelId = await seedRoute(hostname);
    await softDelete(tunnelId);
    const forwarded = new Request(`http://${hostname}/page`, {
      headers: {
        [TUNNEL_FETCH_HEADERS.operation]: "forward",
        [HANDSHAKE_HEADERS.tunnelId]: tunnelId,
        accept: "application/json",
      },
    });
    const page = await env.TUNNEL.getByName(tunnelId).fetch(forwarded);
    await page.body?.cancel();
    expect(page.status).toBe(404);
    expect(page.headers.get("x-burrow-error")).toBe("1037");
  });
});
