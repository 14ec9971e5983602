import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, createTestTunnel } from "./fake-connector";

interface Envelope<T = Record<string, unknown>> {
  success: boolean;
  result: T;
  errors: Array<{ code: number; message: string }>;
}

const service = (tunnelId: string, overrides: Record<string, unknown> = {}) => ({
  type: "http",
  name: `api-${crypto.randomUUID().slice(0, 8)}`,
  host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnelId } },
  ...overrides,
});

async function errorOf(response: Response): Promise<string> {
  const body = (await response.json()) as Envelope;
  expect(body.success).toBe(false);
  return body.errors.map((error) => error.message).join("; ");
}

describe("the /vpc/services management API", () => {
  it("refuses calls without the admin token, in the envelope", async () => {
    const none = await env.ADMIN.fetch("http://edge/vpc/services");
    expect(none.status).toBe(401);
    expect(await errorOf(none)).toMatch(/Bearer/);
    const wrong = await env.ADMIN.fetch("http://edge/vpc/services", {
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
  });

  it("creates, lists, gets, updates and deletes a service", async () => {
    const tunnelId = await createTestTunnel();
    const created = await admin("POST", "/vpc/services", service(tunnelId, { name: "crud" }));
    expect(created.status).toBe(201);
    const { result } = (await created.json()) as Envelope;
    expect(result).toMatchObject({
      type: "http",
      name: "crud",
      http_port: 80,
      https_port: 443,
      host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnelId } },
    });
    const id = result.service_id as string;

    const listed = (await (await admin("GET", "/vpc/services")).json()) as Envelope<unknown[]>;
    expect(listed.result).toContainEqual(expect.objectContaining({ service_id: id }));
    const got = (await (await admin("GET", `/vpc/services/${id}`)).json()) as Envelope;
    expect(got.result.name).toBe("crud");

    const updated = await admin(
      "PUT",
      `/vpc/services/${id}`,
      service(tunnelId, {
        name: "crud",
        http_port: 8080,
        tls_settings: { cert_verification_mode: "disabled" },
      }),
    );
    expect(updated.status).toBe(200);
    expect(((await updated.json()) as Envelope).result).toMatchObject({
      http_port: 8080,
      tls_settings: { cert_verification_mode: "disabled" },
    });

    expect((await admin("DELETE", `/vpc/services/${id}`)).status).toBe(200);
    const gone = await admin("GET", `/vpc/services/${id}`);
    expect(gone.status).toBe(404);
    expect(await errorOf(gone)).toMatch(/no VPC service/);
    expect((await admin("DELETE", `/vpc/services/${id}`)).status).toBe(404);
  });

  it("creates a service under a chosen id with PUT", async () => {
    const tunnelId = await createTestTunnel();
    const id = crypto.randomUUID();
    const response = await admin("PUT", `/vpc/services/${id}`, service(tunnelId));
    expect(response.status).toBe(201);
    expect(((await response.json()) as Envelope).result.service_id).toBe(id);
    expect((await admin("PUT", "/vpc/services/not-a-uuid", service(tunnelId))).status).toBe(400);
  });

  it("is reachable through the edge's apex", async () => {
    const response = await env.EDGE.fetch("http://localhost/vpc/services", {
      headers: { authorization: "Bearer test-admin-token" },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Envelope).success).toBe(true);
  });

  it("rejects a second service with the same name", async () => {
    const tunnelId = await createTestTunnel();
    expect((await admin("POST", "/vpc/services", service(tunnelId, { name: "twin" }))).status).toBe(
      201,
    );
    const again = await admin("POST", "/vpc/services", service(tunnelId, { name: "twin" }));
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toMatch(/named twin exists/);
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
    const tunnelId = await createTestTunnel();
    const { resolver_ips, ...rest } = hostFields as Record<string, unknown>;
    const response = await admin(
      "POST",
      "/vpc/services",
      service(tunnelId, {
        host: {
          ...rest,
          resolver_network: { tunnel_id: tunnelId, ...(resolver_ips ? { resolver_ips } : {}) },
        },
      }),
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
  });

  it.each([
    ["port 0", { http_port: 0 }, /http_port must be an integer port 1-65535/],
    ["port 70000", { https_port: 70_000 }, /https_port must be an integer port/],
    ["a port as text", { http_port: "80" }, /http_port must be an integer/],
    ["another type", { type: "tcp" }, /type must be "http"/],
    ["no host", { host: undefined }, /host must be a JSON object/],
    ["a bad IPv4", { host: { ipv4: "10.0.0.256", network: {} } }, /not an IPv4 address/],
    ["a bad cert mode", { tls_settings: { cert_verification_mode: "sometimes" } }, /verify_full/],
    ["an unknown field", { colour: "blue" }, /body.colour is not a known field/],
  ])("rejects %s", async (_what, overrides, message) => {
    const tunnelId = await createTestTunnel();
    const response = await admin("POST", "/vpc/services", service(tunnelId, overrides));
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(message);
  });

  it("rejects a hostname and an IP in one host", async () => {
    const tunnelId = await createTestTunnel();
    const response = await admin(
      "POST",
      "/vpc/services",
      service(tunnelId, {
        host: {
          hostname: "api.internal",
          ipv4: "10.0.0.1",
          resolver_network: { tunnel_id: tunnelId },
        },
      }),
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/host.ipv4 is not a known field/);
  });

  it("rejects an unknown tunnel", async () => {
    const unknown = crypto.randomUUID();
    const response = await admin(
      "POST",
      "/vpc/services",
      service(unknown, { host: { ipv4: "10.0.0.1", network: { tunnel_id: unknown } } }),
    );
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(
      new RegExp(`host.network.tunnel_id names tunnel ${unknown}, which does not exist`),
    );
  });

  it("rejects a body that is not JSON", async () => {
    const response = await env.ADMIN.fetch("http://edge/vpc/services", {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token" },
      body: "{nope",
    });
    expect(response.status).toBe(400);
    expect(await errorOf(response)).toMatch(/JSON/);
  });
});
