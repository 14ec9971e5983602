import { startConnector } from "@burrow/connector/testing";
import { describe, expect, it } from "vitest";
import { mintQuickTunnel } from "./harness/edge";
import { closedPort } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

describe("what visitors see", () => {
  const stack = useTunnelStack({ connector: true });

  it("answers 404 for a hostname no tunnel serves", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: "no-such-tunnel-here.localhost",
    });
    expect(response.status).toBe(404);
    expect(response.headers["x-burrow-error"]).toBe("1001");
    expect(response.headers["content-type"]).toContain("text/html");
  });

  it("answers 530 with error 1033 for a tunnel without a live connector", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const response = await visit({ port: stack.edge.port, hostname: tunnel.hostname });
    expect(response.status).toBe(530);
    expect(response.headers["x-burrow-error"]).toBe("1033");
    expect(response.body.toString("utf8")).toContain("Error 1033");
  });

  it("answers 431 when request headers exceed 32 KiB, and never reaches the origin", async () => {
    const before = stack.origin.seen.length;
    // Three 12 KiB headers: each under the 16 KiB single-header limit, 36 KiB together.
    const big = "v".repeat(12 * 1024);
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers: { "x-big-1": big, "x-big-2": big, "x-big-3": big },
    });
    expect(response.status).toBe(431);
    expect(response.headers["x-burrow-error"]).toBe("1034");
    expect(stack.origin.seen.length).toBe(before);
  });

  it("answers 431 for one header over 16 KiB", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers: { "x-huge": "v".repeat(17 * 1024) },
    });
    expect(response.status).toBe(431);
  });

  it("passes headers just under the limit through", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers: { "x-big-1": "v".repeat(14 * 1024), "x-big-2": "v".repeat(14 * 1024) },
    });
    expect(response.status).toBe(200);
    expect(response.headers["x-burrow-error"]).toBeUndefined();
    expect(JSON.parse(response.body.toString("utf8")).headers["x-big-2"]).toHaveLength(14 * 1024);
  });

  it("gives the origin the public Host, X-Forwarded-For and X-Forwarded-Proto", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers?q=1",
      headers: {
        "x-forwarded-proto": "https",
        "x-burrow-operation": "connect",
        "x-custom": "kept",
      },
    });
    expect(response.status).toBe(200);
    const seen = JSON.parse(response.body.toString("utf8")) as {
      url: string;
      headers: Record<string, string>;
    };
    expect(seen.url).toBe("/echo-headers?q=1");
    expect(seen.headers.host).toBe(`${stack.connector.hostname}:${stack.edge.port}`);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    // A visitor cannot claim a scheme, nor steer the edge with its internal headers.
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-burrow-operation"]).toBeUndefined();
    expect(seen.headers["x-custom"]).toBe("kept");
  });

  it("appends the visitor's address to an X-Forwarded-For it sent", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers: { "x-forwarded-for": "203.0.113.9" },
    });
    const seen = JSON.parse(response.body.toString("utf8")) as { headers: Record<string, string> };
    expect(seen.headers["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
  });

  it("answers 502 when the origin refuses connections", async () => {
    const downOrigin = new URL(`http://127.0.0.1:${await closedPort()}`);
    const orphan = await startConnector({ edge: stack.edge.url, origin: downOrigin });
    const response = await visit({ port: stack.edge.port, hostname: orphan.hostname, path: "/" });
    expect(response.status).toBe(502);
    expect(response.headers["x-burrow-error"]).toBe("1036");
    // The connector counts the failure and stays up for the next request.
    const again = await visit({ port: stack.edge.port, hostname: orphan.hostname, path: "/" });
    expect(again.status).toBe(502);
    const metrics = await (await fetch(new URL("/metrics", orphan.metricsUrl))).text();
    expect(metrics).toMatch(/^burrow_tunnel_request_errors_total 2$/m);
  });
});
