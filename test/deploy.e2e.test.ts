import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO_ROOT, WORKERS } from "@burrow/local-edge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CloudflareApiStandIn, startCloudflareApi } from "./harness/cloudflare-api";

// `pnpm run deploy` without an account: the real scripts/deploy.ts and the real wrangler CLI,
// pointed at a stand-in for the Cloudflare API routes they use (CLOUDFLARE_API_BASE_URL), which
// records every call. Run twice against the same stand-in: the second run changes nothing.

let api: CloudflareApiStandIn;
let scratch = "";
/** Every Worker's wrangler.toml as it was before any deploy ran. */
const configsBefore = new Map(
  WORKERS.map((worker) => path.join(REPO_ROOT, worker.config)).map((config) => [
    config,
    readFileSync(config, "utf8"),
  ]),
);
beforeAll(async () => {
  api = await startCloudflareApi();
  scratch = mkdtempSync(path.join(tmpdir(), "burrow-deploy-test-"));
});
afterAll(async () => {
  await api?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Runs scripts/deploy.ts (async: the stand-in answers from this process). */
function deploy(args: string[] = []): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/deploy.ts", ...args], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      CLOUDFLARE_API_BASE_URL: api.baseUrl,
      CLOUDFLARE_API_TOKEN: "stand-in-token",
      CLOUDFLARE_ACCOUNT_ID: api.accountId,
      BURROW_DEPLOY_STATE: path.join(scratch, "deploy-state.json"),
      WRANGLER_SEND_METRICS: "false",
      CI: "1",
    },
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, output })));
}

const ORDER = [
  "burrow-quick-tunnel",
  "burrow-edge",
  "burrow-reaper",
  // The API calls the binding Worker (VPC_SERVICE_CACHE), so the binding goes first.
  "burrow-binding",
  "burrow-api",
];
const callsNamed = (method: string, pattern: RegExp, from = 0) =>
  api.calls.slice(from).filter((call) => call.method === method && pattern.test(call.path));

// Each run bundles five Workers and makes a hundred wrangler API calls: a minute on a busy machine.
describe("pnpm run deploy", { timeout: 240_000 }, () => {
  it("--dry-run prints the plan and bundles every Worker without calling the API", async () => {
    const run = await deploy(["--dry-run"]);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(`Workers, in order: ${ORDER.join(" → ")}`);
    for (const config of ["wrangler.deploy.toml", "workers/binding/wrangler.deploy.toml"]) {
      expect(run.output).toContain(`wrangler deploy --dry-run -c ${config}`);
    }
    expect(api.calls).toEqual([]);
  });

  it("creates D1, migrates, deploys in dependency order, lists unset secrets and the edge URL", async () => {
    const run = await deploy();
    expect(run.code, run.output).toBe(0);

    const d1 = callsNamed("GET", /\/d1\/database$/);
    expect(d1.length).toBeGreaterThan(0);
    expect(callsNamed("POST", /\/d1\/database$/)).toHaveLength(1);
    const databaseId = api.databases.get("burrow") as string;
    expect(run.output).toContain(`D1 "burrow" created: ${databaseId}`);
    // Every migration file, each recorded in wrangler's d1_migrations table.
    expect(api.sql.filter((sql) => /INSERT INTO d1_migrations/.test(sql)).length).toBeGreaterThan(
      0,
    );

    // Uploads in dependency order: the edge (host of the Tunnel DO) before every Worker that
    // binds that DO, each with the real database id in its DB binding.
    const uploads = callsNamed("PUT", /\/workers\/scripts\/[^/]+$/).map((call) =>
      call.path.split("/").at(-1),
    );
    expect(uploads).toEqual(ORDER);
    for (const name of ORDER) expect(api.uploadBodies.get(name)).toContain(databaseId);
    // Order of the steps: database, then migrations, then uploads, then secrets.
    const index = (method: string, pattern: RegExp) =>
      api.calls.findIndex((call) => call.method === method && pattern.test(call.path));
    expect(index("POST", /\/d1\/database$/)).toBeLessThan(index("POST", /\/query$/));
    expect(index("POST", /\/query$/)).toBeLessThan(index("PUT", /\/workers\/scripts\/[^/]+$/));
    expect(index("PUT", /burrow-api$/)).toBeLessThan(index("GET", /\/secrets$/));

    expect(run.output).toContain("wrangler secret put ADMIN_TOKEN -c workers/api/wrangler.toml");
    expect(run.output).toContain("edge: https://burrow-edge.burrow-test.workers.dev");

    // The committed configs keep their local id; the deploy-time copies are gone.
    for (const [config, text] of configsBefore) expect(readFileSync(config, "utf8")).toBe(text);
    expect(existsSync(path.join(REPO_ROOT, "wrangler.deploy.toml"))).toBe(false);
    expect(existsSync(path.join(REPO_ROOT, "workers/api/wrangler.deploy.toml"))).toBe(false);
  });

  it("changes nothing when run a second time", async () => {
    const before = api.calls.length;
    const sqlBefore = api.sql.length;
    const databaseId = api.databases.get("burrow");
    const run = await deploy();
    expect(run.code, run.output).toBe(0);

    expect(callsNamed("POST", /\/d1\/database$/, before)).toEqual([]);
    expect(api.databases.get("burrow")).toBe(databaseId);
    expect(run.output).toContain(`D1 "burrow" exists: ${databaseId}`);
    expect(api.sql.slice(sqlBefore).filter((sql) => /INSERT INTO/.test(sql))).toEqual([]);
    expect(callsNamed("PUT", /./, before)).toEqual([]);
    expect(callsNamed("POST", /\/subdomain$/, before)).toEqual([]);
    for (const name of ORDER) expect(run.output).toContain(`${name}: unchanged`);
    expect(run.output).toContain("edge: https://burrow-edge.burrow-test.workers.dev");
  });
});
