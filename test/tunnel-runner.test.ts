import { TunnelRunner } from "@burrow/connector";
import { describe, expect, it } from "vitest";
import { mintQuickTunnel } from "./harness/edge";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

interface ConnectionRecord {
  connectionId: string;
  connectorId: string;
  connIndex: number;
}

/** Polls `check` every 50 ms until it is true, for at most `ms`. */
async function until(check: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("a tunnel runner with several connections", () => {
  const stack = useTunnelStack({ connector: false });

  const connectionsOf = async (tunnelId: string): Promise<ConnectionRecord[]> => {
    const namespace = await stack.edge.miniflare.getDurableObjectNamespace("TUNNEL", "burrow-edge");
    const stub = namespace.get(namespace.idFromName(tunnelId)) as unknown as {
      connections(): Promise<ConnectionRecord[]>;
    };
    return stub.connections();
  };

  it("registers every connection, index 0 first, and serves visitors over them", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const logs: string[] = [];
    const runner = new TunnelRunner({
      edge: stack.edge.url,
      origin: stack.origin.url,
      credentials: { tunnelId: tunnel.id, secret: tunnel.secret },
      tunnelKind: "quick",
      haConnections: 4,
      gracePeriodMs: 1_000,
      log: (line) => logs.push(line),
    });
    const running = runner.run();
    try {
      await until(() => runner.readyConnections() === 4, 30_000);
      const connections = await connectionsOf(tunnel.id);
      expect(connections.map((c) => c.connIndex).sort()).toEqual([0, 1, 2, 3]);
      expect(new Set(connections.map((c) => c.connectionId)).size).toBe(4);
      expect(new Set(connections.map((c) => c.connectorId))).toEqual(new Set([runner.connectorId]));

      const registered = logs.filter((line) => line.startsWith("Registered tunnel connection"));
      expect(registered).toHaveLength(4);
      expect(registered[0]).toMatch(
        /^Registered tunnel connection connIndex=0 connection=[0-9a-f-]{36} location=\S+$/,
      );

      for (let i = 0; i < 20; i++) {
        const page = await visit({
          port: stack.edge.port,
          hostname: tunnel.hostname,
          path: "/echo-headers",
        });
        expect(page.status).toBe(200);
      }
    } finally {
      await runner.shutdown();
      await running.catch(() => {});
    }
    expect(runner.readyConnections()).toBe(0);
  });
});
