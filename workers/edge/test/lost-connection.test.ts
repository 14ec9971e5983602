import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admitTestConnection, seedRoute } from "./seed";

describe("a connection that died with its object", () => {
  // On Cloudflare a connection object's machine can fail while the Tunnel DO lives on: the socket
  // is gone and no close is reported. Here the Tunnel DO lists a registered connection whose
  // object never held a socket, which is what such a failure leaves behind.
  it("is unlisted by the first request sent to it, remembered as dropped, and the visitor gets 530", async () => {
    const hostname = "lost-connection-test.localhost";
    const tunnelId = await seedRoute(hostname);
    const tunnel = env.TUNNEL.getByName(tunnelId);
    const admitted = await admitTestConnection(tunnelId, "gone-connector");
    const record = { ...admitted, registered: true, features: ["heartbeat"] };
    await tunnel.connectionChanged(record);
    expect((await tunnel.routes()).connectionIds).toEqual([record.connectionId]);

    const visitor = await exports.default.fetch(`http://${hostname}/anything`);
    expect(visitor.status).toBe(530);
    expect(visitor.headers.get("x-burrow-error")).toBe("1033");

    expect((await tunnel.routes()).connectionIds).toEqual([]);
    const snapshot = await tunnel.connectors();
    expect(snapshot.live).toEqual([]);
    expect(snapshot.dropped.map((drop) => drop.connectionId)).toEqual([record.connectionId]);
  });
});
