import { createHash } from "node:crypto";
import { startConnector } from "@burrow/connector/testing";
import { describe, expect, it } from "vitest";
import { deterministicSha256 } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { openRequest, readBody, visit, visitEventually } from "./harness/visitor";

describe("the burrow connector process", () => {
  const stack = useTunnelStack({ connector: false });

  it("serves /ready, /quicktunnel and /metrics on its --metrics address", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });

    const ready = await fetch(new URL("/ready", connector.metricsUrl));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 200, readyConnections: 1 });

    const quickTunnel = await fetch(new URL("/quicktunnel", connector.metricsUrl));
    expect(await quickTunnel.json()).toEqual({ hostname: connector.hostname });

    for (let i = 0; i < 3; i++) {
      expect(
        (
          await visit({
            port: stack.edge.port,
            hostname: connector.hostname,
            path: "/echo-headers",
          })
        ).status,
      ).toBe(200);
    }
    const metrics = await fetch(new URL("/metrics", connector.metricsUrl));
    expect(metrics.headers.get("content-type")).toContain("text/plain");
    const text = await metrics.text();
    expect(text).toContain("# TYPE burrow_tunnel_requests_total counter");
    expect(text).toMatch(/^burrow_tunnel_requests_total 3$/m);
    expect(text).toMatch(/^burrow_tunnel_requests_in_flight 0$/m);
    expect(text).toMatch(/^burrow_tunnel_ha_connections 1$/m);
  });

  it("finishes an in-flight request after SIGTERM, then exits with 143", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    const slow = visit({ port: stack.edge.port, hostname: connector.hostname, path: "/slow" });
    await stack.origin.waitForSlowHeld(1);

    connector.process.kill("SIGTERM");
    await connector.waitForLog(/SIGTERM: finishing in-flight requests/);
    // Draining: the process waits for the held request instead of exiting.
    expect(connector.process.exitCode).toBeNull();
    const metrics = await (await fetch(new URL("/metrics", connector.metricsUrl))).text();
    expect(metrics).toMatch(/^burrow_tunnel_requests_in_flight 1$/m);

    stack.origin.release();
    const response = await slow;
    expect(response.status).toBe(200);
    expect(response.body.toString("utf8")).toBe("done");
    expect(await connector.exited).toEqual({ code: 143, signal: null });

    // The tunnel has no connector left.
    const after = await visitEventually(
      { port: stack.edge.port, hostname: connector.hostname },
      530,
    );
    expect(after.status).toBe(530);
  });

  it("delivers a response the connector finished before exiting, to a visitor still reading it", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    const size = 4 * 1024 * 1024;
    const response = await openRequest({
      port: stack.edge.port,
      hostname: connector.hostname,
      path: `/bytes?n=${size}&seed=5`,
    });
    expect(response.statusCode).toBe(200);
    // The visitor stops reading, so up to a window of body waits in the Tunnel DO when the
    // draining connector sends `end` and closes its connection.
    response.pause();
    connector.process.kill("SIGTERM");
    expect(await connector.exited).toEqual({ code: 143, signal: null });
    response.resume();
    const body = await readBody(response);
    expect(body.byteLength).toBe(size);
    expect(createHash("sha256").update(body).digest("hex")).toBe(deterministicSha256(size, 5));
  });

  it("exits at once on a second signal, failing the request it was draining", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    const slow = visit({ port: stack.edge.port, hostname: connector.hostname, path: "/slow" });
    await stack.origin.waitForSlowHeld(1);

    connector.process.kill("SIGTERM");
    await connector.waitForLog(/SIGTERM: finishing in-flight requests/);
    connector.process.kill("SIGTERM");
    expect(await connector.exited).toEqual({ code: 143, signal: null });
    expect(connector.logs()).toContain("second SIGTERM: exiting now");

    // The origin never answered, so the visitor gets the edge's bad-gateway page, not a hang.
    const response = await slow;
    expect(response.status).toBe(502);
    expect(response.headers["x-burrow-error"]).toBe("1036");
  });

  it("exits with 130 on SIGINT when idle", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    connector.process.kill("SIGINT");
    expect(await connector.exited).toEqual({ code: 130, signal: null });
  });
});
