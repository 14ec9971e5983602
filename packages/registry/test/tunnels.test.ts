import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  createTunnel,
  findTunnelByHostname,
  getTunnel,
  HostnameTakenError,
  listAudit,
  listDnsRecords,
  markConnected,
  markDisconnected,
  markTunnelDeleted,
} from "../src";
import { cname, newTunnel, T0 } from "./fixtures";

const db = env.DB;

async function countRows(table: string, tunnelId: string): Promise<number> {
  const column = table === "tunnels" ? "id" : "tunnel_id";
  const row = await db
    .prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?1`)
    .bind(tunnelId)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

describe("createTunnel", () => {
  it("stores the tunnel as inactive since its creation, with its record and audit rows", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel, cname("Able-Baker-Charlie-Dog.example.com", tunnel.id));

    expect(await getTunnel(db, tunnel.id)).toEqual({
      ...tunnel,
      deletedAt: null,
      connsInactiveAt: tunnel.createdAt,
      connsActiveAt: null,
      configSrc: "local",
      secretSealed: null,
    });
    expect(await listDnsRecords(db, tunnel.id)).toEqual([
      {
        hostname: "able-baker-charlie-dog.example.com",
        tunnelId: tunnel.id,
        type: "CNAME",
        content: `${tunnel.id}.cfargotunnel.com`,
        zoneRecordId: null,
        createdAt: T0,
      },
    ]);
    expect((await listAudit(db, tunnel.id)).map((entry) => entry.event)).toEqual([
      "Created",
      "CNAME add",
    ]);
  });

  it("creates a named tunnel without a DNS record", async () => {
    const tunnel = newTunnel({ kind: "named", name: "home-lab" });
    await createTunnel(db, tunnel);

    expect((await getTunnel(db, tunnel.id))?.kind).toBe("named");
    expect(await listDnsRecords(db, tunnel.id)).toEqual([]);
  });

  it("throws HostnameTakenError for a taken hostname and leaves no tunnel row behind", async () => {
    const first = newTunnel();
    await createTunnel(db, first, cname("taken-host-name-here.example.com", first.id));

    const second = newTunnel();
    const attempt = createTunnel(db, second, cname("TAKEN-host-name-here.example.com", second.id));

    await expect(attempt).rejects.toBeInstanceOf(HostnameTakenError);
    await expect(attempt).rejects.toMatchObject({ hostname: "taken-host-name-here.example.com" });
    expect(await getTunnel(db, second.id)).toBeNull();
    expect(await countRows("audit_log", second.id)).toBe(0);
    expect((await findTunnelByHostname(db, "taken-host-name-here.example.com"))?.tunnelId).toBe(
      first.id,
    );
  });

  it("returns null for a tunnel that does not exist", async () => {
    expect(await getTunnel(db, crypto.randomUUID())).toBeNull();
  });
});

describe("findTunnelByHostname", () => {
  it("finds the tunnel whatever the hostname's case", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel, cname("echo-fox-golf-hotel.example.com", tunnel.id));

    expect(await findTunnelByHostname(db, "Echo-Fox-Golf-HOTEL.example.com")).toEqual({
      tunnelId: tunnel.id,
      kind: "quick",
    });
  });

  it("ignores a deleted tunnel and unknown hostnames", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel, cname("india-juliet-kilo-lima.example.com", tunnel.id));
    await markTunnelDeleted(db, tunnel.id, T0 + 1);

    expect(await findTunnelByHostname(db, "india-juliet-kilo-lima.example.com")).toBeNull();
    expect(await findTunnelByHostname(db, "nobody-here.example.com")).toBeNull();
    expect((await getTunnel(db, tunnel.id))?.deletedAt).toBe(T0 + 1);
  });
});

describe("markConnected and markDisconnected", () => {
  it("clears conns_inactive_at on connect and sets it to the close time on disconnect", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel);

    expect(await markConnected(db, tunnel.id, T0 + 10, { connectorId: "c1" })).toBe(true);
    expect((await getTunnel(db, tunnel.id))?.connsInactiveAt).toBeNull();

    expect(await markDisconnected(db, tunnel.id, T0 + 20)).toBe(true);
    expect((await getTunnel(db, tunnel.id))?.connsInactiveAt).toBe(T0 + 20);

    const audit = await listAudit(db, tunnel.id);
    expect(audit.map(({ event, detail, at }) => ({ event, detail, at }))).toEqual([
      { event: "Created", detail: { name: tunnel.name, kind: "quick" }, at: T0 },
      { event: "Registered", detail: { connectorId: "c1" }, at: T0 + 10 },
      { event: "Unregistered", detail: null, at: T0 + 20 },
    ]);
  });

  it("refuses to connect a soft-deleted tunnel and changes nothing", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel);
    expect(await markTunnelDeleted(db, tunnel.id, T0 + 5)).toBe(true);

    expect(await markConnected(db, tunnel.id, T0 + 10)).toBe(false);
    expect((await getTunnel(db, tunnel.id))?.connsInactiveAt).toBe(T0);
    expect((await listAudit(db, tunnel.id)).map((entry) => entry.event)).toEqual([
      "Created",
      "Deleted",
    ]);
  });

  it("refuses to connect a tunnel that does not exist", async () => {
    const id = crypto.randomUUID();
    expect(await markConnected(db, id, T0)).toBe(false);
    expect(await markDisconnected(db, id, T0)).toBe(false);
    expect(await listAudit(db, id)).toEqual([]);
  });
});
