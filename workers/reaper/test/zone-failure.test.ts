import { afterEach, describe, expect, it, vi } from "vitest";
import { failZoneDelete, fakeZoneVars, zoneState } from "./fake-zone";
import { attach, FIVE_MINUTES_MS, inspect, runReaper, seedTunnel } from "./helpers";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("when the zone's DNS record cannot be deleted", () => {
  it("deletes nothing, logs the tunnel id and retries on the next run", async () => {
    const createdAt = Date.now() - 2 * FIVE_MINUTES_MS;
    const tunnel = await seedTunnel({ createdAt, inZone: true });
    const healthy = await seedTunnel({ createdAt, inZone: true });
    await failZoneDelete(tunnel.zoneRecordId!);
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});

    await runReaper(Date.now(), fakeZoneVars());

    const logged = errors.mock.calls.map((call) => String(call[0])).join("\n");
    expect(logged).toContain(`tunnel ${tunnel.id}`);
    expect(logged).toContain(tunnel.zoneRecordId!);
    const kept = await inspect(tunnel.id);
    expect(kept.tunnel?.deletedAt).toBeNull();
    expect(kept.dnsRecords).toHaveLength(1);
    expect(kept.events).not.toContain("Deleted");
    // The claim was called off: nothing refuses its connector meanwhile.
    expect(kept.storedKeys).not.toContain("reaping");
    expect((await zoneState()).records).toHaveProperty(tunnel.zoneRecordId!);
    // One failing record does not hold back the others.
    expect((await inspect(healthy.id)).tunnel?.deletedAt).not.toBeNull();

    await failZoneDelete(tunnel.zoneRecordId!, false);
    await runReaper(Date.now() + 60_000, fakeZoneVars());
    const reaped = await inspect(tunnel.id);
    expect(reaped.tunnel?.deletedAt).not.toBeNull();
    expect(reaped.dnsRecords).toEqual([]);
    expect(reaped.storedKeys).toEqual([]);
    expect((await zoneState()).records).not.toHaveProperty(tunnel.zoneRecordId!);
  });

  it("keeps a connector able to attach after a failed attempt", async () => {
    const tunnel = await seedTunnel({ createdAt: Date.now() - 2 * FIVE_MINUTES_MS, inZone: true });
    await failZoneDelete(tunnel.zoneRecordId!);
    vi.spyOn(console, "error").mockImplementation(() => {});
    await runReaper(Date.now(), fakeZoneVars());
    const socket = await attach(tunnel);
    expect((await inspect(tunnel.id)).connections).toBe(1);
    socket.close();
  });

  it("does not reap a tunnel with a zone record when no zone is configured", async () => {
    const tunnel = await seedTunnel({ createdAt: Date.now() - 2 * FIVE_MINUTES_MS, inZone: true });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    await runReaper(Date.now());
    expect(errors.mock.calls.map((call) => String(call[0])).join("\n")).toContain(tunnel.id);
    expect((await inspect(tunnel.id)).tunnel?.deletedAt).toBeNull();
    expect((await zoneState()).records).toHaveProperty(tunnel.zoneRecordId!);
  });

  it("treats a zone record that is already gone as deleted", async () => {
    const tunnel = await seedTunnel({ createdAt: Date.now() - 2 * FIVE_MINUTES_MS });
    const { env } = await import("cloudflare:workers");
    const { setZoneRecordId } = await import("@burrow/registry");
    await setZoneRecordId(env.DB, tunnel.hostname, "0000000000000000000000000000dead");
    await runReaper(Date.now(), fakeZoneVars());
    expect((await inspect(tunnel.id)).tunnel?.deletedAt).not.toBeNull();
  });
});
