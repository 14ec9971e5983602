/**
 * The management API through the edge's apex, end to end: the official `cloudflare` SDK with
 * `baseURL`, tokens of another account, paging boundaries, a deleted tunnel's connectors (a fake
 * one with the named tunnel's secret, and the real connector process), and named tunnels outliving
 * the reaper.
 */
import { startConnector, stopAllConnectors } from "@burrow/connector/testing";
import { workerVars } from "@burrow/local-edge";
import Cloudflare from "cloudflare";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { attachFakeConnector, attemptConnect, connectHeaders } from "./harness/fake-connector";
import { type Origin, startOrigin } from "./harness/origin";
import { visit } from "./harness/visitor";

const ADMIN_TOKEN = "named-api-e2e-admin-token";
const API_VARS = workerVars("workers/api/wrangler.toml");
const ACCOUNT = API_VARS.ACCOUNT_TAG ?? "";
const ZONE_ID = API_VARS.ZONE_ID ?? "";
const TEN_MINUTES_MS = 600_000;

let edge: TestEdge;
let origin: Origin;

beforeAll(async () => {
  edge = await startEdge({ vars: { "burrow-api": { ADMIN_TOKEN } } });
  origin = await startOrigin();
});

afterEach(async () => {
  await stopAllConnectors();
});

afterAll(async () => {
  await edge?.dispose();
  await origin?.close();
});

interface Envelope<T> {
  success: boolean;
  result: T;
  errors: Array<{ code: number; message: string }>;
  result_info?: { page: number; per_page: number; count: number; total_count: number };
}

