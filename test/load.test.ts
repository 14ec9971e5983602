import { createHash } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Connector, startConnector, stopAllConnectors } from "./harness/connector";
import { startEdge, type TestEdge } from "./harness/edge";
import { deterministicSha256, type Origin, startOrigin } from "./harness/origin";
import { type VisitorResponse, visit, visitorAgent } from "./harness/visitor";

/** root wrangler.toml: QUICK_TUNNEL_MAX_IN_FLIGHT. */
const QUICK_TUNNEL_MAX_IN_FLIGHT = 1_000;

describe("a quick tunnel under load", () => {
  let edge: TestEdge;
  let origin: Origin;
  let connector: Connector;

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startOrigin();
    connector = await startConnector({ edge: edge.url, origin: origin.url });
  });
  afterEach(() => {
    origin.release();
    origin.hold();
  });
  afterAll(async () => {
    await stopAllConnectors();
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
  });

  it("serves a burst of 1,000 concurrent requests", async () => {
    const responses = await Promise.all(
      Array.from({ length: QUICK_TUNNEL_MAX_IN_FLIGHT }, (_, i) =>
        visit({
          port: edge.port,
          hostname: connector.hostname,
          path: `/bytes?n=4096&seed=${i + 1}`,
        }),
      ),
    );
    const failures = responses.filter((response) => response.status !== 200);
    expect(failures.map((response) => response.status)).toEqual([]);
    for (const [i, response] of responses.entries()) {
      expect(createHash("sha256").update(response.body).digest("hex")).toBe(
        deterministicSha256(4096, i + 1),
      );
    }
  });

  it("answers 429 to request 1,001 while 1,000 are in flight, then serves again", async () => {
    const held: Array<Promise<VisitorResponse>> = [];
    for (let i = 0; i < QUICK_TUNNEL_MAX_IN_FLIGHT; i++) {
      held.push(visit({ port: edge.port, hostname: connector.hostname, path: `/slow?i=${i}` }));
    }
    // Every one of them has reached the origin, so the Tunnel DO counts 1,000 in flight.
    await origin.waitForSlowHeld(QUICK_TUNNEL_MAX_IN_FLIGHT);

    const over = await visit({
      port: edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
      headers: { accept: "application/json" },
    });
    expect(over.status).toBe(429);
    expect(over.headers["x-burrow-error"]).toBe("1015");
    expect(over.headers["retry-after"]).toBe("1");

    origin.release();
    const responses = await Promise.all(held);
    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
    expect(new Set(responses.map((response) => response.body.toString("utf8")))).toEqual(
      new Set(["done"]),
    );

    // Finished requests free their slots.
    const after = await visit({
      port: edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
    });
    expect(after.status).toBe(200);
  });
});
