import { type Connector, startConnector } from "@burrow/connector/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type Origin, startOrigin } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

// One tunnel never sees another's traffic: interleaved requests to two hostnames on one edge each
// reach only the origin behind their own connector, with their own Host.
describe("two quick tunnels on one edge", () => {
  const stack = useTunnelStack({ connector: true });
  let otherOrigin: Origin;
  let other: Connector;

  afterAll(async () => {
    await otherOrigin?.close();
  });

  it("delivers each hostname's requests only to its own connector's origin", async () => {
    otherOrigin = await startOrigin();
    other = await startConnector({ edge: stack.edge.url, origin: otherOrigin.url });
    expect(other.hostname).not.toBe(stack.connector.hostname);

    const requests = Array.from({ length: 40 }, (_, i) => {
      const mine = i % 2 === 0;
      const hostname = mine ? stack.connector.hostname : other.hostname;
      return visit({
        port: stack.edge.port,
        hostname,
        method: "POST",
        path: `/echo-headers?tunnel=${mine ? "first" : "second"}&i=${i}`,
        body: `secret of ${hostname} #${i}`,
      }).then((response) => ({ response, hostname, mine, i }));
    });
    for (const { response, hostname, i } of await Promise.all(requests)) {
      expect(response.status).toBe(200);
      const echoed = JSON.parse(response.body.toString("utf8")) as {
        url: string;
        headers: Record<string, string>;
      };
      expect(echoed.headers.host).toBe(`${hostname}:${stack.edge.port}`);
      expect(echoed.url).toContain(`&i=${i}`);
    }
    const firstSaw = stack.origin.seen.map((request) => request.url);
    const secondSaw = otherOrigin.seen.map((request) => request.url);
    expect(firstSaw.filter((url) => url.includes("tunnel=second"))).toEqual([]);
    expect(secondSaw.filter((url) => url.includes("tunnel=first"))).toEqual([]);
    expect(firstSaw.filter((url) => url.includes("tunnel=first"))).toHaveLength(20);
    expect(secondSaw.filter((url) => url.includes("tunnel=second"))).toHaveLength(20);
  });
});