/** Calls <edge>/client/v4 + `path` as a client on the network would. */
async function api<T = Record<string, unknown>>(
  method: string,
  path: string,
  body?: unknown,
  token = ADMIN_TOKEN,
): Promise<{ status: number; body: Envelope<T> }> {
  const response = await fetch(new URL(`/client/v4${path}`, edge.url), {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

const TUNNELS = `/accounts/${ACCOUNT}/cfd_tunnel`;

async function createNamed(name: string) {
  const created = await api<{ id: string; credentials_file: { TunnelSecret: string } }>(
    "POST",
    TUNNELS,
    { name },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { id: created.body.result.id, secret: created.body.result.credentials_file.TunnelSecret };
}

describe("the official cloudflare SDK with baseURL", () => {
  it("creates and lists tunnels and VPC services", async () => {
    const client = new Cloudflare({
      apiToken: ADMIN_TOKEN,
      baseURL: new URL("client/v4", edge.url).href,
      maxRetries: 0,
    });
    const tunnel = await client.zeroTrust.tunnels.cloudflared.create({
      account_id: ACCOUNT,
      name: "sdk-made",
    });
    expect(tunnel.name).toBe("sdk-made");
    expect(tunnel.id).toMatch(/^[0-9a-f-]{36}$/);
    const names: string[] = [];
    for await (const listed of client.zeroTrust.tunnels.cloudflared.list({
      account_id: ACCOUNT,
      is_deleted: false,
    })) {
      names.push(listed.name ?? "");
    }
    expect(names).toContain("sdk-made");
    const got = await client.zeroTrust.tunnels.cloudflared.get(tunnel.id ?? "", {
      account_id: ACCOUNT,
    });
    expect(got.id).toBe(tunnel.id);

    const service = await client.connectivity.directory.services.create({
      account_id: ACCOUNT,
      name: "sdk-service",
      type: "http",
      http_port: 8080,
      host: { hostname: "api.internal", resolver_network: { tunnel_id: tunnel.id ?? "" } },
    });
    expect(service.service_id).toMatch(/^[0-9a-f-]{36}$/);
    const services: string[] = [];
    for await (const listed of client.connectivity.directory.services.list({
      account_id: ACCOUNT,
    })) {
      services.push(listed.name);
    }
    expect(services).toContain("sdk-service");
  });
});

describe("accounts and tokens through the edge", () => {
  it("refuses a token of another account on this account's tunnels and services", async () => {
    // Tokens are made for the deployment's account only, so another account's token is stored
    // the way the tokens route stores one: the SHA-256 of its value.
    const value = `foreign-${crypto.randomUUID()}`;
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
    const hash = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join(
      "",
    );
    const db = await edge.miniflare.getD1Database("DB");
    await db
      .prepare(
        `INSERT INTO api_tokens (id, account_tag, name, token_hash, scopes, created_at)
         VALUES (?1, ?2, 'foreign', ?3, ?4, ?5)`,
      )
      .bind(
        crypto.randomUUID().replaceAll("-", ""),
        "f".repeat(32),
        hash,
        JSON.stringify(["tunnels:edit", "dns:edit", "vpc:edit"]),
        Date.now(),
      )
      .run();
    for (const [method, path] of [
      ["GET", TUNNELS],
      ["POST", TUNNELS],
      ["GET", `/accounts/${ACCOUNT}/connectivity/directory/services`],
      ["GET", `/accounts/${"f".repeat(32)}/cfd_tunnel`],
    ] as const) {
      const refused = await api(method, path, method === "POST" ? { name: "x" } : undefined, value);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.body.errors[0]?.code).toBe(10000);
    }
  });

  it("pages exactly at 0, 1, per_page and per_page + 1 tunnels", async () => {
    const prefix = `page-${crypto.randomUUID().slice(0, 6)}-`;
    const perPage = 3;
    const pageOf = (page: number) =>
      api<Array<{ name: string }>>(
        "GET",
        `${TUNNELS}?include_prefix=${prefix}&per_page=${perPage}&page=${page}`,
      );
    const counts: Array<[number, number[]]> = [];
    for (const total of [0, 1, perPage, perPage + 1]) {
      const existing = (await pageOf(1)).body.result_info?.total_count ?? 0;
      for (let i = existing; i < total; i++) await createNamed(`${prefix}${i}`);
      const first = await pageOf(1);
      const second = await pageOf(2);
      expect(first.body.result_info).toEqual({
        page: 1,
        per_page: perPage,
        count: Math.min(total, perPage),
        total_count: total,
      });
      counts.push([total, [first.body.result.length, second.body.result.length]]);
      const names = [...first.body.result, ...second.body.result].map((t) => t.name);
      expect(new Set(names).size).toBe(total);
    }
    expect(counts).toEqual([
      [0, [0, 0]],
      [1, [1, 0]],
      [perPage, [perPage, 0]],
      [perPage + 1, [perPage, 1]],
    ]);
  });
});

describe("deleted tunnels", () => {
  it("refuses a fake connector with the named tunnel's secret once the tunnel is deleted", async () => {
    const tunnel = await createNamed(`doomed-${crypto.randomUUID().slice(0, 6)}`);
    const minted = { ...tunnel, name: "", hostname: "", account_tag: ACCOUNT };
    const live = await attachFakeConnector(edge.url, minted);
    const busy = await api("DELETE", `${TUNNELS}/${tunnel.id}`);
    expect(busy.status).toBe(400);
    expect(busy.body.errors[0]?.code).toBe(1022);
    expect((await api("DELETE", `${TUNNELS}/${tunnel.id}?cascade=true`)).status).toBe(200);
    expect((await live.closed).code).toBe(4410);
    const refusal = await attemptConnect(edge.url, connectHeaders(tunnel.id, tunnel.secret));
    expect(refusal.status).toBe(410);
    expect(refusal.body).toMatch(/tunnel_deleted: this tunnel was deleted/);
  });

  it("makes the real connector exit when its tunnel is deleted through the API", async () => {
    const connector = await startConnector({ edge: edge.url, origin: origin.url });
    const deleted = await api("DELETE", `${TUNNELS}/${connector.tunnelId}?cascade=true`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const exit = await connector.exited;
    expect(exit.code).toBe(1);
    expect(connector.logs()).toMatch(/the tunnel was deleted/);
    const visitor = await visit({ port: edge.port, hostname: connector.hostname });
    expect(visitor.status).toBe(404);
  });
});

describe("named tunnels and the reaper", () => {
  it("keeps a named tunnel and its route after more than five minutes without a connection", async () => {
    const name = `kept-${crypto.randomUUID().slice(0, 6)}`;
    const tunnel = await createNamed(name);
    const hostname = `${name}.localhost`;
    const routed = await api("PUT", `/zones/${ZONE_ID}/tunnels/${tunnel.id}/routes`, {
      type: "dns",
      user_hostname: hostname,
    });
    expect(routed.status).toBe(200);
    const minted = { ...tunnel, name, hostname, account_tag: ACCOUNT };
    const connector = await attachFakeConnector(edge.url, minted);
    expect((await visit({ port: edge.port, hostname, path: "/alive" })).body.toString()).toBe(
      "fake:/alive",
    );
    connector.socket.close();
    await connector.closed;

    const reaper = await edge.miniflare.getWorker("burrow-reaper");
    await reaper.scheduled({
      scheduledTime: new Date(Date.now() + TEN_MINUTES_MS),
      cron: "* * * * *",
    });

    const after = await api<{ id: string; deleted_at: string | null; status: string }>(
      "GET",
      `${TUNNELS}/${tunnel.id}`,
    );
    expect(after.body.result).toMatchObject({ id: tunnel.id, deleted_at: null, status: "down" });
    const again = await attachFakeConnector(edge.url, minted);
    expect((await visit({ port: edge.port, hostname, path: "/back" })).body.toString()).toBe(
      "fake:/back",
    );
    again.socket.close();
  });
});
