import { env } from "cloudflare:workers";
import { isErasedAbort, tunnelStub } from "@burrow/tunnel-contract";
import { describe, expect, it } from "vitest";
import { fakeZoneVars, zoneState } from "./fake-zone";
import {
  attach,
  connect,
  detach,
  FIVE_MINUTES_MS,
  inspect,
  runReaper,
  seedTunnel,
  visit,
} from "./helpers";

describe("reaper threshold", () => {
  it("reaps a quick tunnel five minutes after its last connection closed, not before", async () => {
    const tunnel = await seedTunnel({ inZone: true });
    const socket = await attach(tunnel);
    const closedAt = await detach(tunnel, socket);

    await runReaper(closedAt + FIVE_MINUTES_MS - 1_000, fakeZoneVars());
    const early = await inspect(tunnel.id);
    expect(early.tunnel?.deletedAt).toBeNull();
    expect(early.dnsRecords).toHaveLength(1);
    expect((await zoneState()).records).toHaveProperty(tunnel.zoneRecordId!);

    await runReaper(closedAt + FIVE_MINUTES_MS + 1_000, fakeZoneVars());
    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).toBe(closedAt + FIVE_MINUTES_MS + 1_000);
    expect(after.dnsRecords).toEqual([]);
    expect(after.events.at(-1)).toBe("Deleted");
    expect(after.storedKeys).toEqual([]);
    expect((await zoneState()).records).not.toHaveProperty(tunnel.zoneRecordId!);
  });

  it("reaps a quick tunnel never connected within five minutes of creation", async () => {
    const createdAt = Date.now() - 60_000;
    const tunnel = await seedTunnel({ createdAt });

    await runReaper(createdAt + FIVE_MINUTES_MS - 1);
    expect((await inspect(tunnel.id)).tunnel?.deletedAt).toBeNull();

    await runReaper(createdAt + FIVE_MINUTES_MS + 1);
    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).not.toBeNull();
    expect(after.dnsRecords).toEqual([]);
    expect(after.storedKeys).toEqual([]);
  });

  it("never reaps a named tunnel", async () => {
    const createdAt = Date.now() - 30 * 24 * 3600_000;
    const tunnel = await seedTunnel({ kind: "named", createdAt });
    await runReaper(Date.now() + 365 * 24 * 3600_000);
    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).toBeNull();
    expect(after.dnsRecords).toHaveLength(1);
    expect(after.events).not.toContain("Deleted");
  });

  it("never reaps a quick tunnel with a live connection", async () => {
    const tunnel = await seedTunnel();
    const socket = await attach(tunnel);
    await runReaper(Date.now() + 24 * 3600_000);
    const after = await inspect(tunnel.id);
    expect(after.tunnel?.deletedAt).toBeNull();
    expect(after.connections).toBe(1);
    socket.close();
  });

  it("audits each deletion with the hostnames and zone record ids it removed", async () => {
    const createdAt = Date.now() - 10 * 60_000;
    const tunnel = await seedTunnel({ createdAt, inZone: true });
    await runReaper(Date.now(), fakeZoneVars());
    const { results } = await env.DB.prepare(
      "SELECT event, detail, at FROM audit_log WHERE tunnel_id = ?1 AND event = 'Deleted'",
    )
      .bind(tunnel.id)
      .all<{ event: string; detail: string; at: number }>();
    expect(results).toHaveLength(1);
    expect(JSON.parse(results[0]!.detail)).toEqual({
      reason: "reaped",
      inactiveSince: createdAt,
      dnsRecords: [{ hostname: tunnel.hostname, zoneRecordId: tunnel.zoneRecordId }],
    });
  });

  it("answers 404 on the hostname and 410 to the old secret once reaped", async () => {
    const tunnel = await seedTunnel();
    const socket = await attach(tunnel);
    const closedAt = await detach(tunnel, socket);
    // The edge caches the route for seconds; the reaped Durable Object still answers 404 at once.
    expect((await visit(tunnel.hostname)).status).toBe(530);

    await runReaper(closedAt + FIVE_MINUTES_MS + 1);
    const page = await visit(tunnel.hostname);
    expect(page.status).toBe(404);
    expect(page.headers.get("x-burrow-error")).toBe("1037");
    const refused = await connect(tunnel);
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ success: false, errors: [{ code: 1004 }] });
  });

  it("takes REAP_AFTER_SECONDS from its Worker variables", async () => {
    const createdAt = Date.now();
    const tunnel = await seedTunnel({ createdAt });
    await runReaper(createdAt + 6_000, { REAP_AFTER_SECONDS: "5" });
    expect((await inspect(tunnel.id)).tunnel?.deletedAt).not.toBeNull();
  });
});

describe("erasing a Durable Object", () => {
  // Regression: erased objects stayed in memory for 10 s each, and a local run failed with
  // SQLITE_NOMEM after ~3,600 of them; `erase` now resets its object (bench: 10,000 in one run).
  it("deletes the storage, then resets the object with the reason the reaper recognizes", async () => {
    const tunnel = await seedTunnel();
    const stub = tunnelStub(env.TUNNEL, tunnel.id);
    expect(await stub.reap(Date.now())).toBe(true);

    const erased = await stub.erase().then(
      () => null,
      (error: unknown) => error,
    );

    expect(isErasedAbort(erased)).toBe(true);
    expect((await inspect(tunnel.id)).storedKeys).toEqual([]);
  });
});
