import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { visit } from "./harness/visitor";

const BURROW = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../packages/connector/bin/burrow.mjs",
);
const ADMIN_TOKEN = "tunnel-run-e2e-admin-token";
// workers/api/wrangler.toml [vars].
const ACCOUNT = "0000000000000000000000000000b055";
const ZONE = "000000000000000000000000000020e5";

/** A named origin that answers its name; `/hold` waits until released. */
interface NamedOrigin {
  url: string;
  release(): void;
  held(): number;
  close(): Promise<void>;
}

async function namedOrigin(name: string): Promise<NamedOrigin> {
  let waiting: Array<() => void> = [];
  const server = http.createServer((request, response) => {
    const answer = () => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`${name} ${request.url}`);
    };
    if (request.url?.startsWith("/hold")) {
      waiting.push(answer);
      setTimeout(answer, 60_000).unref();
    } else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    release: () => {
      for (const answer of waiting) answer();
      waiting = [];
    },
    held: () => waiting.length,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function until<T>(
  check: () => Promise<T | null | false>,
  ms: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface RunningConnector {
  child: ChildProcess;
  logs(): string;
  metricsUrl: URL;
  exited: Promise<number | null>;
}

const running = new Set<RunningConnector>();

/** Spawns the real CLI with a fresh HOME (so no ~/.cloudflared of the machine is read). */
async function spawnBurrow(args: string[], home: string): Promise<RunningConnector> {
  const child = spawn(process.execPath, [BURROW, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, HOME: home, BURROW_EDGE: "", TUNNEL_TOKEN: "" },
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (text: string) => (output += text));
  child.stderr!.setEncoding("utf8").on("data", (text: string) => (output += text));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  const connector: RunningConnector = {
    child,
    logs: () => output,
    metricsUrl: new URL("http://127.0.0.1:0"),
    exited,
  };
  running.add(connector);
  void exited.then(() => running.delete(connector));
  const line = await until(
    async () =>
      /metrics on (http:\/\/\S+)\/metrics/.exec(output) ??
      (child.exitCode !== null ? Promise.reject() : null),
    45_000,
    `metrics line (logs: ${output.slice(-500)})`,
  ).catch(() => {
    throw new Error(`burrow did not start: ${output}`);
  });
  connector.metricsUrl = new URL(line[1]!);
  return connector;
}

async function readyConnections(connector: RunningConnector): Promise<number> {
  const response = await fetch(new URL("/ready", connector.metricsUrl));
  return ((await response.json()) as { readyConnections: number }).readyConnections;
}

describe("burrow tunnel run", () => {
  let edge: TestEdge;
  let home: string;
  let originA: NamedOrigin;
  let originB: NamedOrigin;

  const api = async (method: string, route: string, body?: unknown) => {
    const send = () =>
      fetch(new URL(`/client/v4${route}`, edge.url), {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // workerd may close an idle keep-alive socket just as fetch reuses it ("other side closed"):
    // the request never reached a Worker, so it is sent once more.
    const response = await send().catch(send);
    // biome-ignore lint/suspicious/noExplicitAny: each call reads the fields of its own result.
    const envelope = (await response.json()) as { success: boolean; result: any };
    if (!envelope.success) throw new Error(`${method} ${route}: ${JSON.stringify(envelope)}`);
    return envelope.result;
  };
  const route = (tunnelId: string, hostname: string) =>
    api("PUT", `/zones/${ZONE}/tunnels/${tunnelId}/routes`, {
      type: "dns",
      user_hostname: hostname,
      overwrite_existing: false,
    });
  const body = async (hostname: string, pathname = "/") => {
    const page = await visit({ port: edge.port, hostname, path: pathname });
    return `${page.status} ${page.body.toString()}`;
  };

  beforeAll(async () => {
    edge = await startEdge({ vars: { "burrow-api": { ADMIN_TOKEN } } });
    home = mkdtempSync(path.join(os.tmpdir(), "burrow-run-"));
    originA = await namedOrigin("A");
    originB = await namedOrigin("B");
  });

  afterAll(async () => {
    for (const connector of running) connector.child.kill("SIGKILL");
    await originA?.close();
    await originB?.close();
    await edge?.dispose();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it("serves each hostname from its ingress rule over 4 connections, the first overlapping rule winning", async () => {
    const tunnel = await api("POST", `/accounts/${ACCOUNT}/cfd_tunnel`, { name: "web" });
    await route(tunnel.id, "app.localhost");
    await route(tunnel.id, "api.localhost");
    const credentialsFile = path.join(home, `${tunnel.id}.json`);
    // The credentials file names the edge (Endpoint), so the run needs no --edge.
    writeFileSync(
      credentialsFile,
      JSON.stringify({ ...tunnel.credentials_file, Endpoint: edge.url.origin }),
    );
    const config = path.join(home, "config.yml");
    writeFileSync(
      config,
      [
        `tunnel: ${tunnel.id}`,
        `credentials-file: ${credentialsFile}`,
        "ingress:",
        "  - hostname: app.localhost",
        `    service: ${originA.url}`,
        '  - hostname: "*.localhost"',
        "    path: ^/b",
        `    service: ${originB.url}`,
        "  - service: http_status:418",
        "",
      ].join("\n"),
    );
    const connector = await spawnBurrow(
      ["tunnel", "--config", config, "run", "--metrics", "127.0.0.1:0"],
      home,
    );
    await until(async () => (await readyConnections(connector)) === 4, 30_000, "4 connections");
    const registered = connector.logs().match(/Registered tunnel connection connIndex=\d/g) ?? [];
    expect(registered).toHaveLength(4);

    const connectors = await until(
      async () => {
        const list = (await api(
          "GET",
          `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}/connections`,
        )) as Array<{ conns: unknown[] }>;
        return list.length === 1 && list[0]!.conns.length === 4 ? list : null;
      },
      10_000,
      "4 connections in /connections",
    );
    expect(connectors[0]!.conns).toHaveLength(4);

    expect(await body("app.localhost", "/x")).toBe("200 A /x");
    // app.localhost/b matches rule 0 and rule 1: the first wins.
    expect(await body("app.localhost", "/b/1")).toBe("200 A /b/1");
    expect(await body("api.localhost", "/b/2")).toBe("200 B /b/2");
    expect((await visit({ port: edge.port, hostname: "api.localhost", path: "/" })).status).toBe(
      418,
    );

    const metrics = await (await fetch(new URL("/metrics", connector.metricsUrl))).text();
    expect(metrics).toMatch(/burrow_tunnel_ingress_rule_requests_total\{rule="0"\} 2/);
    expect(metrics).toMatch(/burrow_tunnel_ingress_rule_requests_total\{rule="1"\} 1/);
    expect(metrics).toMatch(/burrow_tunnel_connection_registered\{conn_index="3"\} 1/);
    expect(await (await fetch(new URL("/healthcheck", connector.metricsUrl))).text()).toBe("OK\n");

    const ready = spawnSync(
      process.execPath,
      [BURROW, "tunnel", "ready", "--metrics", connector.metricsUrl.host],
      { encoding: "utf8" },
    );
    expect(ready.status).toBe(0);

    connector.child.kill("SIGTERM");
    expect(await connector.exited).toBe(143);
    const notReady = spawnSync(
      process.execPath,
      [BURROW, "tunnel", "ready", "--metrics", connector.metricsUrl.host],
      { encoding: "utf8" },
    );
    expect(notReady.status).toBe(1);
  });

  it("runs with --token alone and applies a remote configuration live without failing in-flight requests", async () => {
    const tunnel = await api("POST", `/accounts/${ACCOUNT}/cfd_tunnel`, {
      name: "remote",
      config_src: "cloudflare",
    });
    await route(tunnel.id, "remote.localhost");
    const put = (service: string) =>
      api("PUT", `/accounts/${ACCOUNT}/cfd_tunnel/${tunnel.id}/configurations`, {
        config: {
          ingress: [{ hostname: "remote.localhost", service }, { service: "http_status:404" }],
        },
      });
    await put(originA.url);
    // The token names the edge (`e`), as `burrow tunnel token` writes it.
    const claims = JSON.parse(Buffer.from(tunnel.token, "base64").toString("utf8"));
    const token = Buffer.from(JSON.stringify({ ...claims, e: edge.url.origin })).toString("base64");
    const connector = await spawnBurrow(
      ["tunnel", "run", "--token", token, "--metrics", "127.0.0.1:0", "--ha-connections", "2"],
      home,
    );
    await until(async () => (await readyConnections(connector)) === 2, 30_000, "2 connections");
    expect(await body("remote.localhost", "/one")).toBe("200 A /one");

    const held = visit({ port: edge.port, hostname: "remote.localhost", path: "/hold" });
    await until(async () => originA.held() === 1, 10_000, "held request");
    const v2 = await put(originB.url);
    // Steady traffic while the new version lands: every request succeeds, first on A then on B.
    const seen: string[] = [];
    await until(
      async () => {
        const answer = await body("remote.localhost", "/n");
        seen.push(answer);
        return answer === "200 B /n";
      },
      15_000,
      "the new configuration",
    );
    expect(seen.every((answer) => answer === "200 A /n" || answer === "200 B /n")).toBe(true);
    originA.release();
    expect(`${(await held).status} ${(await held).body}`).toBe("200 A /hold");
    const metrics = await (await fetch(new URL("/metrics", connector.metricsUrl))).text();
    expect(metrics).toContain(`burrow_tunnel_config_version ${v2.version}`);
    expect(connector.logs()).toContain(`Updated to new configuration version=${v2.version}`);
    connector.child.kill("SIGTERM");
    await connector.exited;
  });

  it("validates a config file and names the rule a URL matches, as cloudflared prints them", () => {
    const good = path.join(home, "good.yml");
    writeFileSync(
      good,
      "ingress:\n  - hostname: a.localhost\n    service: http://127.0.0.1:1\n  - hostname: '*.localhost'\n    service: http://127.0.0.1:2\n  - service: http_status:404\n",
    );
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [BURROW, "tunnel", ...args], {
        encoding: "utf8",
        env: { ...process.env, HOME: home },
      });
    const ok = cli("--config", good, "ingress", "validate");
    expect(ok.status).toBe(0);
    expect(ok.stdout.trim().split("\n").at(-1)).toBe("OK");
    const matched = cli("--config", good, "ingress", "rule", "https://x.y.localhost/p");
    expect(matched.stdout).toContain("Matched rule #1\n\thostname: *.localhost\n");

    const bad = path.join(home, "bad.yml");
    writeFileSync(
      bad,
      "ingress:\n  - hostname: a.localhost:8080\n    service: ssh://127.0.0.1:22\n  - service: http_status:404\n",
    );
    const failed = cli("--config", bad, "ingress", "validate");
    expect(failed.status).toBe(1);
    expect(failed.stdout).toMatch(
      /^Validation failed: Rule #1: hostname "a.localhost:8080" cannot contain a port/m,
    );
  });
});
