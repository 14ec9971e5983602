/**
 * wrangler 4.86's own `tunnel` and `vpc service` commands against the local edge, run as child
 * processes with CLOUDFLARE_API_BASE_URL pointed at <edge>/client/v4: what a wrangler user types
 * works against a self-hosted Burrow with one environment variable changed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, workerVars } from "@burrow/local-edge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";

const ADMIN_TOKEN = "wrangler-e2e-admin-token";
const ACCOUNT = workerVars("workers/api/wrangler.toml").ACCOUNT_TAG ?? "";
const WRANGLER = path.join(REPO_ROOT, "node_modules/wrangler/bin/wrangler.js");
/** wrangler boots in a few seconds; a command that takes longer than this is stuck. */
const COMMAND_TIMEOUT_MS = 60_000;
/** Each test runs up to eight wrangler processes, one after another, on a shared 2-core machine. */
const TEST_TIMEOUT_MS = 300_000;

let edge: TestEdge;
let home: string;

beforeAll(async () => {
  edge = await startEdge({ vars: { "burrow-api": { ADMIN_TOKEN } } });
  home = await mkdtemp(path.join(tmpdir(), "burrow-wrangler-home-"));
});

afterAll(async () => {
  await edge?.dispose();
  if (home) await rm(home, { recursive: true, force: true });
});

/** Runs `wrangler <args>` with the edge as its API; resolves with its exit code and output. */
function wrangler(...args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [WRANGLER, ...args],
      {
        cwd: home,
        timeout: COMMAND_TIMEOUT_MS,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          CLOUDFLARE_API_BASE_URL: new URL("client/v4", edge.url).href,
          CLOUDFLARE_API_TOKEN: ADMIN_TOKEN,
          CLOUDFLARE_ACCOUNT_ID: ACCOUNT,
          WRANGLER_SEND_METRICS: "false",
          CI: "true",
          NO_COLOR: "1",
        },
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

async function succeeds(...args: string[]): Promise<string> {
  const { code, output } = await wrangler(...args);
  expect(code, `wrangler ${args.join(" ")}:\n${output}`).toBe(0);
  return output;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe("wrangler's own commands against Burrow", { timeout: TEST_TIMEOUT_MS }, () => {
  it("creates, lists, shows and deletes a tunnel with `wrangler tunnel`", async () => {
    const created = await succeeds("tunnel", "create", "wrangler-web");
    expect(created).toMatch(/Created tunnel/);
    expect(created).toMatch(/Name: wrangler-web/);
    const id = /ID: ([0-9a-f-]{36})/.exec(created)?.[1] ?? "";
    expect(id).toMatch(UUID);

    const listed = await succeeds("tunnel", "list");
    expect(listed).toContain(id);
    expect(listed).toContain("wrangler-web");

    for (const ref of [id, "wrangler-web"]) {
      const info = await succeeds("tunnel", "info", ref);
      expect(info).toContain(`ID: ${id}`);
      expect(info).toMatch(/Name: wrangler-web/);
      expect(info).toMatch(/Status: inactive/);
    }

    const deleted = await succeeds("tunnel", "delete", "wrangler-web");
    expect(deleted).toMatch(/Tunnel deleted/);
    expect(await succeeds("tunnel", "list")).not.toContain(id);
  });

  it("creates, lists, gets, updates and deletes a VPC service with `wrangler vpc service`", async () => {
    const tunnel = await succeeds("tunnel", "create", "wrangler-vpc");
    const tunnelId = /ID: ([0-9a-f-]{36})/.exec(tunnel)?.[1] ?? "";

    const created = await succeeds(
      "vpc",
      "service",
      "create",
      "wrangler-api",
      "--type",
      "http",
      "--tunnel-id",
      tunnelId,
      "--hostname",
      "h",
      "--http-port",
      "8080",
    );
    const serviceId = /Created VPC service: ([0-9a-f-]{36})/.exec(created)?.[1] ?? "";
    expect(serviceId).toMatch(UUID);
    expect(created).toMatch(/Name: wrangler-api/);
    expect(created).toMatch(/HTTP Port: 8080/);
    expect(created).toContain(`Tunnel ID: ${tunnelId}`);

    const listed = await succeeds("vpc", "service", "list");
    expect(listed).toContain(serviceId);
    expect(listed).toContain("wrangler-api");
    expect(listed).toContain("HTTP:8080");

    const got = await succeeds("vpc", "service", "get", serviceId);
    expect(got).toContain(`Retrieved VPC service: ${serviceId}`);
    expect(got).toMatch(/Hostname: h\b/);

    const updated = await succeeds(
      "vpc",
      "service",
      "update",
      serviceId,
      "--name",
      "wrangler-db",
      "--type",
      "tcp",
      "--tunnel-id",
      tunnelId,
      "--ipv4",
      "10.0.0.9",
      "--tcp-port",
      "5432",
      "--app-protocol",
      "postgresql",
    );
    expect(updated).toMatch(/Name: wrangler-db/);
    expect(updated).toMatch(/TCP Port: 5432/);
    expect(updated).toMatch(/App Protocol: postgresql/);

    const deleted = await succeeds("vpc", "service", "delete", serviceId);
    expect(deleted).toContain(`Deleted VPC service: ${serviceId}`);
    expect(await succeeds("vpc", "service", "list")).toMatch(/No VPC services found/);
  });

  it("exits non-zero with the API's message for an unknown service", async () => {
    const unknown = await wrangler("vpc", "service", "get", crypto.randomUUID());
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toMatch(/no VPC service/);
  });
});
