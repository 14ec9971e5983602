/**
 * A tunnel is spread over one Durable Object per connector connection (issue 11, point 8): the
 * edge sends each request straight to a connection's own object, so two `burrow tunnel run`
 * replicas with 4 connections each are 8 single-threaded objects, not one. Each object counts the
 * requests it carried in its own memory; the test reads those counts from the objects.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import {
  adminApi,
  type NamedOrigin,
  namedOrigin,
  readyConnections,
  routedNamedTunnel,
  running,
  until,
} from "./harness/named-run";
import { visit } from "./harness/visitor";

const ADMIN_TOKEN = "connection-objects-e2e-admin-token";
const REQUESTS = 400;

interface LiveRecord {
  tunnelId: string;
  connectionId: string;
  connectorId: string;
  connIndex: number;
  servedRequests?: number;
}

describe("a named tunnel's connections, each in its own Durable Object", () => {
  let edge: TestEdge;
  let home: string;
  let origin: NamedOrigin;
  const api = adminApi(() => edge, ADMIN_TOKEN);

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), "burrow-connection-objects-"));
    edge = await startEdge({ vars: { "burrow-api": { ADMIN_TOKEN } } });
    origin = await namedOrigin("O");
  });

  afterAll(async () => {
    for (const connector of running) connector.child.kill("SIGKILL");
    await origin?.close();
    await edge?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  /** The Tunnel DO's view: each live connection's record, read from that connection's object. */
  const liveConnections = async (tunnelId: string): Promise<LiveRecord[]> => {
    const namespace = await edge.miniflare.getDurableObjectNamespace("TUNNEL", "burrow-edge");
    const tunnel = namespace.get(namespace.idFromName(tunnelId)) as unknown as {
      connections(): Promise<LiveRecord[]>;
    };
    return tunnel.connections();
  };

  /** One connection object asked directly, by the name the edge routes to. */
  const connectionObject = async (tunnelId: string, connectionId: string) => {
    const namespace = await edge.miniflare.getDurableObjectNamespace(
      "TUNNEL_CONNECTION",
      "burrow-edge",
    );
    return namespace.get(namespace.idFromName(`${tunnelId}/${connectionId}`)) as unknown as {
      record(): Promise<LiveRecord | null>;
    };
  };

  it("spreads requests over every live connection of both replicas, one object each", async () => {
    const hostname = "spread.localhost";
    const tunnel = await routedNamedTunnel(
      { api, edge, home, originUrl: origin.url },
      "spread",
      hostname,
    );
    const replicas = [await tunnel.run(), await tunnel.run()];
    for (const replica of replicas) {
      await until(async () => (await readyConnections(replica)) === 4, 30_000, "4 connections");
    }
    // The edge refreshes its list of a tunnel's connections every 2 s; wait until it names all 8.
    await until(async () => (await liveConnections(tunnel.id)).length === 8, 10_000, "8 listed");
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const before = new Map(
      (await liveConnections(tunnel.id)).map((record) => [
        record.connectionId,
        record.servedRequests ?? 0,
      ]),
    );
    const statuses: number[] = [];
    for (let batch = 0; batch < REQUESTS / 20; batch++) {
      const pages = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          visit({ port: edge.port, hostname, path: `/spread/${batch}/${n}` }),
        ),
      );
      statuses.push(...pages.map((page) => page.status));
    }
    expect(statuses.filter((status) => status !== 200)).toEqual([]);

    const after = await liveConnections(tunnel.id);
    expect(after).toHaveLength(8);
    expect(new Set(after.map((record) => record.connectorId)).size).toBe(2);
    const served = after.map(
      (record) => (record.servedRequests ?? 0) - (before.get(record.connectionId) ?? 0),
    );
    // Every request was carried by exactly one connection object, and every object carried some.
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(REQUESTS);
    for (const count of served) expect(count).toBeGreaterThan(0);

    // Each object holds its own connection and nothing else: asked directly, it names itself.
    for (const record of after) {
      const held = await (await connectionObject(tunnel.id, record.connectionId)).record();
      expect(held).toMatchObject({ connectionId: record.connectionId, tunnelId: tunnel.id });
    }
    for (const replica of replicas) replica.child.kill("SIGTERM");
    await Promise.all(replicas.map((replica) => replica.exited));
  });
});
