import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { attachFakeConnector, type FakeConnector } from "./harness/fake-connector";
import { visit, visitorAgent } from "./harness/visitor";

const BURROW_BIN = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../packages/connector/bin/burrow.mjs",
);
const ADMIN_TOKEN = "e2e-admin-token";
/** The API Worker's name (workers/api/wrangler.toml) and its wrangler.toml account and zone. */
const API_WORKER = "burrow-api";
const ACCOUNT = "0000000000000000000000000000b055";
const ZONE_ID = "000000000000000000000000000020e5";
/** tsx compiles the CLI on each start; on a busy two-core machine that can take many seconds. */
const CLI_TIMEOUT_MS = 60_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * End to end: the real `burrow` CLI as a child process, HOME in a temp dir (so cert.pem and the
 * credentials files land there), against a real local edge whose API Worker has an ADMIN_TOKEN.
 */
describe("burrow login and tunnel management commands", () => {
  let edge: TestEdge;
  let home: string;
  const fakes: FakeConnector[] = [];
  const edgeBase = () => edge.url.href.replace(/\/+$/, "");

  function burrow(args: string[], env: Record<string, string> = {}): Promise<Run> {
    // The parent's TUNNEL_* / BURROW_* settings must not leak into what the test checks.
    const clean = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^(TUNNEL_|BURROW_)/.test(key)),
    );
    const child = spawn(process.execPath, [BURROW_BIN, ...args], {
      env: { ...clean, HOME: home, BURROW_EDGE: edgeBase(), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`burrow ${args.join(" ")} did not exit; stderr: ${stderr}`));
      }, CLI_TIMEOUT_MS);
      child.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs a command that must succeed. */
  async function ok(args: string[], env?: Record<string, string>): Promise<Run> {
    const run = await burrow(args, env);
    if (run.code !== 0) {
      throw new Error(`burrow ${args.join(" ")} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
    }
    return run;
  }

  const certPath = () => path.join(home, ".cloudflared", "cert.pem");
  const credentialsPath = (id: string) => path.join(home, ".cloudflared", `${id}.json`);
  let webId = "";
  let webSecret = "";
  let apiId = "";

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), "burrow-home-"));
    edge = await startEdge({
      vars: { [API_WORKER]: { ADMIN_TOKEN, TUNNEL_SECRET_KEY: "e2e-sealing-key" } },
    });
  });

  afterAll(async () => {
    for (const fake of fakes) fake.socket.terminate();
    visitorAgent.destroy();
    await edge?.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it("refuses a wrong token with the API's authentication error and writes no cert.pem", async () => {
    const run = await burrow(["login", "--edge", edgeBase(), "--token", "wrong"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("the API refused the token (Authentication error)");
    expect(run.stderr).toContain("code 10000");
    await expect(stat(certPath())).rejects.toThrow();
  });

  it("logs in: cert.pem in ~/.cloudflared with the account, zone, token and API endpoint", async () => {
    const run = await ok(["login", "--edge", edgeBase()], { BURROW_API_TOKEN: ADMIN_TOKEN });
    expect(run.stdout).toBe(
      `You have successfully logged in.\nIf you wish to copy your credentials to a server, they have been saved to:\n${certPath()}\n`,
    );
    expect((await stat(certPath())).mode & 0o777).toBe(0o600);
    const pem = await readFile(certPath(), "utf8");
    const body = /-----BEGIN ARGO TUNNEL TOKEN-----\n([\s\S]+)-----END ARGO TUNNEL TOKEN-----/.exec(
      pem,
    )?.[1];
    expect(JSON.parse(Buffer.from(body ?? "", "base64").toString("utf8"))).toEqual({
      zoneID: ZONE_ID,
      accountID: ACCOUNT,
      apiToken: ADMIN_TOKEN,
      endpoint: `${edgeBase()}/client/v4`,
    });
  });

  it("refuses to log in over an existing cert.pem", async () => {
    const run = await burrow(["login", "--edge", edgeBase(), "--token", ADMIN_TOKEN]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `You have an existing certificate at ${certPath()} which login would overwrite.`,
    );
  });

  it("creates a tunnel and writes <uuid>.json (0400, cloudflared's keys) next to cert.pem", async () => {
    const run = await ok(["tunnel", "create", "web"]);
    webId = UUID.exec(run.stdout)?.[0] ?? "";
    const file = credentialsPath(webId);
    expect(run.stdout).toBe(
      `Tunnel credentials written to ${file}. burrow chose this file based on where your origin certificate was found. Keep this file secret. To revoke these credentials, delete the tunnel.\n\nCreated tunnel web with id ${webId}\n`,
    );
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    const json = JSON.parse(await readFile(file, "utf8"));
    expect(Object.keys(json)).toEqual(["AccountTag", "TunnelSecret", "TunnelID", "Endpoint"]);
    expect(json).toMatchObject({ AccountTag: ACCOUNT, TunnelID: webId, Endpoint: edgeBase() });
    expect(Buffer.from(json.TunnelSecret, "base64")).toHaveLength(32);
    webSecret = json.TunnelSecret;
  });

  it("refuses a duplicate name with the 1013 explanation", async () => {
    const run = await burrow(["tunnel", "create", "web"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("tunnel with name already exists (web)");
    expect(run.stderr).toContain("code 1013");
  });

  it("creates with --secret and --cred-file, flags given before the subcommand too", async () => {
    const secret = Buffer.alloc(32, 7).toString("base64");
    const file = path.join(home, "api.json");
    const run = await ok([
      "tunnel",
      "--origincert",
      certPath(),
      "create",
      "--secret",
      secret,
      "--cred-file",
      file,
      "api",
    ]);
    apiId = UUID.exec(run.stdout)?.[0] ?? "";
    expect(run.stdout).toContain(`Tunnel credentials written to ${file}. Keep this file secret.`);
    expect(JSON.parse(await readFile(file, "utf8")).TunnelSecret).toBe(secret);
  });

  it("lists tunnels in cloudflared's table, with connections per colo once a connector attaches", async () => {
    const before = await ok(["tunnel", "list"]);
    const lines = before.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      "You can obtain more detailed information for each tunnel with `burrow tunnel info <name/uuid>`",
    );
    expect(lines[1]).toMatch(/^ID +NAME +CREATED +CONNECTIONS *$/);
    // Sorted by name: api, then web.
    expect(lines[2]).toMatch(
      new RegExp(`^${apiId} +api +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ *$`),
    );
    expect(lines[3]).toMatch(new RegExp(`^${webId} +web +\\S+Z *$`));

    fakes.push(await attachFakeConnector(edge.url, { id: webId, secret: webSecret }));
    const after = await ok(["tunnel", "list", "--name", "web"]);
    expect(after.stdout).toMatch(new RegExp(`${webId} +web +\\S+Z +1x\\w+ *\\n`));
    expect(after.stdout).not.toContain(apiId);

    const json = JSON.parse(
      (await ok(["tunnel", "--api-url", `${edgeBase()}/client/v4`, "list", "--output", "json"]))
        .stdout,
    );
    expect(json.map((tunnel: { name: string }) => tunnel.name)).toEqual(["api", "web"]);
  });

  it("shows a tunnel's connectors by name with arch, version, origin IP and edge", async () => {
    // A shared flag after the subcommand is still a flag with its value, not a second tunnel.
    const run = await ok(["tunnel", "info", "web", "--origincert", certPath()]);
    const lines = run.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("NAME:     web");
    expect(lines[1]).toBe(`ID:       ${webId}`);
    expect(lines[2]).toMatch(/^CREATED: {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC$/);
    expect(lines[4]).toMatch(/^CONNECTOR ID +CREATED +ARCHITECTURE +VERSION +ORIGIN IP +EDGE *$/);
    expect(lines[5]).toMatch(new RegExp(`^${UUID.source} +\\S+Z +test +e2e +\\S* *1x\\w+ *$`));

    const idle = await ok(["tunnel", "info", apiId]);
    expect(idle.stdout).toBe(`Your tunnel ${apiId} does not have any active connection.\n`);

    const unknown = await burrow(["tunnel", "info", "nosuch"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(
      "nosuch is neither the ID nor the name of any of your tunnels",
    );
  });

  it("routes a hostname, says when it already routes there, and refuses another tunnel's hostname without --overwrite-dns", async () => {
    const added = await ok(["tunnel", "route", "dns", "web", "web-e2e.localhost"]);
    expect(added.stderr).toContain(
      `Added CNAME web-e2e.localhost which will route to this tunnel tunnelID=${webId}`,
    );
    const again = await ok(["tunnel", "route", "dns", webId, "web-e2e.localhost"]);
    expect(again.stderr).toContain(
      `web-e2e.localhost is already configured to route to your tunnel tunnelID=${webId}`,
    );
    // Visitors of the routed hostname reach the tunnel's connector.
    const visited = await visit({ port: edge.port, hostname: "web-e2e.localhost", path: "/hi" });
    expect(visited.body.toString()).toBe("fake:/hi");

    const conflict = await burrow(["tunnel", "route", "dns", "api", "web-e2e.localhost"]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain("Failed to add route: code: 1003");
    expect(conflict.stderr).toContain("add --overwrite-dns (-f)");

    const moved = await ok([
      "tunnel",
      "route",
      "dns",
      "--overwrite-dns",
      "api",
      "web-e2e.localhost",
    ]);
    expect(moved.stderr).toContain(
      `web-e2e.localhost updated to route to your tunnel tunnelID=${apiId}`,
    );
    const back = await ok(["tunnel", "route", "dns", "-f", "web", "web-e2e.localhost"]);
    expect(back.stderr).toContain(`tunnelID=${webId}`);
  });

  it("prints the tunnel token with the edge in e, or writes it as a credentials file", async () => {
    const run = await ok(["tunnel", "token", "web"]);
    expect(JSON.parse(Buffer.from(run.stdout.trim(), "base64").toString("utf8"))).toEqual({
      a: ACCOUNT,
      t: webId,
      s: webSecret,
      e: edgeBase(),
    });
    const file = path.join(home, "from-token.json");
    await ok(["tunnel", "token", "--cred-file", file, "web"]);
    expect((await stat(file)).mode & 0o777).toBe(0o400);
    expect(await readFile(file, "utf8")).toBe(await readFile(credentialsPath(webId), "utf8"));
  });

  it("cleans up a tunnel's connections, closing the attached connector", async () => {
    const run = await ok(["tunnel", "cleanup", "web"]);
    expect(run.stderr).toContain(`Cleanup connection for tunnel ${webId}`);
    await fakes[0]!.closed;
    const info = await ok(["tunnel", "info", "web"]);
    expect(info.stdout).not.toMatch(/CONNECTOR ID/);
  });

  it("refuses to delete a tunnel with a live connector, deletes it with -f, then refuses a second delete", async () => {
    const fake = await attachFakeConnector(edge.url, { id: webId, secret: webSecret });
    fakes.push(fake);
    const refused = await burrow(["tunnel", "delete", "web"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `You can not delete tunnel ${webId} because it has active connections.`,
    );
    expect(refused.stderr).toContain("-f / --force");

    await ok(["tunnel", "delete", "-f", "web"]);
    await fake.closed;
    await expect(stat(credentialsPath(webId))).rejects.toThrow();

    const twice = await burrow(["tunnel", "delete", webId]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain(`Tunnel ${webId} has already been deleted`);
  });

  it("lists deleted tunnels only with --show-deleted", async () => {
    const live = await ok(["tunnel", "list"]);
    expect(live.stdout).toContain(apiId);
    expect(live.stdout).not.toContain(webId);
    const all = await ok(["tunnel", "list", "--show-deleted"]);
    expect(all.stdout).toContain(apiId);
    expect(all.stdout).toContain(webId);
  });
});
