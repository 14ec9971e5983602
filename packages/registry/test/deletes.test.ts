import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createTunnel,
  createVpcService,
  deleteTunnels,
  getTunnel,
  listAudit,
  listDnsRecords,
  listVpcServices,
  markConnected,
  markTunnelDeleted,
  setZoneRecordId,
} from "../src";
import { cname, newTunnel, T0 } from "./fixtures";

const db = env.DB;

describe("deleteTunnels", () => {
  it("cascades to DNS records and VPC services and keeps the audit log", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel, cname("cascade.example.com", tunnel.id));
    await setZoneRecordId(db, "cascade.example.com", "zone-record-1");
    await createVpcService(db, {
      id: crypto.randomUUID(),
      config: {
        type: "http",
        name: "cascade-service",
        http_port: 8080,
        host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnel.id } },
      },
      createdAt: T0,
    });

    expect(await deleteTunnels(db, [tunnel.id], T0 + 1)).toEqual([tunnel.id]);

    expect(await getTunnel(db, tunnel.id)).toBeNull();
    expect(await listDnsRecords(db, tunnel.id)).toEqual([]);
    expect((await listVpcServices(db)).filter((s) => s.tunnelId === tunnel.id)).toEqual([]);
    const audit = await listAudit(db, tunnel.id);
    expect(audit.map((entry) => entry.event)).toEqual([
      "Created",
      "CNAME add",
      "VPC service created",
      "Deleted",
    ]);
    expect(audit.at(-1)?.detail).toEqual({
      dnsRecords: [{ hostname: "cascade.example.com", zoneRecordId: "zone-record-1" }],
    });
  });

  it("deletes 250 tunnels in statements of at most 100 bound parameters", async () => {
    const tunnels = Array.from({ length: 250 }, (_, index) =>
      newTunnel({ createdAt: T0 + index, accountTag: "bulk" }),
    );
    for (const tunnel of tunnels) {
      await createTunnel(db, tunnel, cname(`bulk-${tunnel.id}.example.com`, tunnel.id));
    }
    const ids = tunnels.map((tunnel) => tunnel.id);

    const deleted = await deleteTunnels(db, ids, T0 + 1000);

    expect(deleted.toSorted()).toEqual(ids.toSorted());
    const remaining = await db
      .prepare(
        `SELECT (SELECT count(*) FROM tunnels WHERE account_tag = 'bulk')
           + (SELECT count(*) FROM dns_records WHERE hostname LIKE 'bulk-%') AS n`,
      )
      .first<{ n: number }>();
    expect(remaining?.n).toBe(0);
    const audited = await db
      .prepare("SELECT count(*) AS n FROM audit_log WHERE event = 'Deleted' AND at = ?1")
      .bind(T0 + 1000)
      .first<{ n: number }>();
    expect(audited?.n).toBe(250);
  });

  it("fails in D1 when one statement binds more than 100 parameters", async () => {
    // The limit deleteTunnels works around: without chunking the test above would fail like this.
    const ids = Array.from({ length: 101 }, () => crypto.randomUUID());
    const list = ids.map((_, index) => `?${index + 1}`).join(", ");
    const statement = db.prepare(`DELETE FROM tunnels WHERE id IN (${list})`).bind(...ids);

    // SQLite words it by placeholder style: "too many SQL variables" for `?`, "variable number
    // must be between ?1 and ?100" for the numbered `?NNN` form used here.
    await expect(statement.run()).rejects.toThrow(/too many SQL variables|between \?1 and \?100/);
    await expect(
      db
        .prepare(`DELETE FROM tunnels WHERE id IN (${list.split(", ").slice(0, 100).join(", ")})`)
        .bind(...ids.slice(0, 100))
        .run(),
    ).resolves.toBeDefined();
  });

  it("skips a tunnel that reconnected after the reaper listed it", async () => {
    const idle = newTunnel({ createdAt: T0 });
    const reconnected = newTunnel({ createdAt: T0 });
    await createTunnel(db, idle);
    await createTunnel(db, reconnected);
    await markConnected(db, reconnected.id, T0 + 2000);

    const deleted = await deleteTunnels(db, [idle.id, reconnected.id], T0 + 3000, {
      onlyIfInactiveBefore: T0 + 1000,
    });

    expect(deleted).toEqual([idle.id]);
    expect(await getTunnel(db, reconnected.id)).not.toBeNull();
    expect((await listAudit(db, reconnected.id)).map((entry) => entry.event)).not.toContain(
      "Deleted",
    );
  });

  it("hard-deletes a soft-deleted tunnel and refuses its connections before and after", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel);
    await markTunnelDeleted(db, tunnel.id, T0 + 1);
    expect(await markConnected(db, tunnel.id, T0 + 2)).toBe(false);

    expect(await deleteTunnels(db, [tunnel.id], T0 + 3)).toEqual([tunnel.id]);
    expect(await markConnected(db, tunnel.id, T0 + 4)).toBe(false);
  });

  it("ignores unknown and repeated ids", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel);

    const deleted = await deleteTunnels(db, [tunnel.id, tunnel.id, crypto.randomUUID()], T0 + 1);

    expect(deleted).toEqual([tunnel.id]);
    expect(await deleteTunnels(db, [], T0 + 1)).toEqual([]);
  });
});
