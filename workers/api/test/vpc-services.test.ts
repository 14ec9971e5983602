import { env } from "cloudflare:workers";
import { createApiToken, createTunnel, listAudit } from "@burrow/registry";
import { describe, expect, it } from "vitest";
import { hashToken } from "../src/auth";
import { ACCOUNT } from "./fixtures";
import { api, createNamed } from "./helpers";

const SERVICES = `/accounts/${ACCOUNT}/connectivity/directory/services`;

interface ServiceJson {
  service_id: string;
  name: string;
  type: string;
  [field: string]: unknown;
}

const service = (tunnelId: string, overrides: Record<string, unknown> = {}) => ({
  type: "http",
  name: `api-${crypto.randomUUID().slice(0, 8)}`,
  host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnelId } },
  ...overrides,
});

/** A quick tunnel of `accountTag` written straight to D1, as the quick-tunnel Worker mints one. */
async function quickTunnel(accountTag = ACCOUNT): Promise<string> {
  const id = crypto.randomUUID();
  await createTunnel(env.DB, {
    id,
    accountTag,
    name: `qt-${id.replaceAll("-", "")}`,
    kind: "quick",
    secretHash: "0".repeat(64),
    createdAt: Date.now(),
  });
  return id;
}

/** An API token of `accountTag` with `scopes`, stored as the tokens route stores one. */
async function tokenOf(accountTag: string, scopes: string[]): Promise<string> {
  const value = `tok-${crypto.randomUUID()}`;
  await createApiToken(env.DB, {
    id: crypto.randomUUID().replaceAll("-", ""),
    accountTag,
    name: "test",
    scopes: scopes as never,
    tokenHash: await hashToken(value),
    createdAt: Date.now(),
  });
  return value;
}

function messageOf(body: { errors: Array<{ message: string }> }): string {
  return body.errors.map((error) => error.message).join("; ");
}

