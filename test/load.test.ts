import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { deterministicSha256 } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { type VisitorResponse, visit } from "./harness/visitor";

/** root wrangler.toml: QUICK_TUNNEL_MAX_IN_FLIGHT. */
const QUICK_TUNNEL_MAX_IN_FLIGHT = 1_000;
/**
 * One client address may hold only 90 % of the slots (workers/edge/src/connection/admission.ts), so the load
 * comes from ten visitors, as the edge sees them through CF-Connecting-IP.
 */
const clientOf = (i: number) => ({ "cf-connecting-ip": `192.0.2.${(i % 10) + 1}` });

describe("a quick tunnel under load", () => {
  const stack = useTunnelStack({ connector: true });

  it("serves a burst of 1,000 concurrent requests", async () => {
    const responses = await Promise.all(
      Array.from({ length: QUICK_TUNNEL_MAX_IN_FLIGHT }, (_, i) =>
        visit({
          port: stack.edge.port,
          hostname: stack.connector.hostname,
          path: `/bytes?n=4096&seed=${i + 1}`,
          headers: clientOf(i),
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
      held.push(
        visit({
          port: stack.edge.port,
          hostname: stack.connector.hostname,
          path: `/slow?i=${i}`,
          headers: clientOf(i),
        }),
      );
    }
    // Every one of them has reached the origin, so the Tunnel DO counts 1,000 in flight.
    await stack.origin.waitForSlowHeld(QUICK_TUNNEL_MAX_IN_FLIGHT);

    const over = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers: { accept: "application/json" },
    });
    expect(over.status).toBe(429);
    expect(over.headers["x-burrow-error"]).toBe("1015");
    expect(over.headers["retry-after"]).toBe("1");

    stack.origin.release();
    const responses = await Promise.all(held);
    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
    expect(new Set(responses.map((response) => response.body.toString("utf8")))).toEqual(
      new Set(["done"]),
    );

    // Finished requests free their slots.
    const after = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
    });
    expect(after.status).toBe(200);
  });
});
