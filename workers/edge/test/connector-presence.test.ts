import { env, exports } from "cloudflare:workers";
import { getTunnel } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { connectConnector as connect, seedConnectorTunnel as seedTunnel } from "./seed";

async function inactiveSince(id: string): Promise<number | null> {
  return (await getTunnel(env.DB, id))?.connsInactiveAt ?? null;
}

/** Closes a connector socket and waits until the DO has handled the close. */
async function closeAndSettle(socket: WebSocket): Promise<void> {
  const closed = new Promise((resolve) => socket.addEventListener("close", resolve));
  socket.close(1000, "test");
  await closed;
  await new Promise((resolve) => setTimeout(resolve, 50));
}

describe("connector presence in D1", () => {
  it("marks a tunnel connected on its first connection and idle when the last one closes", async () => {
    const tunnel = await seedTunnel();
    expect(await inactiveSince(tunnel.id)).not.toBeNull();
    const first = await connect(tunnel);
    expect(first.status).toBe(101);
    expect(await inactiveSince(tunnel.id)).toBeNull();
    const second = await connect(tunnel);
    await closeAndSettle(first.webSocket!);
    expect(await inactiveSince(tunnel.id)).toBeNull();
    await closeAndSettle(second.webSocket!);
    expect(await inactiveSince(tunnel.id)).not.toBeNull();
  });

  // The close of an old connection and the attach of a new one both write to D1; unordered, the
  // "disconnected" write could land last and leave D1 saying "idle" under a live connector. Local
  // D1 happens to apply writes in order, so this pins the invariant rather than reproducing it.
  it("stays connected when a reconnect races the close of the previous connection", async () => {
    const tunnel = await seedTunnel();
    let current = (await connect(tunnel)).webSocket!;
    for (let round = 0; round < 10; round++) {
      const [next] = await Promise.all([connect(tunnel), closeAndSettle(current)]);
      expect(next.status).toBe(101);
      current = next.webSocket!;
      expect(await inactiveSince(tunnel.id), `round ${round}`).toBeNull();
    }
    await closeAndSettle(current);
    expect(await inactiveSince(tunnel.id)).not.toBeNull();
  });

  it("refuses a wrong secret and another tunnel's secret with 401 in the envelope", async () => {
    const tunnel = await seedTunnel();
    const other = await seedTunnel();
    for (const secret of [other.secret, btoa("x".repeat(32)), ""]) {
      const response = await connect(tunnel, secret);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ success: false, errors: [{ code: 1002 }] });
    }
    expect(await inactiveSince(tunnel.id)).not.toBeNull();
  });

  it("asks for a WebSocket upgrade on /connect", async () => {
    const response = await exports.default.fetch("http://127.0.0.1/connect");
    expect(response.status).toBe(426);
  });
});

describe("visitor routing", () => {
  it("answers 404 for a hostname no tunnel serves", async () => {
    const response = await exports.default.fetch("http://nobody-here-at-all.localhost/");
    expect(response.status).toBe(404);
    expect(response.headers.get("x-burrow-error")).toBe("1001");
  });
});