describe("VPC services at /connectivity/directory/services", () => {
  it("creates, lists, gets, updates and deletes an http service on a named tunnel", async () => {
    const tunnel = await createNamed();
    const created = await api<ServiceJson>(
      "POST",
      SERVICES,
      service(tunnel.id, { name: "crud", http_port: 8080 }),
    );
    expect(created.status).toBe(201);
    expect(created.contentType).toBe("application/json");
    expect(created.body.result).toMatchObject({
      type: "http",
      name: "crud",
      http_port: 8080,
      https_port: 443,
      host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnel.id } },
    });
    const id = created.body.result.service_id;
    expect(created.body.result.created_at).toEqual(expect.any(String));

    const listed = await api<ServiceJson[]>("GET", SERVICES);
    expect(listed.body.result.map((s) => s.service_id)).toContain(id);
    expect(listed.body.result_info).toMatchObject({ page: 1, per_page: 20 });
    const got = await api<ServiceJson>("GET", `${SERVICES}/${id}`);
    expect(got.body.result.name).toBe("crud");

    const updated = await api<ServiceJson>(
      "PUT",
      `${SERVICES}/${id}`,
      service(tunnel.id, { name: "crud", tls_settings: { cert_verification_mode: "disabled" } }),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.result).toMatchObject({
      http_port: 80,
      tls_settings: { cert_verification_mode: "disabled" },
    });

    expect((await api("DELETE", `${SERVICES}/${id}`)).status).toBe(200);
    const gone = await api("GET", `${SERVICES}/${id}`);
    expect(gone.status).toBe(404);
    expect(messageOf(gone.body)).toMatch(/no VPC service/);
    expect((await api("DELETE", `${SERVICES}/${id}`)).status).toBe(404);
    const events = (await listAudit(env.DB, tunnel.id)).map((entry) => entry.event);
    expect(events).toEqual(
      expect.arrayContaining(["VPC service created", "VPC service updated", "VPC service deleted"]),
    );
  });

  it("stores a tcp service with tcp_port and app_protocol, as wrangler sends it", async () => {
    const tunnelId = await quickTunnel();
    const body = {
      name: `pg-${crypto.randomUUID().slice(0, 8)}`,
      type: "tcp",
      host: { ipv4: "10.0.0.7", network: { tunnel_id: tunnelId } },
      tcp_port: 5432,
      app_protocol: "postgresql",
    };
    const created = await api<ServiceJson>("POST", SERVICES, body);
    expect(created.status).toBe(201);
    expect(created.body.result).toMatchObject(body);
    expect(created.body.result.http_port).toBeUndefined();
    const got = await api<ServiceJson>("GET", `${SERVICES}/${created.body.result.service_id}`);
    expect(got.body.result).toMatchObject({ type: "tcp", tcp_port: 5432 });
    const tcpOnly = await api<ServiceJson[]>("GET", `${SERVICES}?type=tcp&per_page=1000`);
    expect(tcpOnly.body.result.every((s) => s.type === "tcp")).toBe(true);
    expect(tcpOnly.body.result.map((s) => s.name)).toContain(body.name);
  });

  it.each([
    ["no tcp_port", { tcp_port: undefined }, /tcp_port is required/],
    ["an http port", { http_port: 80 }, /body.http_port is not a known field/],
    ["an unknown app protocol", { app_protocol: "redis" }, /app_protocol must be one of/],
  ])("rejects a tcp service with %s", async (_what, overrides, message) => {
    const tunnelId = await quickTunnel();
    const response = await api(
      "POST",
      SERVICES,
      service(tunnelId, { type: "tcp", tcp_port: 5432, ...overrides }),
    );
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(message);
  });

  it("creates a service under a chosen id with PUT, for consumers with fixed props", async () => {
    const tunnelId = await quickTunnel();
    const id = crypto.randomUUID();
    const response = await api<ServiceJson>("PUT", `${SERVICES}/${id}`, service(tunnelId));
    expect(response.status).toBe(201);
    expect(response.body.result.service_id).toBe(id);
    const bad = await api("PUT", `${SERVICES}/not-a-uuid`, service(tunnelId));
    expect(bad.status).toBe(400);
  });

  it("pages with exact result_info", async () => {
    const tunnelId = await quickTunnel();
    const prefix = `page-${crypto.randomUUID().slice(0, 6)}`;
    for (const n of [1, 2, 3]) {
      await api("POST", SERVICES, service(tunnelId, { name: `${prefix}-${n}` }));
    }
    const all = await api<ServiceJson[]>("GET", `${SERVICES}?per_page=1000`);
    const total = all.body.result_info?.total_count ?? 0;
    expect(all.body.result).toHaveLength(total);
    const last = await api<ServiceJson[]>(
      "GET",
      `${SERVICES}?per_page=2&page=${Math.ceil(total / 2)}`,
    );
    expect(last.body.result_info).toEqual({
      page: Math.ceil(total / 2),
      per_page: 2,
      count: total % 2 === 0 ? 2 : 1,
      total_count: total,
    });
    const past = await api<ServiceJson[]>("GET", `${SERVICES}?per_page=2&page=${total + 1}`);
    expect(past.body.result).toEqual([]);
    expect((await api("GET", `${SERVICES}?per_page=0`)).status).toBe(400);
  });

  it("needs vpc:read to list and vpc:edit to change, with code 10000", async () => {
    const tunnelId = await quickTunnel();
    const reader = await tokenOf(ACCOUNT, ["vpc:read"]);
    const editor = await tokenOf(ACCOUNT, ["vpc:edit"]);
    const tunnelsOnly = await tokenOf(ACCOUNT, ["tunnels:edit"]);
    expect((await api("GET", SERVICES, undefined, reader)).status).toBe(200);
    const write = await api("POST", SERVICES, service(tunnelId), null);
    expect(write.status).toBe(401);
    const readerWrite = await api("POST", SERVICES, service(tunnelId), reader);
    expect(readerWrite.status).toBe(403);
    expect(readerWrite.body.errors[0]?.code).toBe(10000);
    const denied = await api("GET", SERVICES, undefined, tunnelsOnly);
    expect(denied.status).toBe(403);
    const created = await api<ServiceJson>("POST", SERVICES, service(tunnelId), editor);
    expect(created.status).toBe(201);
    expect(
      (await api("GET", `${SERVICES}/${created.body.result.service_id}`, undefined, editor)).status,
    ).toBe(200);
  });

  it("keeps accounts apart: another account's token, path and tunnels", async () => {
    const foreignToken = await tokenOf("f".repeat(32), ["vpc:edit", "tunnels:edit"]);
    const own = await api("GET", SERVICES, undefined, foreignToken);
    expect(own.status).toBe(403);
    expect(own.body.errors[0]?.code).toBe(10000);
    const foreignPath = `/accounts/${"f".repeat(32)}/connectivity/directory/services`;
    expect((await api("GET", foreignPath, undefined, foreignToken)).status).toBe(403);
    expect((await api("GET", foreignPath)).status).toBe(403);
    const tunnelsWithForeignToken = await api(
      "GET",
      `/accounts/${ACCOUNT}/cfd_tunnel`,
      undefined,
      foreignToken,
    );
    expect(tunnelsWithForeignToken.status).toBe(403);

    // A tunnel of another account cannot carry this account's service.
    const foreignTunnel = await quickTunnel("e".repeat(32));
    const response = await api("POST", SERVICES, service(foreignTunnel));
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(/which does not exist/);
  });

  it("rejects a second service with the same name with 409", async () => {
    const tunnelId = await quickTunnel();
    const name = `twin-${crypto.randomUUID().slice(0, 6)}`;
    expect((await api("POST", SERVICES, service(tunnelId, { name }))).status).toBe(201);
    const again = await api("POST", SERVICES, service(tunnelId, { name }));
    expect(again.status).toBe(409);
    expect(messageOf(again.body)).toMatch(/already exists/);
  });

  it.each([
    ["a hostname with a scheme", { hostname: "http://api.internal" }, /has a scheme/],
    ["a hostname with a path", { hostname: "api.internal/v1" }, /has a path/],
    ["a hostname with a port", { hostname: "api.internal:8080" }, /has a port/],
    ["an IPv4 address as hostname", { hostname: "10.0.0.1" }, /is an IP address; use host.ipv4/],
    ["an IPv6 address as hostname", { hostname: "fd00::1" }, /is an IP address/],
    ["a hostname with a bad label", { hostname: "-bad-.internal" }, /not a valid DNS name/],
    [
      "a bad resolver IP",
      { hostname: "api.internal", resolver_ips: ["dns.internal"] },
      /not an IP/,
    ],
  ])("rejects %s", async (_what, hostFields, message) => {
    const tunnelId = await quickTunnel();
    const { resolver_ips, ...rest } = hostFields as Record<string, unknown>;
    const response = await api(
      "POST",
      SERVICES,
      service(tunnelId, {
        host: {
          ...rest,
          resolver_network: { tunnel_id: tunnelId, ...(resolver_ips ? { resolver_ips } : {}) },
        },
      }),
    );
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(message);
  });

  it.each([
    ["port 0", { http_port: 0 }, /http_port must be an integer port 1-65535/],
    ["port 70000", { https_port: 70_000 }, /https_port must be an integer port/],
    ["a port as text", { http_port: "80" }, /http_port must be an integer/],
    ["another type", { type: "udp" }, /type must be "http" or "tcp"/],
    ["no host", { host: undefined }, /host must be a JSON object/],
    ["a bad IPv4", { host: { ipv4: "10.0.0.256", network: {} } }, /not an IPv4 address/],
    ["a bad cert mode", { tls_settings: { cert_verification_mode: "sometimes" } }, /verify_full/],
    ["an unknown field", { colour: "blue" }, /body.colour is not a known field/],
  ])("rejects %s", async (_what, overrides, message) => {
    const tunnelId = await quickTunnel();
    const response = await api("POST", SERVICES, service(tunnelId, overrides));
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(message);
  });

  it("rejects a hostname and an IP in one host", async () => {
    const tunnelId = await quickTunnel();
    const response = await api(
      "POST",
      SERVICES,
      service(tunnelId, {
        host: {
          hostname: "api.internal",
          ipv4: "10.0.0.1",
          resolver_network: { tunnel_id: tunnelId },
        },
      }),
    );
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(/host.ipv4 is not a known field/);
  });

  it("rejects an unknown or deleted tunnel", async () => {
    const unknown = crypto.randomUUID();
    const response = await api(
      "POST",
      SERVICES,
      service(unknown, { host: { ipv4: "10.0.0.1", network: { tunnel_id: unknown } } }),
    );
    expect(response.status).toBe(400);
    expect(messageOf(response.body)).toMatch(
      new RegExp(`host.network.tunnel_id names tunnel ${unknown}, which does not exist`),
    );
    const named = await createNamed();
    expect((await api("DELETE", `/accounts/${ACCOUNT}/cfd_tunnel/${named.id}`)).status).toBe(200);
    const onDeleted = await api("POST", SERVICES, service(named.id));
    expect(onDeleted.status).toBe(400);
  });

  it("never echoes a long rejected value in full", async () => {
    const tunnelId = await quickTunnel();
    const long = `${"a".repeat(5_000)}://x`;
    const response = await api(
      "POST",
      SERVICES,
      service(tunnelId, { host: { hostname: long, resolver_network: { tunnel_id: tunnelId } } }),
    );
    expect(response.status).toBe(400);
    const message = messageOf(response.body);
    expect(message).toMatch(/truncated/);
    expect(message.length).toBeLessThan(300);
    const longKey = await api("POST", SERVICES, service(tunnelId, { ["k".repeat(4_000)]: 1 }));
    expect(messageOf(longKey.body).length).toBeLessThan(300);
  });

  it("rejects a body that is not JSON, and one over 1 MiB with 413", async () => {
    const notJson = await api("POST", SERVICES, "{nope");
    expect(notJson.status).toBe(400);
    expect(messageOf(notJson.body)).toMatch(/JSON/);
    const huge = await api("POST", SERVICES, JSON.stringify({ name: "x".repeat(1024 * 1024 + 1) }));
    expect(huge.status).toBe(413);
  });

  // Through the edge's apex at /client/v4, wrangler's own commands reach it (test/wrangler-cli).
  it("is no longer served at the edge's old /vpc/services path", async () => {
    const old = await env.EDGE.fetch("http://localhost/vpc/services", {
      headers: { authorization: "Bearer test-admin-token" },
    });
    expect(old.status).toBe(404);
  });

  it("answers the tunnel's DNS cache counters", async () => {
    const tunnelId = await quickTunnel();
    const created = await api<ServiceJson>("POST", SERVICES, service(tunnelId));
    const metrics = await api<{ tunnel_id: string; dns: Record<string, number> }>(
      "GET",
      `${SERVICES}/${created.body.result.service_id}/metrics`,
    );
    expect(metrics.status).toBe(200);
    expect(metrics.body.result.tunnel_id).toBe(tunnelId);
    expect(metrics.body.result.dns).toMatchObject({ hits: 0, misses: 0 });
  });
});
