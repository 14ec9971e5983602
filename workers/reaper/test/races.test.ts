import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fakeZoneVars, holdZoneDelete, releaseZoneDelete, zoneState } from "./fake-zone";
import {
  attach,
  backdateInactivity,
  connect,
  detach,
  FIVE_MINUTES_MS,
  inspect,
  runReaper,
  seedTunnel,
  visit,
} from "./helpers";

// A connector that reconnects while its tunnel is being reaped either keeps the tunnel or is
// refused with 410; never a live connection on a deleted tunnel, never a zone record deleted for
// a live one, never a record left pointing at a deleted one.
describe("reconnecting while the reaper runs", () => {
  it("keeps the tunnel when the connector reconnected after the reaper listed it", async () => {
    const tunnel = await seedTunnel({ inZone: true });
    const socket = await attach(tunnel);
    // The reaper's listing is a snapshot from before the reconnect: D1 still says idle.
    await backdateInactivity(tunnel.id, Date.now() - 2 * FIVE_MINUTES_MS);

    await runReaper(Date.now(), fakeZoneVars());

    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).toBeNull();
    expect(after.dnsRecords).toHaveLength(1);
    expect(after.connections).toBe(1);
    expect(after.events).not.toContain("Deleted");
    expect(after.storedKeys).not.toContain("reaping");
    expect((await zoneState()).records).toHaveProperty(tunnel.zoneRecordId!);
    socket.close();
  });

  it("keeps the tunnel when a connector came and went after the reaper listed it", async () => {
    const tunnel = await seedTunnel({ inZone: true });
    await detach(tunnel, await attach(tunnel));
    await backdateInactivity(tunnel.id, Date.now() - 2 * FIVE_MINUTES_MS);

    await runReaper(Date.now(), fakeZoneVars());

    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).toBeNull();
    expect(after.dnsRecords).toHaveLength(1);
    expect((await zoneState()).records).toHaveProperty(tunnel.zoneRecordId!);
    // The connector can come back: nothing was claimed.
    const socket = await attach(tunnel);
    socket.close();
  });

  it("refuses with 410 a connector that reconnects once the reaper claimed the tunnel", async () => {
    const tunnel = await seedTunnel({ createdAt: Date.now() - 2 * FIVE_MINUTES_MS, inZone: true });
    const zoneRecordId = tunnel.zoneRecordId!;
    await holdZoneDelete(zoneRecordId);
    const run = runReaper(Date.now(), fakeZoneVars());
    // The zone delete is in flight, so the Durable Object has claimed the tunnel already.
    for (let attempt = 0; !(await zoneState()).deletesSeen.includes(zoneRecordId); attempt++) {
      if (attempt > 500) throw new Error("the reaper never tried the zone delete");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    const refused = await connect(tunnel);
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({
      success: false,
      errors: [{ code: 1004, message: expect.stringContaining("tunnel_deleted") }],
    });

    await releaseZoneDelete(zoneRecordId);
    await run;
    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).not.toBeNull();
    expect(after.dnsRecords).toEqual([]);
    expect(after.connections).toBe(0);
    expect((await zoneState()).records).not.toHaveProperty(zoneRecordId);
    expect((await visit(tunnel.hostname)).status).toBe(404);
    // After the D1 delete the edge itself refuses the old secret.
    expect((await connect(tunnel)).status).toBe(410);
  });

  it("leaves no connection behind when connects and the reaper interleave", async () => {
    // Many idle tunnels, each with a connector racing the reaper: every tunnel ends either
    // reaped with no connection and no records, or kept with its records.
    const tunnels = await Promise.all(
      Array.from({ length: 20 }, () =>
        seedTunnel({ createdAt: Date.now() - 2 * FIVE_MINUTES_MS, inZone: true }),
      ),
    );
    const racingConnects = tunnels.map((tunnel) => connect(tunnel));
    await runReaper(Date.now(), fakeZoneVars());
    const answers = await Promise.all(racingConnects);
    const zone = (await zoneState()).records;
    for (const [index, tunnel] of tunnels.entries()) {
      const answer = answers[index]!;
      const after = await inspect(tunnel.id);
      if (after.tunnel?.deletedAt === null) {
        expect(answer.status).toBe(101);
        expect(after.dnsRecords).toHaveLength(1);
        expect(zone).toHaveProperty(tunnel.zoneRecordId!);
      } else {
        expect(answer.status).toBe(410);
        expect(after.connections).toBe(0);
        expect(after.dnsRecords).toEqual([]);
        expect(zone).not.toHaveProperty(tunnel.zoneRecordId!);
      }
      answer.webSocket?.accept();
      answer.webSocket?.close();
    }
    const { results } = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM tunnels WHERE deleted_at IS NOT NULL AND conns_inactive_at IS NULL",
    ).all<{ n: number }>();
    expect(results[0]?.n).toBe(0);
  });
});
