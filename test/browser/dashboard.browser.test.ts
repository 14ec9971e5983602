import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../harness/edge";
import { running, spawnBurrow, until } from "../harness/named-run";
import { launchBrowser, type TestBrowser } from "./browser";

/** The API Worker's name (workers/api/wrangler.toml) and the operator token it is given here. */
const API_WORKER = "burrow-api";
const ADMIN_TOKEN = "dashboard-admin-token-0123456789";
/** The account tag of workers/api/wrangler.toml. */
const ACCOUNT = "0000000000000000000000000000b055";
/** Long enough for a few of the dashboard's 3 s refreshes. */
const LIVE_MS = 20_000;

let edge: TestEdge;
let browser: TestBrowser;
/** Every token the tests handle, none of which may appear in a console line or a URL. */
const tokens = new Set<string>([ADMIN_TOKEN]);
/** HOME for the real connectors, so no ~/.cloudflared of the machine is read. */
const home = mkdtempSync(path.join(tmpdir(), "burrow-dashboard-"));

/** Calls the API from Node (as the operator, unless told otherwise). */
async function api<T = unknown>(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<{
  status: number;
  body: { success: boolean; result: T; errors: Array<{ message: string }> };
}> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(new URL(`/client/v4${path}`, edge.url), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

async function createTunnel(name: string) {
  const created = await api<{ id: string; credentials_file: Record<string, string> }>(
    "POST",
    `/accounts/${ACCOUNT}/cfd_tunnel`,
    { name, config_src: "cloudflare" },
  );
  expect(created.status).toBe(200);
  const { id, credentials_file } = created.body.result;
  return { id, secret: credentials_file.TunnelSecret ?? "", credentials: credentials_file };
}

/**
 * Starts the real `burrow tunnel run` for `tunnel` with `haConnections` connections; resolves
 * with the process and its connector id once every connection is registered.
 */
async function runReplica(tunnel: Awaited<ReturnType<typeof createTunnel>>, haConnections: number) {
  const credentialsFile = path.join(home, `${tunnel.id}.json`);
  writeFileSync(
    credentialsFile,
    JSON.stringify({ ...tunnel.credentials, Endpoint: edge.url.origin }),
  );
  const connector = await spawnBurrow(
    [
      "tunnel",
      "run",
      "--credentials-file",
      credentialsFile,
      "--ha-connections",
      String(haConnections),
      "--metrics",
      "127.0.0.1:0",
    ],
    home,
  );
  const ready = await until(
    async () => {
      const answer = await fetch(new URL("/ready", connector.metricsUrl));
      const body = (await answer.json()) as { readyConnections: number; connectorId: string };
      return body.readyConnections === haConnections ? body : null;
    },
    45_000,
    "every connection registered",
  );
  return { connector, connectorId: ready.connectorId };
}

async function createToken(name: string, scopes: string[]) {
  const created = await api<{ id: string; value: string }>("POST", `/accounts/${ACCOUNT}/tokens`, {
    name,
    scopes,
  });
  expect(created.status).toBe(200);
  tokens.add(created.body.result.value);
  return created.body.result;
}

/** Opens the dashboard in a new tab and signs in with `token` using only the keyboard. */
async function signIn(token: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(new URL("/dashboard", edge.url).href);
  const input = page.getByLabel("API token");
  await input.waitFor();
  // The token field has focus on load: type and press Enter, no mouse.
  await page.keyboard.type(token);
  await page.keyboard.press("Enter");
  await page.getByRole("heading", { level: 1, name: "Tunnels" }).waitFor();
  return page;
}

function row(page: Page, tunnelId: string) {
  return page.locator(`tr[data-tunnel-id="${tunnelId}"]`);
}

beforeAll(async () => {
  [edge, browser] = await Promise.all([
    startEdge({ vars: { [API_WORKER]: { ADMIN_TOKEN } } }),
    launchBrowser(),
  ]);
}, 120_000);

afterAll(async () => {
  for (const connector of running) connector.child.kill("SIGKILL");
  rmSync(home, { recursive: true, force: true });
  await browser?.close();
  await edge?.dispose();
});

describe("dashboard in a real browser", () => {
  it("loads its assets without a token but answers every data call without one with 401", async () => {
    const page = await browser.newPage();
    const answer = await page.goto(new URL("/dashboard", edge.url).href);
    expect(answer?.status()).toBe(200);
    expect(answer?.headers()["content-security-policy"]).toContain("script-src 'self'");
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await browser.screenshot(page, "sign-in");
    for (const path of [
      `/accounts/${ACCOUNT}/cfd_tunnel`,
      `/accounts/${ACCOUNT}/tokens`,
      `/accounts/${ACCOUNT}/audit_logs`,
      `/accounts/${ACCOUNT}/connectivity/directory/services`,
      "/accounts",
      "/zones",
    ]) {
      expect((await api("GET", path, undefined, null)).status, path).toBe(401);
    }
    await page.getByLabel("API token").fill("not-a-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").getByText("Sign-in failed: unknown API token").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("signs in with the keyboard, keeps the token in sessionStorage only, and signs out", async () => {
    const page = await signIn(ADMIN_TOKEN);
    const stored = await page.evaluate(() => ({
      session: Object.values(sessionStorage).join(""),
      local: localStorage.length,
    }));
    expect(stored.session).toContain(ADMIN_TOKEN);
    expect(stored.local).toBe(0);
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it("shows a named tunnel turn from inactive to healthy when connectors start and degraded when one dies, without reloading", async () => {
    const tunnel = await createTunnel("browser-web");
    const page = await signIn(ADMIN_TOKEN);
    await row(page, tunnel.id).locator('[data-status="inactive"]').waitFor();
    await browser.screenshot(page, "tunnels-inactive");
    // A page reload would drop this marker: the badge must change by the page's own refresh.
    await page.evaluate(() => Object.assign(window, { burrowNoReload: true }));
    // Two real replicas of two connections each: four connections, as one connector opens.
    const survivor = await runReplica(tunnel, 2);
    const doomed = await runReplica(tunnel, 2);
    await row(page, tunnel.id).locator('[data-status="healthy"]').waitFor({ timeout: LIVE_MS });
    await row(page, tunnel.id)
      .locator("[data-connections]")
      .getByText("4")
      .waitFor({ timeout: LIVE_MS });
    await browser.screenshot(page, "tunnels-healthy");
    doomed.connector.child.kill("SIGKILL");
    await doomed.connector.exited;
    await row(page, tunnel.id).locator('[data-status="degraded"]').waitFor({ timeout: LIVE_MS });
    expect(await page.evaluate(() => (window as { burrowNoReload?: boolean }).burrowNoReload)).toBe(
      true,
    );

    // Filtering asks the API for that status; the search narrows by name in the page.
    await page.getByLabel("Status").selectOption("healthy");
    await page.getByText("No tunnels match these filters.").waitFor();
    await page.getByLabel("Status").selectOption("degraded");
    await row(page, tunnel.id).waitFor();
    await page.getByLabel("Search by name").fill("no-such-name");
    await page.getByText("No tunnels match these filters.").waitFor();
    await page.getByLabel("Search by name").fill("browser-w");
    await row(page, tunnel.id).waitFor();
    await browser.screenshot(page, "tunnels-degraded");

    await row(page, tunnel.id).getByRole("link", { name: "browser-web" }).click();
    await page.getByRole("heading", { level: 1, name: "browser-web" }).waitFor();
    const dead = page.locator(`[data-connector-id="${doomed.connectorId}"]`);
    await expect
      .poll(() => dead.getByText("Pending reconnect").count(), { timeout: LIVE_MS })
      .toBe(2);
    const live = page.locator(`[data-connector-id="${survivor.connectorId}"]`);
    await expect.poll(() => live.getByText("Live", { exact: true }).count()).toBe(2);
    expect(await live.locator("dl").textContent()).toMatch(/Version\s*0\.1\.0[\s\S]*Arch\s*linux_/);
    await page.locator('[data-tunnel-status="degraded"]').waitFor();
    await browser.screenshot(page, "tunnel");

    // The ingress editor: a bad service is refused by the API and the message sits by its input.
    const service = page.locator('[data-field="config.ingress[0].service"]');
    await service.fill("ftp://files");
    await page.getByRole("button", { name: "Save configuration" }).click();
    const slot = page.locator('[data-error-for="config.ingress[0].service"]');
    await slot.getByText("is not a service cloudflared knows").waitFor();
    expect(await service.getAttribute("aria-invalid")).toBe("true");
    expect(await service.getAttribute("aria-describedby")).toBe(await slot.getAttribute("id"));
    await browser.screenshot(page, "tunnel-config-error");
    await service.fill("http://127.0.0.1:8080");
    await page.getByRole("button", { name: "Save configuration" }).click();
    await page.getByText("Saved: version 1").waitFor();
    expect(await service.getAttribute("aria-invalid")).toBeNull();
    const stored = await api<{ config: { ingress: Array<{ service: string }> } }>(
      "GET",
      `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}/configurations`,
    );
    expect(stored.body.result.config.ingress[0]?.service).toBe("http://127.0.0.1:8080");
    await page.close();
  });

  it("creates a VPC service and shows the API's validation message", async () => {
    const tunnel = await createTunnel("browser-vpc");
    const page = await signIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "VPC services" }).click();
    await page.getByRole("heading", { level: 1, name: "VPC services" }).waitFor();
    const bad = {
      type: "http",
      name: "db",
      http_port: 80,
      https_port: 443,
      host: { ipv4: "10.0.0.999", network: { tunnel_id: tunnel.id } },
    };
    // The API's own answer to the same body is what the page must show, word for word.
    const expected = await api("POST", `/accounts/${ACCOUNT}/connectivity/directory/services`, bad);
    expect(expected.status).toBe(400);
    const message = (expected.body.errors[0]?.message ?? "").replace(/^[a-z_]+: /, "");
    expect(message).not.toBe("");
    await page.getByLabel("Name", { exact: true }).fill("db");
    await page.getByLabel("Tunnel ID").fill(tunnel.id);
    await page.getByLabel("Host type").selectOption("ipv4");
    await page.getByLabel("Host", { exact: true }).fill("10.0.0.999");
    await page.getByRole("button", { name: "Create service" }).click();
    const form = page.getByRole("form", { name: "Create a VPC service" });
    await form.getByText(message, { exact: true }).waitFor();
    await browser.screenshot(page, "vpc-services-error");
    // The message names host.ipv4 and is shown beside the Host input.
    await page.locator('[data-error-for="host"]').getByText(message).waitFor();
    await page.getByLabel("Host", { exact: true }).fill("10.0.0.9");
    await page.getByRole("button", { name: "Create service" }).click();
    await page.locator("tr[data-service-id]").getByText("10.0.0.9").waitFor();
    await browser.screenshot(page, "vpc-services");
    await page.close();
  });

  it("shows a created token's value once and signs out when the session's own token is revoked", async () => {
    const own = await createToken("browser-session", ["tokens:edit", "tunnels:read"]);
    const page = await signIn(own.value);
    page.on("dialog", (dialog) => dialog.accept());
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.getByRole("heading", { level: 1, name: "API tokens" }).waitFor();
    await page.getByLabel("Name", { exact: true }).fill("made-in-browser");
    await page.getByLabel("tunnels:read").check();
    await page.getByRole("button", { name: "Create token" }).click();
    const value = await page.getByRole("textbox", { name: "Token value" }).inputValue();
    tokens.add(value);
    expect((await api("GET", "/user/tokens/verify", undefined, value)).status).toBe(200);
    await browser.screenshot(page, "tokens-created");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.content()).not.toContain(value);
    await page.getByRole("link", { name: "Tunnels" }).click();
    await page.getByRole("link", { name: "API tokens" }).click();
    await page.locator(`tr[data-token-id="${own.id}"]`).getByText("(this session)").waitFor();
    expect(await page.content()).not.toContain(value);
    expect(await page.content()).not.toContain(own.value);
    await browser.screenshot(page, "tokens");

    // A create without scopes: the API's message appears beside the scopes.
    await page.getByLabel("Name", { exact: true }).fill("no-scopes");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.locator('[data-error-for="scopes"]').getByText("scopes must list some of").waitFor();

    await page.getByRole("button", { name: "Revoke browser-session" }).click();
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await page.getByText("Signed out: this API token was revoked").waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect((await api("GET", "/accounts", undefined, own.value)).status).toBe(401);
    await browser.screenshot(page, "signed-out");
    await page.close();
  });

  it("downloads a cert.pem holding the session's account, zone, token and endpoint", async () => {
    const page = await signIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "cert.pem" }).click();
    await page.getByRole("heading", { level: 1, name: "cert.pem for cloudflared" }).waitFor();
    expect(await page.content()).not.toContain(ADMIN_TOKEN);
    await browser.screenshot(page, "cert");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download cert.pem" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("cert.pem");
    const pem = await readFile((await download.path()) as string, "utf8");
    const match =
      /^-----BEGIN ARGO TUNNEL TOKEN-----\n([A-Za-z0-9+/=\n]+)\n-----END ARGO TUNNEL TOKEN-----\n$/.exec(
        pem,
      );
    expect(match).not.toBeNull();
    const lines = (match?.[1] ?? "").split("\n");
    expect(lines.every((line) => line.length <= 64)).toBe(true);
    const cert = JSON.parse(Buffer.from(lines.join(""), "base64").toString("utf8"));
    const zones = await api<Array<{ id: string }>>("GET", "/zones");
    expect(cert).toEqual({
      zoneID: zones.body.result[0]?.id,
      accountID: ACCOUNT,
      apiToken: ADMIN_TOKEN,
      endpoint: edge.url.origin,
    });
    await page.close();
  });

  it("lists the account's audit log, newest first", async () => {
    const tunnel = await createTunnel("browser-audit");
    const page = await signIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { level: 1, name: "Audit log" }).waitFor();
    const first = page.locator("tr[data-audit-id]").first();
    await first.getByRole("link", { name: "browser-audit" }).waitFor();
    expect(await first.textContent()).toContain("Created");
    expect(
      await page.locator("tr[data-audit-id]", { hasText: "browser-web" }).count(),
    ).toBeGreaterThan(0);
    expect(tunnel.id).toMatch(/^[0-9a-f-]{36}$/);
    await browser.screenshot(page, "audit");
    await page.close();
  });

  it("is readable at 360 px wide with no sideways scrolling", async () => {
    const page = await signIn(ADMIN_TOKEN);
    await page.setViewportSize({ width: 360, height: 780 });
    for (const [link, heading] of [
      ["Tunnels", "Tunnels"],
      ["API tokens", "API tokens"],
      ["VPC services", "VPC services"],
      ["Audit log", "Audit log"],
    ] as const) {
      await page.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      await page
        .locator("main table:visible, main p.muted:visible, main .form-alert:visible")
        .first()
        .waitFor();
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, heading).toBeLessThanOrEqual(360);
    }
    await page.getByRole("link", { name: "Tunnels", exact: true }).click();
    await page.locator("tr[data-tunnel-id]").first().waitFor();
    await browser.screenshot(page, "tunnels-360px");
    await page.close();
  });

  it("never puts a token in a URL or a console line", () => {
    expect(browser.seen.length).toBeGreaterThan(0);
    for (const line of browser.seen) {
      for (const token of tokens) expect(line).not.toContain(token);
    }
  });
});
