import { env } from "cloudflare:workers";
import { listAudit } from "@burrow/registry";
import { describe, expect, inject, it } from "vitest";
import { ACCOUNT, ZONE_ID } from "./fixtures";
import { api, createNamed, TUNNELS } from "./helpers";

async function newToken(scopes: string[]): Promise<{ id: string; value: string }> {
  const created = await api<{ id: string; value: string }>("POST", `/accounts/${ACCOUNT}/tokens`, {
    name: "ci",
    scopes,
  });
  return created.body.result;
}

describe("tokens and accounts", () => {
  it("lists the deployment's account and zone as Cloudflare does", async () => {
    const accounts = await api<Array<{ id: string }>>("GET", "/accounts");
    expect(accounts.body.result.map((a) => a.id)).toEqual([ACCOUNT]);
    expect(accounts.body.result_info).toMatchObject({ count: 1, total_count: 1 });
    const zones = await api<Array<{ id: string; name: string }>>("GET", "/zones");
    expect(zones.body.result[0]).toMatchObject({ id: ZONE_ID, name: "localhost" });
    expect((await api("GET", `/zones/${ZONE_ID}`)).status).toBe(200);
  });

  it("answers a missing or wrong token with 401 and code 10000", async () => {
    for (const token of [null, "wrong"]) {
      const denied = await api("GET", TUNNELS, undefined, token);
      expect(denied.status).toBe(401);
      expect(denied.contentType).toBe("application/json");
      expect(denied.body.errors[0]?.code).toBe(10000);
    }
  });

  it("lets a created token act within its scopes, refuses others with 403, and revokes it", async () => {
    const reader = await newToken(["tunnels:read"]);
    expect((await api("GET", TUNNELS, undefined, reader.value)).status).toBe(200);
    expect((await api("GET", "/user/tokens/verify", undefined, reader.value)).status).toBe(200);
    const write = await api("POST", TUNNELS, { name: "nope" }, reader.value);
    expect(write.status).toBe(403);
    expect(write.body.errors[0]?.code).toBe(10000);
    const listed = await api<Array<{ id: string; value?: string }>>(
      "GET",
      `/accounts/${ACCOUNT}/tokens`,
    );
    const entry = listed.body.result.find((t) => t.id === reader.id);
    expect(entry).toBeDefined();
    expect(entry?.value).toBeUndefined();
    expect((await api("DELETE", `/accounts/${ACCOUNT}/tokens/${reader.id}`)).status).toBe(200);
    const revoked = await api("GET", TUNNELS, undefined, reader.value);
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0]?.code).toBe(10000);
  });

  it("refuses a foreign account id with 403", async () => {
    const foreign = await api("GET", `/accounts/${"f".repeat(32)}/cfd_tunnel`);
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors[0]?.code).toBe(10000);
  });

  it("answers unknown paths with a 404 envelope", async () => {
    const missing = await api("GET", "/nothing/here");
    expect(missing.status).toBe(404);
    expect(missing.contentType).toBe("application/json");
  });
});

describe("DNS routes at /zones/{zone}/tunnels/{tunnel}/routes", () => {
  const routes = (id: string) => `/zones/${ZONE_ID}/tunnels/${id}/routes`;

  it("routes a hostname in D1 and the zone, refuses a conflict with 1003, moves it with overwrite", async () => {
    const a = await createNamed();
    const b = await createNamed();
    const host = `${crypto.randomUUID().slice(0, 8)}.localhost`;
    const put = (id: string, overwrite = false) =>
      api<{ cname: string; name: string }>("PUT", routes(id), {
        type: "dns",
        user_hostname: host,
        overwrite_existing: overwrite,
      });
    expect((await put(a.id)).body.result).toEqual({ cname: "new", name: host });
    expect((await put(a.id)).body.result.cname).toBe("unchanged");
    const conflict = await put(b.id);
    expect(conflict.status).toBe(400);
    expect(conflict.body.errors[0]?.code).toBe(1003);
    expect((await put(b.id, true)).body.result.cname).toBe("updated");

    const zone = await fetch(
      `${inject("fakeZoneApiBase").replace("/client/v4", "")}/__control/records`,
    );
    const records = (await zone.json()) as Array<{ name: string; content: string }>;
    expect(records.filter((r) => r.name === host).map((r) => r.content)).toEqual([
      `${b.id}.cfargotunnel.com`,
    ]);
    expect((await listAudit(env.DB, b.id)).map((e) => e.event)).toContain("CNAME update");

    // A deleted tunnel's routes leave D1 and the zone, and its hostname answers 404 at the edge.
    expect((await api("DELETE", `${TUNNELS}/${b.id}`)).status).toBe(200);
    const after = (await (
      await fetch(`${inject("fakeZoneApiBase").replace("/client/v4", "")}/__control/records`)
    ).json()) as Array<{ name: string }>;
    expect(after.some((r) => r.name === host)).toBe(false);
    const visitor = await env.EDGE.fetch(`http://${host}/`);
    expect(visitor.status).toBe(404);
  });

  it("lists and removes a tunnel's routes", async () => {
    const t = await createNamed();
    const host = `*.dev-${crypto.randomUUID().slice(0, 6)}.localhost`;
    await api("PUT", routes(t.id), { type: "dns", user_hostname: host });
    const listed = await api<Array<{ name: string }>>("GET", routes(t.id));
    expect(listed.body.result.map((r) => r.name)).toEqual([host]);
    expect((await api("DELETE", `${routes(t.id)}/${encodeURIComponent(host)}`)).status).toBe(200);
    expect((await api<unknown[]>("GET", routes(t.id))).body.result).toEqual([]);
  });

  it("refuses a route in a foreign zone with 403", async () => {
    const t = await createNamed();
    const foreign = await api("PUT", `/zones/${"0".repeat(32)}/tunnels/${t.id}/routes`, {
      type: "dns",
      user_hostname: "x.localhost",
    });
    expect(foreign.status).toBe(403);
  });
});
