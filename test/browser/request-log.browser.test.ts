import { type Connector, startConnector, stopAllConnectors } from "@burrow/connector/testing";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../harness/edge";
import { type Origin, startOrigin } from "../harness/origin";
import { visit, visitorAgent } from "../harness/visitor";
import { launchBrowser, type TestBrowser } from "./browser";

const API_WORKER = "burrow-api";
const ADMIN_TOKEN = "request-log-admin-token-0123456789";
const ACCOUNT = "0000000000000000000000000000b055";
/** Secrets a visitor sends; the request log must redact every one of them. */
const VISITOR_BEARER = "visitor-bearer-secret-4f1c";
const VISITOR_COOKIE = "visitor-cookie-secret-9a2e";
const QUERY_TOKEN = "query-token-secret-77b0";
/** Long enough for a few of the page's 2 s polls and 5 s chart refreshes. */
const LIVE_MS = 20_000;
const CAPTURE_LIMIT_BYTES = 10 * 1024;

let edge: TestEdge;
let origin: Origin;
let connector: Connector;
let browser: TestBrowser;

interface LoggedJson {
  id: string;
  method: string;
  path: string;
  status: number;
  duration_ms: number;
  request_bytes: number;
  response_bytes: number;
  client_ip: string;
  conn_index: number | null;
  error: number | null;
  request_headers: string[][];
  request_body: string | null;
  response_body: string | null;
  body_truncated: boolean;
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(`/client/v4/accounts/${ACCOUNT}${path}`, edge.url), {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const envelope = (await response.json()) as { success: boolean; result: T };
  expect(response.status, JSON.stringify(envelope)).toBe(200);
  return envelope.result;
}

function requestsPath() {
  return `/cfd_tunnel/${connector.tunnelId}/requests`;
}

async function logged(): Promise<{ capture_enabled: boolean; requests: LoggedJson[] }> {
  return api("GET", `${requestsPath()}?limit=100`);
}

function send(path: string, options: { method?: string; headers?: object; body?: string } = {}) {
  return visit({
    port: edge.port,
    hostname: connector.hostname,
    path,
    method: options.method,
    headers: options.headers as Record<string, string>,
    body: options.body,
  });
}

async function signIn(): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(new URL("/dashboard", edge.url).href);
  await page.getByLabel("API token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { level: 1, name: "Tunnels" }).waitFor();
  return page;
}

function expectNoSecret(text: string) {
  for (const secret of [ADMIN_TOKEN, VISITOR_BEARER, VISITOR_COOKIE, QUERY_TOKEN]) {
    expect(text).not.toContain(secret);
  }
}

beforeAll(async () => {
  [edge, browser, origin] = await Promise.all([
    startEdge({ vars: { [API_WORKER]: { ADMIN_TOKEN } } }),
    launchBrowser(),
    startOrigin(),
  ]);
  connector = await startConnector({ edge: edge.url, origin: origin.url });
}, 120_000);

afterAll(async () => {
  await stopAllConnectors();
  await origin?.close();
  visitorAgent.destroy();
  await browser?.close();
  await edge?.dispose();
});

describe("the edge's request log, through a quick tunnel and on the dashboard", () => {
  it("logs each request with status, sizes and connection, redacts credentials, and keeps no body", async () => {
    const echoed = await send(`/echo-headers?page=2&access_token=${QUERY_TOKEN}`, {
      headers: { authorization: `Bearer ${VISITOR_BEARER}`, cookie: `sid=${VISITOR_COOKIE}` },
    });
    expect(echoed.status).toBe(200);
    expect((await send("/no-such-route")).status).toBe(404);
    const upload = await send("/upload", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "not captured while capture is off",
    });
    expect(upload.status).toBe(200);

    const log = await logged();
    expect(log.capture_enabled).toBe(false);
    const [post, missing, echo] = log.requests;
    expect(post).toMatchObject({
      method: "POST",
      path: "/upload",
      status: 200,
      request_bytes: 33,
      response_bytes: upload.body.byteLength,
      error: null,
      request_body: null,
      response_body: null,
    });
    expect(post!.conn_index).toEqual(expect.any(Number));
    expect(missing).toMatchObject({ method: "GET", path: "/no-such-route", status: 404 });
    expect(echo).toMatchObject({ status: 200, response_bytes: echoed.body.byteLength });
    expect(echo!.path).toBe("/echo-headers?page=2&access_token=%5Bredacted%5D");
    const headers = Object.fromEntries(echo!.request_headers);
    expect(headers.authorization).toBe("[redacted]");
    expect(headers.cookie).toBe("[redacted]");
    expectNoSecret(JSON.stringify(log));

    const traffic = await api<{ per_minute: Array<{ requests: number; status_4xx: number }> }>(
      "GET",
      `/cfd_tunnel/${connector.tunnelId}/traffic?minutes=60`,
    );
    const total = traffic.per_minute.reduce((sum, row) => sum + row.requests, 0);
    expect(total).toBe(3);
    expect(traffic.per_minute.reduce((sum, row) => sum + row.status_4xx, 0)).toBe(1);
  });

  it("records the edge's error page with its error number once the connector is gone", async () => {
    const other = await startConnector({ edge: edge.url, origin: origin.url });
    await api("GET", `/cfd_tunnel/${other.tunnelId}/requests`);
    other.process.kill("SIGTERM");
    await other.exited;
    const answer = await visit({ port: edge.port, hostname: other.hostname, path: "/gone" });
    expect(answer.headers["x-burrow-error"]).toBeDefined();
    const log = await api<{ requests: LoggedJson[] }>(
      "GET",
      `/cfd_tunnel/${other.tunnelId}/requests`,
    );
    expect(log.requests[0]).toMatchObject({
      path: "/gone",
      status: answer.status,
      error: Number(answer.headers["x-burrow-error"]),
      conn_index: null,
    });
  });

  it("shows the traffic chart and the live list on the tunnel page, then captures bodies with a banner", async () => {
    const page = await signIn();
    await page.goto(new URL(`/dashboard#/tunnels/${connector.tunnelId}`, edge.url).href);
    await page.getByRole("heading", { level: 2, name: "Traffic" }).waitFor();
    await page.locator(".request-list li[data-request-id]").nth(2).waitFor({ timeout: LIVE_MS });
    await page.locator('rect[data-status-class="2xx"]').first().waitFor({ timeout: LIVE_MS });
    await page.locator('rect[data-status-class="4xx"]').first().waitFor({ timeout: LIVE_MS });
    await page.getByRole("img", { name: /Requests per minute over the last hour/ }).waitFor();
    await page.getByRole("img", { name: /p50 and p99/ }).waitFor();
    expect(await page.locator(".capture-banner").count()).toBe(0);

    // A request sent now appears without reloading (the list polls the API's ?after= cursor).
    await page.evaluate(() => Object.assign(window, { burrowNoReload: true }));
    await send("/echo-headers?live=1");
    await page.getByText("/echo-headers?live=1").waitFor({ timeout: LIVE_MS });
    await browser.screenshot(page, "tunnel-traffic");

    const toggle = page.getByRole("button", { name: "Turn body capture on" });
    await toggle.click();
    await page.getByRole("status").getByText("Body capture is on.").waitFor();
    await page.getByRole("button", { name: "Turn body capture off" }).waitFor();
    expect(
      await page
        .getByRole("button", { name: "Turn body capture off" })
        .getAttribute("aria-pressed"),
    ).toBe("true");

    const small = JSON.stringify({ hello: "captured body" });
    expect((await send("/upload", { method: "POST", body: small })).status).toBe(200);
    const large = "L".repeat(CAPTURE_LIMIT_BYTES + 4096);
    expect((await send("/upload", { method: "POST", body: large })).status).toBe(200);
    const log = await logged();
    expect(log.capture_enabled).toBe(true);
    const [bigEntry, smallEntry] = log.requests;
    expect(smallEntry!.request_body).toBe(small);
    expect(JSON.parse(smallEntry!.response_body!)).toMatchObject({ length: small.length });
    expect(bigEntry!.request_body).toBe("L".repeat(CAPTURE_LIMIT_BYTES));
    expect(bigEntry!.request_bytes).toBe(large.length);
    expect(bigEntry!.body_truncated).toBe(true);

    const item = page.locator(`li[data-request-id="${smallEntry!.id}"]`);
    await item.waitFor({ timeout: LIVE_MS });
    await item.locator("summary").click();
    await item.locator('pre[data-body="request"]').getByText("captured body").waitFor();
    await browser.screenshot(page, "tunnel-capture");

    await page.setViewportSize({ width: 360, height: 800 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await browser.screenshot(page, "tunnel-traffic-360");

    await page.getByRole("button", { name: "Turn body capture off" }).click();
    await page.getByRole("button", { name: "Turn body capture on" }).waitFor();
    expect(await page.locator(".capture-banner").count()).toBe(0);
    expect((await logged()).capture_enabled).toBe(false);
    expect(await page.evaluate(() => (window as { burrowNoReload?: boolean }).burrowNoReload)).toBe(
      true,
    );

    // No token or visitor secret in the log, the page, its console or its URLs.
    expectNoSecret(JSON.stringify(await logged()));
    expectNoSecret(await page.content());
    for (const line of browser.seen) expectNoSecret(line);
    await page.close();
  });
});
