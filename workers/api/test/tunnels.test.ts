import { env } from "cloudflare:workers";
import { listAudit } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { ACCOUNT } from "./fixtures";
import { api, type ConnectorJson, connect, createNamed, TUNNELS, type TunnelJson } from "./helpers";

const thirtyTwoBytes = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));

describe("named tunnels at /accounts/{account}/cfd_tunnel", () => {
  it("creates a tunnel with credentials_file and token, answering exactly application/json", async () => {
    const created = await api<TunnelJson>("POST", TUNNELS, {
      name: "web",
      tunnel_secret: thirtyTwoBytes,
    });
    expect(created.status).toBe(200);
    expect(created.contentType).toBe("application/json");
    const tunnel = created.body.result;
    expect(tunnel).toMatchObject({
      name: "web",
      account_tag: ACCOUNT,
      tun_type: "cfd_tunnel",
      status: "inactive",
      config_src: "local",
      deleted_at: null,
      conns_active_at: null,
      credentials_file: { AccountTag: ACCOUNT, TunnelName: "web", TunnelSecret: thirtyTwoBytes },
    });
    expect(JSON.parse(atob(tunnel.token))).toEqual({ a: ACCOUNT, t: tunnel.id, s: thirtyTwoBytes });
    const token = await api<string>("GET", `${TUNNELS}/${tunnel.id}/token`);
    expect(token.body.result).toBe(tunnel.token);
    expect((await listAudit(env.DB, tunnel.id)).map((entry) => entry.event)).toEqual(["Created"]);
  });

  it("refuses a duplicate live name with 409 and code 1013", async () => {
    const { name } = await createNamed();
    const again = await api("POST", TUNNELS, { name });
    expect(again.status).toBe(409);
    expect(again.contentType).toBe("application/json");
    expect(again.body.errors[0]?.code).toBe(1013);
  });

  it("allows a deleted tunnel's name again", async () => {
    const { id, name } = await createNamed();
    expect((await api("DELETE", `${TUNNELS}/${id}`)).status).toBe(200);
    expect((await api("POST", TUNNELS, { name })).status).toBe(200);
  });

  it("refuses a UUID-shaped name and a secret shorter than 32 bytes", async () => {
    const uuid = await api("POST", TUNNELS, { name: crypto.randomUUID() });
    expect(uuid.status).toBe(400);
    const short = await api("POST", TUNNELS, {
      name: "short-secret",
      tunnel_secret: btoa("x".repeat(31)),
    });
    expect(short.status).toBe(400);
    expect(short.body.errors[0]?.message).toMatch(/tunnel_secret/);
    expect(short.body.errors[0]?.message).not.toContain(btoa("x".repeat(31)));
  });

  it("answers 404 in the envelope for an unknown tunnel", async () => {
    const unknown = await api("GET", `${TUNNELS}/${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect(unknown.contentType).toBe("application/json");
    expect(unknown.body.success).toBe(false);
  });

  it.each([0, 1, 3, 4])("pages %i tunnels exactly with per_page 3", async (count) => {
    const prefix = `page${count}-${crypto.randomUUID().slice(0, 6)}-`;
    for (let i = 0; i < count; i++) await createNamed(`${prefix}${i}`);
    const first = await api<unknown[]>("GET", `${TUNNELS}?include_prefix=${prefix}&per_page=3`);
    expect(first.body.result_info).toEqual({
      page: 1,
      per_page: 3,
      count: Math.min(count, 3),
      total_count: count,
    });
    const second = await api<unknown[]>(
      "GET",
      `${TUNNELS}?name_prefix=${prefix}&per_page=3&page=2`,
    );
    expect(second.body.result.length).toBe(Math.max(0, count - 3));
    expect(second.body.result_info?.count).toBe(Math.max(0, count - 3));
  });

  it("resolves a name with ?name=&is_deleted=false to exactly one tunnel", async () => {
    const { id, name } = await createNamed();
    const found = await api<Array<{ id: string }>>(
      "GET",
      `${TUNNELS}?name=${name}&is_deleted=false`,
    );
    expect(found.body.result.map((t) => t.id)).toEqual([id]);
    await api("DELETE", `${TUNNELS}/${id}`);
    const deleted = await api<Array<{ id: string; deleted_at: string }>>(
      "GET",
      `${TUNNELS}?uuid=${id}&is_deleted=true`,
    );
    expect(deleted.body.result[0]?.deleted_at).toEqual(expect.any(String));
    expect((await api<unknown[]>("GET", `${TUNNELS}?name=${name}`)).body.result).toEqual([]);
  });

  it("refuses deleting with live connections (400, 1022) and cascades with ?cascade=true", async () => {
    const { id, secret } = await createNamed();
    const conn = await connect(id, secret);
    expect(conn.status).toBe(101);
    const info = await api<TunnelJson>("GET", `${TUNNELS}/${id}`);
    expect(info.body.result.status).toBe("healthy");
    const connections = await api<ConnectorJson[]>("GET", `${TUNNELS}/${id}/connections`);
    expect(connections.body.result[0]?.conns[0]).toMatchObject({ is_pending_reconnect: false });

    const refused = await api("DELETE", `${TUNNELS}/${id}`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0]?.code).toBe(1022);

    const cascaded = await api<TunnelJson>("DELETE", `${TUNNELS}/${id}?cascade=true`);
    expect(cascaded.status).toBe(200);
    expect(cascaded.body.result.deleted_at).toEqual(expect.any(String));
    expect(await conn.closed).toBe(4410);
    const again = await connect(id, secret);
    expect(again.status).toBe(410);
  });

  it("rotates the secret: the old one is refused and its connections closed", async () => {
    const { id, secret } = await createNamed();
    const conn = await connect(id, secret);
    const patched = await api("PATCH", `${TUNNELS}/${id}`, { tunnel_secret: thirtyTwoBytes });
    expect(patched.status).toBe(200);
    await conn.closed;
    expect((await connect(id, secret)).status).toBe(401);
    expect((await connect(id, thirtyTwoBytes)).status).toBe(101);
    expect((await listAudit(env.DB, id)).map((e) => e.event)).toContain("Secret rotated");
  });

  it("lists a dropped connection as pending reconnect and degraded, until cleaned up", async () => {
    const { id, secret } = await createNamed();
    const connectorId = crypto.randomUUID();
    const first = await connect(id, secret, connectorId, 0);
    await connect(id, secret, connectorId, 1);
    first.socket?.close(1000, "bye");
    await first.closed;
    await expect
      .poll(async () => (await api<TunnelJson>("GET", `${TUNNELS}/${id}`)).body.result.status)
      .toBe("degraded");
    const listed = await api<ConnectorJson>("GET", `${TUNNELS}/${id}/connectors/${connectorId}`);
    expect(listed.body.result).toMatchObject({ id: connectorId, arch: "test_arch" });
    expect(listed.body.result.conns.map((c) => c.is_pending_reconnect).sort()).toEqual([
      false,
      true,
    ]);
    const cleaned = await api("DELETE", `${TUNNELS}/${id}/connections?client_id=${connectorId}`);
    expect(cleaned.status).toBe(200);
    const after = await api<unknown[]>("GET", `${TUNNELS}/${id}/connections`);
    expect(after.body.result).toEqual([]);
    expect((await listAudit(env.DB, id)).map((e) => e.event)).toContain("Connections cleaned up");
  });

  it("renames a tunnel and refuses renaming onto a live name", async () => {
    const a = await createNamed();
    const b = await createNamed();
    const renamed = await api<TunnelJson>("PATCH", `${TUNNELS}/${a.id}`, {
      name: `${a.name}-new`,
    });
    expect(renamed.body.result.name).toBe(`${a.name}-new`);
    const clash = await api("PATCH", `${TUNNELS}/${a.id}`, { name: b.name });
    expect(clash.status).toBe(409);
  });

  it("versions configurations and validates their shape", async () => {
    const { id } = await createNamed();
    const config = {
      ingress: [
        { hostname: "a.localhost", service: "http://127.0.0.1:8080" },
        { service: "http_status:404" },
      ],
    };
    const v1 = await api<{ version: number }>("PUT", `${TUNNELS}/${id}/configurations`, { config });
    expect(v1.body.result).toMatchObject({ version: 1, tunnel_id: id, config });
    const v2 = await api<{ version: number }>("PUT", `${TUNNELS}/${id}/configurations`, { config });
    expect(v2.body.result.version).toBe(2);
    const bad = await api("PUT", `${TUNNELS}/${id}/configurations`, {
      config: { ingress: [{ hostname: "a.localhost", service: "http://x" }] },
    });
    expect(bad.status).toBe(400);
    expect((await api<TunnelJson>("GET", `${TUNNELS}/${id}`)).body.result.config_src).toBe(
      "cloudflare",
    );
  });

  it("caps bodies at 1 MiB with a 413 envelope", async () => {
    const huge = await api("POST", TUNNELS, JSON.stringify({ name: "x".repeat(1024 * 1024 + 10) }));
    expect(huge.status).toBe(413);
    expect(huge.contentType).toBe("application/json");
  });
});
