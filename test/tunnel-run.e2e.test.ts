import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import {
  ACCOUNT,
  adminApi,
  BURROW,
  type NamedOrigin,
  namedOrigin,
  readyConnections,
  running,
  spawnBurrow,
  until,
  ZONE,
} from "./harness/named-run";
import { visit } from "./harness/visitor";

const ADMIN_TOKEN = "tunnel-run-e2e-admin-token";

describe("burrow tunnel run", () => {
  let edge: TestEdge;
  let home: string;
  let originA: NamedOrigin;
  let originB: NamedOrigin;

  const api = adminApi(() => edge, ADMIN_TOKEN);
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
