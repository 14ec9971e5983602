import { mkdir } from "node:fs/promises";
import path from "node:path";
import { type Connector, startConnector, stopAllConnectors } from "@burrow/connector/testing";
import { REPO_ROOT } from "@burrow/local-edge";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../harness/edge";
import { type Origin, startOrigin } from "../harness/origin";
import { visit, visitorAgent } from "../harness/visitor";
import { launchBrowser, type TestBrowser } from "./browser";

/** The inspector's screenshots, beside the dashboard's under CI's artifacts. */
const SCREENSHOT_DIR = path.join(REPO_ROOT, ".ci/artifacts/inspector");
/** How long the page may take to show what the connector recorded. */
const WAIT_MS = 15_000;

let edge: TestEdge;
let origin: Origin;
let connector: Connector;
let inspector: URL;
let browser: TestBrowser;

beforeAll(async () => {
  [edge, origin, browser] = await Promise.all([startEdge(), startOrigin(), launchBrowser()]);
  connector = await startConnector({
    edge: edge.url,
    origin: origin.url,
    args: ["--inspect", "127.0.0.1:0"],
  });
  const line = await connector.waitForLog(/inspector on (http:\/\/\S+)/);
  inspector = new URL(/inspector on (http:\/\/\S+)/.exec(line)![1]!);
  await mkdir(SCREENSHOT_DIR, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await stopAllConnectors();
  await origin?.close();
  visitorAgent.destroy();
  await edge?.dispose();
});

function screenshot(page: Page, name: string) {
  return page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

function seen(url: string): number {
  return origin.seen.filter((request) => request.url === url).length;
}

async function untilOriginSaw(url: string, count: number): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (seen(url) < count) {
    if (Date.now() > deadline)
      throw new Error(`origin saw ${url} ${seen(url)} times, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const send = (method: string, url: string, body?: string) =>
  visit({
    port: edge.port,
    hostname: connector.hostname,
    method,
    path: url,
    body,
    headers: body === undefined ? {} : { "content-type": "application/json" },
  });

describe("the connector inspector in a real browser", () => {
  it("shows a request as it happens, and Replay sends it to the origin a second time", async () => {
    const page = await browser.newPage();
    await page.goto(inspector.href);
    await page.getByText("live", { exact: true }).waitFor({ timeout: WAIT_MS });
    await screenshot(page, "empty");

    const url = "/upload?hook=browser";
    const answer = await send("POST", url, JSON.stringify({ event: "invoice.paid", amount: 42 }));
    expect(answer.status).toBe(200);
    // It appears without a reload (the live feed).
    const row = page.locator("#requests tbody tr", { hasText: url });
    await row.waitFor({ timeout: WAIT_MS });
    await row.getByRole("button", { name: url }).click();
    await page.getByRole("heading", { name: `POST ${url}` }).waitFor();
    // The JSON body is pretty-printed.
    await page
      .locator("#request-body pre")
      .getByText('"event": "invoice.paid"')
      .waitFor({ timeout: WAIT_MS });
    await page.locator("#response-status").getByText("200 OK").waitFor({ timeout: WAIT_MS });
    await screenshot(page, "request");

    expect(seen(url)).toBe(1);
    await page.getByRole("button", { name: "Replay", exact: true }).click();
    await untilOriginSaw(url, 2);
    // The replay is listed, marked as one.
    await page
      .locator("#requests tbody tr", { hasText: url })
      .filter({ has: page.locator(".badge", { hasText: "replay" }) })
      .waitFor({ timeout: WAIT_MS });
    await page.getByText(/^replayed as /).waitFor();
    await screenshot(page, "replayed");
    await page.close();
  });

  it("replays with a changed path and body from the form, and filters the list by path", async () => {
    const page = await browser.newPage();
    await page.goto(inspector.href);
    await send("GET", "/echo-headers?other=1");
    const url = "/upload?hook=edit";
    await send("POST", url, JSON.stringify({ n: 1 }));
    const row = page.locator("#requests tbody tr", { hasText: url });
    await row.waitFor({ timeout: WAIT_MS });
    await row.getByRole("button", { name: url }).click();
    await page.getByRole("heading", { name: `POST ${url}` }).waitFor();
    await page.getByRole("button", { name: "Replay with changes" }).click();
    await page.getByLabel("Path", { exact: true }).fill("/upload?hook=edited");
    await page.getByLabel("Body", { exact: true }).fill(JSON.stringify({ n: 2 }));
    await screenshot(page, "replay-with-changes");
    await page.getByRole("button", { name: "Send replay" }).click();
    await untilOriginSaw("/upload?hook=edited", 1);
    await page
      .locator("#requests tbody tr", { hasText: "/upload?hook=edited" })
      .waitFor({ timeout: WAIT_MS });

    await page.getByLabel("Path contains").fill("hook=edited");
    await expect
      .poll(() => page.locator("#requests tbody tr").count(), { timeout: WAIT_MS })
      .toBe(1);
    await page.getByLabel("Path contains").fill("");
    await page.getByLabel("Status").selectOption("4");
    // Every request in this file was answered 200: no row is a 4xx.
    await expect
      .poll(() => page.locator("#requests tbody tr").count(), { timeout: WAIT_MS })
      .toBe(0);
    await page.close();
    // No body reached the logs.
    expect(connector.logs()).not.toContain("invoice.paid");
  });
});
