import { env } from "cloudflare:workers";
import { tunnelStub } from "@burrow/tunnel-contract";
import { FEATURES } from "@burrow/wire";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createTestTunnel,
  FakeConnector,
  putService,
  ResetCode,
  removeService,
} from "./fake-connector";
import { SERVICE_B } from "./fixtures";

const connectors: FakeConnector[] = [];
afterEach(() => {
  for (const connector of connectors.splice(0)) connector.close();
});

/** A tunnel with a VPC connector and service A on it. */
async function serviceOnFakeTunnel(
  host: (tunnelId: string) => Record<string, unknown>,
  extra: Record<string, unknown> = {},
  features: string[] = [FEATURES.vpc],
) {
  const tunnelId = await createTestTunnel();
  const connector = await FakeConnector.attach(tunnelId, features);
  connectors.push(connector);
  await putService(host(tunnelId), extra);
  return { tunnelId, connector };
}

const byName = (hostname: string) => (tunnelId: string) => ({
  hostname,
  resolver_network: { tunnel_id: tunnelId },
});

const headerOf = (head: { headers: readonly (readonly [string, string])[] }, name: string) =>
  head.headers.filter(([key]) => key.toLowerCase() === name).map(([, value]) => value);

describe("routing a binding's request", () => {
  it("dials the resolved address and http_port, whatever host, port or Host header the caller sends", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("api.internal"), { http_port: 8080 });
    const response = await env.API_A.fetch("http://anything.example:9999/v1/items?q=1", {
      headers: { host: "metadata.internal", "x-trace": "t1" },
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("ok");
    const [head] = connector.heads;
    expect(head?.target).toEqual({
      address: "10.0.0.5",
      port: 8080,
      tls: false,
      serverName: "anything.example",
      certVerification: "full",
    });
    expect(new URL(head!.url).pathname + new URL(head!.url).search).toBe("/v1/items?q=1");
    expect(headerOf(head!, "host")).toEqual(["anything.example"]);
    expect(headerOf(head!, "x-trace")).toEqual(["t1"]);
  });

  it("uses https_port with TLS and SNI for https URLs, with the service's certificate mode", async () => {
    const { connector, tunnelId } = await serviceOnFakeTunnel(byName("api.internal"), {
      https_port: 8443,
    });
    await env.API_A.fetch("https://api.internal/secure");
    expect(connector.heads[0]?.target).toMatchObject({
      port: 8443,
      tls: true,
      serverName: "api.internal",
      certVerification: "full",
    });
    await putService(byName("api.internal")(tunnelId), {
      tls_settings: { cert_verification_mode: "verify_ca" },
    });
    await env.API_A.fetch("https://api.internal/secure");
    expect(connector.heads[1]?.target).toMatchObject({ port: 443, certVerification: "ca" });
    await putService(byName("api.internal")(tunnelId), {
      tls_settings: { cert_verification_mode: "disabled" },
    });
    await env.API_A.fetch("https://api.internal/secure");
    expect(connector.heads[2]?.target).toMatchObject({ port: 443, certVerification: "none" });
  });

  it("keeps absolute-form and protocol-relative paths as paths on the service", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("api.internal"), { http_port: 8080 });
    await env.API_A.fetch("http://api.internal//169.254.169.254:80/latest/meta-data");
    await env.API_A.fetch("http://api.internal/http://169.254.169.254/latest");
    for (const head of connector.heads) {
      expect(head.target).toMatchObject({ address: "10.0.0.5", port: 8080 });
      expect(new URL(head.url).host).toBe("api.internal");
    }
    expect(new URL(connector.heads[0]!.url).pathname).toBe("//169.254.169.254:80/latest/meta-data");
  });

  it("routes an IP service to its addresses without asking DNS, trying the next on a refused connect", async () => {
    const { connector } = await serviceOnFakeTunnel((tunnelId) => ({
      ipv4: "10.1.1.1",
      ipv6: "fd00::1",
      network: { tunnel_id: tunnelId },
    }));
    connector.behaviour = {
      request: (head) =>
        head.target?.address === "10.1.1.1"
          ? { reset: ResetCode.originUnreachable, message: "connect ECONNREFUSED 10.1.1.1:80" }
          : { status: 200 },
    };
    const response = await env.API_A.fetch("http://db.internal/", { method: "POST", body: "hi" });
    expect(response.status).toBe(200);
    expect(connector.heads.map((head) => head.target?.address)).toEqual(["10.1.1.1", "fd00::1"]);
    expect(connector.questions).toEqual([]);
  });

  it("asks one DNS question per record type for 100 concurrent first calls", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("burst.internal"));
    const responses = await Promise.all(
      Array.from({ length: 100 }, () => env.API_A.fetch("http://burst.internal/")),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    expect(connector.questions.map((q) => `${q.recordType} ${q.hostname}`).sort()).toEqual([
      "A burst.internal",
      "AAAA burst.internal",
    ]);
  });

  it("moves a call off a connection that drained after the binding listed it", async () => {
    const { tunnelId, connector: first } = await serviceOnFakeTunnel(byName("drain.internal"));
    const second = await FakeConnector.attach(tunnelId);
    connectors.push(second);
    // Lists both connections in this isolate's picker (kept 2 s), which then alternates them.
    const warm = await env.API_A.fetch("http://drain.internal/");
    expect(warm.status).toBe(200);
    await warm.arrayBuffer();
    first.goAway();
    await vi.waitFor(
      async () => {
        const routes = await tunnelStub(env.TUNNEL, tunnelId).routes();
        expect(routes.vpcConnectionIds).toHaveLength(1);
      },
      { timeout: 5_000 },
    );
    // Calls picking the drained connection's object are told CONNECTION_GONE by it and go on to
    // the other connection: none fails and none reaches the drained one.
    const before = first.heads.length;
    for (let i = 0; i < 4; i++) {
      const response = await env.API_A.fetch(`http://drain.internal/${i}`);
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    expect(first.heads.length).toBe(before);
    expect(second.heads.length).toBeGreaterThanOrEqual(4);
  });

  it("passes the origin's statuses through unchanged", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("api.internal"));
    for (const status of [201, 204, 301, 404, 500, 503]) {
      connector.behaviour = { request: () => ({ status }) };
      const response = await env.API_A.fetch("http://api.internal/", { redirect: "manual" });
      expect(response.status).toBe(status);
    }
  });

  it("throws a clear error for NXDOMAIN", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("gone.internal"));
    connector.behaviour = { dns: () => ({ status: "nxdomain", addresses: [], ttlSeconds: 0 }) };
    await expect(env.API_A.fetch("http://gone.internal/")).rejects.toThrow(
      /gone\.internal failed: NXDOMAIN/,
    );
  });

  it("throws a clear error when every address refuses the connection", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("api.internal"));
    connector.behaviour = {
      request: () => ({ reset: ResetCode.originUnreachable, message: "connect ECONNREFUSED" }),
    };
    await expect(env.API_A.fetch("http://api.internal/")).rejects.toThrow(
      /could not connect to api\.internal on port 80: connect ECONNREFUSED/,
    );
  });

  it("throws when the tunnel has no connector, or only one without VPC enabled", async () => {
    const tunnelId = await createTestTunnel();
    await putService(byName("api.internal")(tunnelId));
    await expect(env.API_A.fetch("http://api.internal/")).rejects.toThrow(
      /no live connector with VPC enabled/,
    );
    const plain = await FakeConnector.attach(tunnelId, []);
    connectors.push(plain);
    await expect(env.API_A.fetch("http://api.internal/")).rejects.toThrow(
      /no live connector with VPC enabled/,
    );
    expect(plain.heads).toEqual([]);
    expect(plain.questions).toEqual([]);
  });

  it("throws for a tcp service, which fetch() cannot reach", async () => {
    const { connector } = await serviceOnFakeTunnel(byName("db.internal"), {
      type: "tcp",
      tcp_port: 5432,
      app_protocol: "postgresql",
    });
    await expect(env.API_A.fetch("http://db.internal/")).rejects.toThrow(
      /is a tcp service; fetch\(\) reaches http services only/,
    );
    expect(connector.heads).toEqual([]);
  });

  it("refuses URLs that are not http or https", async () => {
    await serviceOnFakeTunnel(byName("api.internal"));
    await expect(env.API_A.fetch("ftp://api.internal/")).rejects.toThrow();
  });

  it("rejects a relative URL in the caller", async () => {
    await expect(env.API_A.fetch("/relative")).rejects.toThrow(/URL|url/);
  });
});

describe("props isolation", () => {
  it("reaches only the service its props name", async () => {
    const a = await serviceOnFakeTunnel(byName("a.internal"));
    const tunnelB = await createTestTunnel();
    const b = await FakeConnector.attach(tunnelB);
    connectors.push(b);
    await putService(byName("b.internal")(tunnelB), {}, SERVICE_B);

    await env.API_A.fetch("http://b.internal/", { headers: { "x-service-id": SERVICE_B } });
    await env.API_B.fetch("http://a.internal/");
    expect(a.connector.heads).toHaveLength(1);
    expect(a.connector.questions.every((q) => q.hostname === "a.internal")).toBe(true);
    expect(b.heads).toHaveLength(1);
    expect(b.questions.every((q) => q.hostname === "b.internal")).toBe(true);
  });

  it("throws a clear error for a binding without a service_id", async () => {
    await expect(env.API_NO_PROPS.fetch("http://api.internal/")).rejects.toThrow(
      /has no service_id: add props/,
    );
  });

  it("throws for a service that does not exist", async () => {
    await removeService(SERVICE_B);
    await expect(env.API_B.fetch("http://api.internal/")).rejects.toThrow(/does not exist/);
  });
});
