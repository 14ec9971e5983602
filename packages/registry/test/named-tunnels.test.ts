import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  addDnsRecord,
  createTunnel,
  deleteTunnelWithRoutes,
  findTunnelByHostname,
  getTunnel,
  getTunnelConfiguration,
  HostnameTakenError,
  listDnsRecords,
  listTunnels,
  markConnected,
  markDisconnected,
  provisionTunnel,
  putTunnelConfiguration,
  renameTunnel,
  routeCandidates,
  routeHostname,
  TunnelNameTakenError,
} from "../src";
import { cname, newTunnel, T0 } from "./fixtures";

const db = env.DB;

describe("named tunnels in the registry", () => {
  it("refuses a second live tunnel with the same name in one account", async () => {
    const name = `web-${crypto.randomUUID()}`;
    await createTunnel(db, newTunnel({ name, kind: "named" }));
    await expect(createTunnel(db, newTunnel({ name, kind: "named" }))).rejects.toBeInstanceOf(
      TunnelNameTakenError,
    );
    await createTunnel(db, newTunnel({ name, kind: "named", accountTag: "other" }));
  });

  it("refuses renaming onto a live name", async () => {
    const a = newTunnel({ name: `a-${crypto.randomUUID()}`, kind: "named" });
    const b = newTunnel({ name: `b-${crypto.randomUUID()}`, kind: "named" });
    await createTunnel(db, a);
    await createTunnel(db, b);
    await expect(renameTunnel(db, a.id, b.name, T0)).rejects.toBeInstanceOf(TunnelNameTakenError);
    expect(await renameTunnel(db, a.id, `${a.name}-2`, T0)).toBe(true);
  });

  it("stamps conns_active_at when the first connection arrives", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);
    await markConnected(db, tunnel.id, T0 + 5);
    expect((await getTunnel(db, tunnel.id))?.connsActiveAt).toBe(T0 + 5);
    await markDisconnected(db, tunnel.id, T0 + 9);
    expect(await getTunnel(db, tunnel.id)).toMatchObject({
      connsActiveAt: T0 + 5,
      connsInactiveAt: T0 + 9,
    });
  });

  it("lists by prefix with an exact total, escaping LIKE wildcards", async () => {
    const prefix = `p_${crypto.randomUUID().slice(0, 6)}%`;
    const accountTag = `acct-${crypto.randomUUID()}`;
    for (let i = 0; i < 3; i++) {
      await createTunnel(db, newTunnel({ accountTag, name: `${prefix}${i}`, createdAt: T0 + i }));
    }
    await createTunnel(db, newTunnel({ accountTag, name: "pX-other" }));
    const page = await listTunnels(db, { accountTag, namePrefix: prefix }, { offset: 1, limit: 1 });
    expect(page.totalCount).toBe(3);
    expect(page.tunnels.map((t) => t.name)).toEqual([`${prefix}1`]);
  });

  it("versions configurations from 1", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel);
    expect(await getTunnelConfiguration(db, tunnel.id)).toBeNull();
    await putTunnelConfiguration(db, tunnel.id, { ingress: [] }, T0);
    const second = await putTunnelConfiguration(db, tunnel.id, { ingress: [1] }, T0 + 1);
    expect(second.version).toBe(2);
    expect(await getTunnelConfiguration(db, tunnel.id)).toMatchObject({
      version: 2,
      config: { ingress: [1] },
    });
    expect((await getTunnel(db, tunnel.id))?.configSrc).toBe("cloudflare");
  });
});

describe("routes", () => {
  it("falls back to the nearest wildcard route when no exact route exists", async () => {
    const zone = `${crypto.randomUUID().slice(0, 8)}.example.com`;
    const wide = newTunnel({ kind: "named" });
    const narrow = newTunnel({ kind: "named" });
    const exact = newTunnel({ kind: "named" });
    for (const t of [wide, narrow, exact]) await createTunnel(db, t);
    await addDnsRecord(db, wide.id, cname(`*.${zone}`, wide.id), T0);
    await addDnsRecord(db, narrow.id, cname(`*.dev.${zone}`, narrow.id), T0);
    await addDnsRecord(db, exact.id, cname(`app.dev.${zone}`, exact.id), T0);
    const lookup = async (host: string) => (await findTunnelByHostname(db, host))?.tunnelId;
    expect(await lookup(`app.dev.${zone}`)).toBe(exact.id);
    expect(await lookup(`x.y.dev.${zone}`)).toBe(narrow.id);
    expect(await lookup(`other.${zone}`)).toBe(wide.id);
    expect(await lookup(zone)).toBeUndefined();
  });

  it("lists the candidates of a lookup without the top-level wildcard", () => {
    expect(routeCandidates("a.b.example.com")).toEqual([
      "a.b.example.com",
      "*.b.example.com",
      "*.example.com",
    ]);
  });

  it("answers new, unchanged, conflict, then updated with overwrite", async () => {
    const a = newTunnel({ kind: "named" });
    const b = newTunnel({ kind: "named" });
    await createTunnel(db, a);
    await createTunnel(db, b);
    const host = `${crypto.randomUUID().slice(0, 8)}.example.com`;
    const route = (tunnelId: string, overwrite = false) =>
      routeHostname(
        db,
        null,
        { tunnelId, hostname: host, overwrite, targetSuffix: "cfargotunnel.com" },
        T0,
      );
    expect(await route(a.id)).toBe("new");
    expect(await route(a.id)).toBe("unchanged");
    await expect(route(b.id)).rejects.toBeInstanceOf(HostnameTakenError);
    expect(await route(b.id, true)).toBe("updated");
    expect((await listDnsRecords(db, b.id)).map((r) => r.content)).toEqual([
      `${b.id}.cfargotunnel.com`,
    ]);
  });

  it("deletes a tunnel with its routes, softly, once", async () => {
    const tunnel = newTunnel({ kind: "named" });
    await createTunnel(db, tunnel, cname(`${tunnel.id}.example.com`, tunnel.id));
    const removed = await deleteTunnelWithRoutes(db, tunnel.id, T0 + 1);
    expect(removed?.map((r) => r.hostname)).toEqual([`${tunnel.id}.example.com`]);
    expect((await getTunnel(db, tunnel.id))?.deletedAt).toBe(T0 + 1);
    expect(await listDnsRecords(db, tunnel.id)).toEqual([]);
    expect(await deleteTunnelWithRoutes(db, tunnel.id, T0 + 2)).toBeNull();
  });

  it("provisions a tunnel and removes it when the zone refuses its record", async () => {
    const tunnel = newTunnel();
    const refusing = {
      createCname: async () => {
        throw new Error("zone down");
      },
      deleteRecord: async () => {},
    };
    const choice = { pick: () => `${tunnel.id}.example.com`, maxAttempts: 1, targetSuffix: "x" };
    await expect(provisionTunnel(db, refusing, tunnel, choice)).rejects.toThrow("zone down");
    expect(await getTunnel(db, tunnel.id)).toBeNull();
  });
});
