import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  addDnsRecord,
  createTunnel,
  deleteDnsRecord,
  findTunnelByHostname,
  HostnameTakenError,
  listAudit,
  listDnsRecords,
  setZoneRecordId,
  TunnelNotFoundError,
} from "../src";
import { cname, newTunnel, T0 } from "./fixtures";

const db = env.DB;

describe("DNS records", () => {
  it("routes more hostnames to a named tunnel and audits each add and delete", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);

    await addDnsRecord(db, tunnel.id, cname("App.Example.com", tunnel.id), T0 + 1);
    await addDnsRecord(db, tunnel.id, cname("api.example.com", tunnel.id), T0 + 2);
    expect((await listDnsRecords(db, tunnel.id)).map((record) => record.hostname)).toEqual([
      "api.example.com",
      "app.example.com",
    ]);

    expect(await deleteDnsRecord(db, "APP.example.com", T0 + 3)).toBe(true);
    expect(await deleteDnsRecord(db, "app.example.com", T0 + 4)).toBe(false);
    expect(await findTunnelByHostname(db, "app.example.com")).toBeNull();

    const audit = await listAudit(db, tunnel.id);
    expect(audit.map(({ event, detail }) => ({ event, detail }))).toEqual([
      { event: "Created", detail: { name: tunnel.name, kind: "named" } },
      {
        event: "CNAME add",
        detail: {
          hostname: "app.example.com",
          type: "CNAME",
          content: `${tunnel.id}.cfargotunnel.com`,
        },
      },
      {
        event: "CNAME add",
        detail: {
          hostname: "api.example.com",
          type: "CNAME",
          content: `${tunnel.id}.cfargotunnel.com`,
        },
      },
      { event: "CNAME delete", detail: { hostname: "app.example.com" } },
    ]);
  });

  it("refuses a hostname that another tunnel already routes", async () => {
    const owner = newTunnel({ kind: "named" });
    const other = newTunnel({ kind: "named" });
    await createTunnel(db, owner, cname("owned.example.com", owner.id));
    await createTunnel(db, other);

    await expect(
      addDnsRecord(db, other.id, cname("owned.example.com", other.id), T0),
    ).rejects.toBeInstanceOf(HostnameTakenError);
    expect((await listAudit(db, other.id)).map((entry) => entry.event)).toEqual(["Created"]);
  });

  it("refuses a record for a tunnel that does not exist", async () => {
    const id = crypto.randomUUID();
    await expect(addDnsRecord(db, id, cname("orphan.example.com", id), T0)).rejects.toBeInstanceOf(
      TunnelNotFoundError,
    );
    expect(await listAudit(db, id)).toEqual([]);
  });

  it("records the zone record id and reports unknown hostnames", async () => {
    const tunnel = newTunnel();
    await createTunnel(db, tunnel, cname("zoned.example.com", tunnel.id));

    expect(await setZoneRecordId(db, "Zoned.example.com", "372e67954025e0ba6aaa6d586b9e0b59")).toBe(
      true,
    );
    expect(await setZoneRecordId(db, "missing.example.com", "x")).toBe(false);
    expect((await listDnsRecords(db, tunnel.id))[0]?.zoneRecordId).toBe(
      "372e67954025e0ba6aaa6d586b9e0b59",
    );
  });
});
