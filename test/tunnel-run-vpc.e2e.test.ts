/**
 * VPC services over a named tunnel: two `burrow tunnel run` replicas of one tunnel serve a VPC
 * service whose `tunnel_id` is that tunnel, one enabled by the config file's `vpc:` key and the
 * other by flags. The DNS question goes to one connector; either may carry the request.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ACCOUNT_TAG,
  EXAMPLE_SERVICE_ID,
  PRIVATE_HOSTNAME,
  startVpcStack,
  type VpcStack,
} from "../workers/binding/local/vpc-stack";
import { readyConnections, running, spawnBurrow, until } from "./harness/named-run";

let stack: VpcStack;
let home: string;

beforeAll(async () => {
  stack = await startVpcStack();
  home = mkdtempSync(path.join(os.tmpdir(), "burrow-run-vpc-"));
});

afterAll(async () => {
  for (const connector of running) connector.child.kill("SIGKILL");
  await stack?.close();
  if (home) rmSync(home, { recursive: true, force: true });
});

/** The connector's counter `name` (no labels) from its Prometheus `/metrics`. */
async function counter(metricsUrl: URL, name: string): Promise<number> {
  const text = await (await fetch(new URL("/metrics", metricsUrl))).text();
  return Number(new RegExp(`^${name} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
}

describe("a VPC service whose tunnel_id is a named tunnel with two replicas", () => {
  it("asks one replica the DNS question and lets either replica carry the requests", async () => {
    const created = await stack.admin("POST", `/client/v4/accounts/${ACCOUNT_TAG}/cfd_tunnel`, {
      name: "vpc-named",
    });
    const tunnel = (
      (await created.json()) as {
        result: { id: string; credentials_file: Record<string, string> };
      }
    ).result;
    const credentialsFile = path.join(home, `${tunnel.id}.json`);
    writeFileSync(
      credentialsFile,
      JSON.stringify({ ...tunnel.credentials_file, Endpoint: stack.edge.url.origin }),
    );
    const config = path.join(home, "config.yml");
    writeFileSync(
      config,
      [
        `tunnel: ${tunnel.id}`,
        `credentials-file: ${credentialsFile}`,
        "vpc:",
        "  enabled: true",
        "  allow: 127.0.0.0/8",
        `  resolver: ${stack.dns.address}`,
        "ingress:",
        "  - service: http_status:404",
        "",
      ].join("\n"),
    );
    const run = (...extra: string[]) =>
      spawnBurrow(
        [
          "tunnel",
          "--config",
          config,
          "run",
          "--metrics",
          "127.0.0.1:0",
          "--ha-connections",
          "2",
          ...extra,
        ],
        home,
      );
    const byFile = await run();
    const byFlags = await run(
      "--vpc",
      "--vpc-allow",
      "127.0.0.0/8",
      "--resolver",
      stack.dns.address,
    );
    for (const replica of [byFile, byFlags]) {
      await until(async () => (await readyConnections(replica)) === 2, 30_000, "2 connections");
    }
    expect(byFile.logs()).toContain("serving VPC services within 127.0.0.0/8");

    const put = await stack.admin("PUT", `/${EXAMPLE_SERVICE_ID}`, {
      type: "http",
      name: "example-private-api",
      http_port: stack.origin.port,
      host: { hostname: PRIVATE_HOSTNAME, resolver_network: { tunnel_id: tunnel.id } },
    });
    expect(put.status, await put.clone().text()).toBeLessThan(300);

    const before = stack.dns.questions.length;
    // Sequential calls: the Tunnel DO spreads them round-robin over the four connections.
    for (let n = 0; n < 16; n++) {
      const response = await stack.consumer(`/items?id=${n}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        path: `/items?id=${n}`,
        host: PRIVATE_HOSTNAME,
      });
    }
    const asked = stack.dns.questions.slice(before).filter((q) => q.name === PRIVATE_HOSTNAME);
    expect(asked.map((q) => q.type).sort()).toEqual(["A", "AAAA"]);
    const questions = await Promise.all(
      [byFile, byFlags].map((replica) =>
        counter(replica.metricsUrl, "burrow_vpc_dns_questions_total"),
      ),
    );
    // Two questions (A and AAAA), each asked of one connector: no replica asked twice over.
    expect(questions[0]! + questions[1]!).toBe(2);
    const served = await Promise.all(
      [byFile, byFlags].map((replica) =>
        counter(replica.metricsUrl, "burrow_tunnel_requests_total"),
      ),
    );
    expect(served[0]! + served[1]!).toBe(16);
    expect(served[0]).toBeGreaterThan(0);
    expect(served[1]).toBeGreaterThan(0);
    for (const replica of [byFile, byFlags]) replica.child.kill("SIGTERM");
    await Promise.all([byFile.exited, byFlags.exited]);
  });
});
