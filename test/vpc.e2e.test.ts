/**
 * VPC services end to end: consumer Worker → binding Worker → Tunnel DO → the real connector with
 * `--vpc` → a real private API on 127.0.0.1, addressed by names only the connector's DNS server
 * (a real UDP server on 127.0.0.1, counting questions) knows.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startConnector, stopConnector } from "@burrow/connector/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EXAMPLE_SERVICE_ID,
  PRIVATE_HOSTNAME,
  startVpcStack,
  type VpcStack,
} from "../workers/binding/local/vpc-stack";

let stack: VpcStack;

beforeAll(async () => {
  stack = await startVpcStack({
    zone: {
      "burst.internal.test": { A: ["127.0.0.1"] },
      // 127.0.0.2 is loopback too, but nothing listens there: the first address refuses.
      "flaky.internal.test": { A: ["127.0.0.2", "127.0.0.1"] },
      "refused.internal.test": { A: ["127.0.0.2"] },
    },
  });
  await stack.registerExampleService();
});

afterAll(async () => {
  await stack?.close();
});

/** Points the example consumer's service at another definition (same id, as its props say). */
async function reconfigure(host: Record<string, unknown>, ports: Record<string, number> = {}) {
  const response = await stack.admin("PUT", `/${EXAMPLE_SERVICE_ID}`, {
    type: "http",
    name: "example-private-api",
    http_port: stack.origin.port,
    ...ports,
    host,
  });
  expect(response.status, await response.clone().text()).toBeLessThan(300);
}

const byName = (hostname: string) => ({
  hostname,
  resolver_network: { tunnel_id: stack.tunnelId },
});

async function questionsDuring(task: () => Promise<unknown>) {
  const before = stack.dns.questions.length;
  await task();
  return stack.dns.questions.slice(before);
}

describe("a consumer Worker calling its VPC service binding", () => {
  it("reaches the private API by a name only the connector's resolver knows, then from cache", async () => {
    await reconfigure(byName(PRIVATE_HOSTNAME));
    let body: Record<string, string> = {};
    const cold = await questionsDuring(async () => {
      const response = await stack.consumer("/items?id=7");
      expect(response.status).toBe(200);
      body = (await response.json()) as Record<string, string>;
    });
    expect(body).toMatchObject({ path: "/items?id=7", host: PRIVATE_HOSTNAME });
    expect(cold.map((q) => q.type).sort()).toEqual(["A", "AAAA"]);
    const warm = await questionsDuring(async () => {
      expect((await stack.consumer("/items?id=8")).status).toBe(200);
    });
    expect(warm).toEqual([]);
  });

  it("asks one question per record type for 100 concurrent first calls", async () => {
    await reconfigure(byName("burst.internal.test"));
    const asked = await questionsDuring(async () => {
      const responses = await Promise.all(
        Array.from({ length: 100 }, (_, i) => stack.consumer(`/burst/${i}`)),
      );
      expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
      await Promise.all(responses.map((r) => r.arrayBuffer()));
    });
    expect(
      asked
        .filter((q) => q.name === "burst.internal.test")
        .map((q) => q.type)
        .sort(),
    ).toEqual(["A", "AAAA"]);
  });

  it("tries the next address when the first refuses the connection", async () => {
    await reconfigure(byName("flaky.internal.test"));
    const response = await stack.consumer("/flaky");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ path: "/flaky", host: PRIVATE_HOSTNAME });
  });

  it("passes the origin's statuses through unchanged", async () => {
    await reconfigure(byName(PRIVATE_HOSTNAME));
    for (const status of [201, 404, 418, 500, 503]) {
      const response = await stack.consumer(`/status/${status}`);
      expect(response.status).toBe(status);
      expect(await response.text()).toBe(`status ${status}\n`);
    }
  });

  it("throws a clear error for NXDOMAIN", async () => {
    await reconfigure(byName("missing.internal.test"));
    const response = await stack.consumer("/x");
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /missing\.internal\.test.*NXDOMAIN/,
    );
  });

  it("throws a clear error when the connection is refused", async () => {
    await reconfigure(byName("refused.internal.test"));
    const response = await stack.consumer("/x");
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /could not connect to refused\.internal\.test on port \d+: .*ECONNREFUSED/,
    );
  });

  it("reaches only the service's host and port, whatever the URL says", async () => {
    await reconfigure(byName(PRIVATE_HOSTNAME));
    const secret = await startSecretServer();
    try {
      // The consumer builds `new URL(path, SERVICE_URL)`: a protocol-relative path swaps the URL's
      // host and port for the secret server's. Only Host changes; the bytes go to the service.
      const swapped = await stack.consumer(`//127.0.0.1:${secret.port}/secret`);
      expect(await swapped.json()).toMatchObject({
        service: "private-api",
        path: "/secret",
        host: "127.0.0.1",
      });
      // Absolute-form and double-slash paths stay paths on the service.
      const absolute = await stack.consumer(`/http://127.0.0.1:${secret.port}/secret`);
      expect(await absolute.json()).toMatchObject({
        path: `/http://127.0.0.1:${secret.port}/secret`,
      });
      // A redirect to the secret server is followed (or returned) through the same binding, so it
      // lands on the service again.
      const target = encodeURIComponent(`http://127.0.0.1:${secret.port}/secret`);
      const redirected = await stack.consumer(`/redirect?to=${target}`);
      if (redirected.status === 302) {
        expect(redirected.headers.get("location")).toContain(String(secret.port));
      } else {
        expect(await redirected.json()).toMatchObject({ service: "private-api", path: "/secret" });
      }
      expect(secret.hits).toBe(0);
    } finally {
      await secret.close();
    }
  });

  it("is refused by the connector for an address outside its allowed networks", async () => {
    await reconfigure({ ipv4: "192.168.77.1", network: { tunnel_id: stack.tunnelId } });
    const response = await stack.consumer("/x");
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /refused to dial 192\.168\.77\.1.*outside the networks this connector allows/,
    );
  });

  it("throws when the tunnel's only connector was started without --vpc", async () => {
    const plain = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    try {
      await reconfigure({
        hostname: PRIVATE_HOSTNAME,
        resolver_network: { tunnel_id: plain.tunnelId },
      });
      const response = await stack.consumer("/x");
      expect(response.status).toBe(502);
      expect(((await response.json()) as { error: string }).error).toMatch(
        /no live connector with VPC enabled/,
      );
    } finally {
      await stopConnector(plain);
    }
  });

  it("throws a clear error when no connector is live", async () => {
    await reconfigure(byName(PRIVATE_HOSTNAME));
    await stopConnector(stack.connector);
    // The DO notices the closed socket on its own; poll briefly rather than sleep a fixed time.
    let error = "";
    for (let attempt = 0; attempt < 50 && !error.includes("no live connector"); attempt++) {
      const response = await stack.consumer("/x");
      error = response.status === 502 ? ((await response.json()) as { error: string }).error : "";
      if (!error.includes("no live connector")) await new Promise((r) => setTimeout(r, 100));
    }
    expect(error).toMatch(/VPC service "example-private-api": the tunnel has no live connector/);
  });
});

/** A server the service must never reach; counts the requests it gets. */
async function startSecretServer() {
  let hits = 0;
  const server = http.createServer((_request, response) => {
    hits++;
    response.end("secret");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hits() {
      return hits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
