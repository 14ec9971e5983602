import net from "node:net";
import { startConnector, stopAllConnectors } from "@burrow/connector/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { type Origin, startOrigin } from "./harness/origin";
import { visit } from "./harness/visitor";

// The reaper end to end: the real connector, every Worker in one Miniflare, a real origin. The
// connector dials the edge through a TCP proxy the test can cut, so it loses its connection while
// its process keeps running and retrying, exactly as on a flaky network. The reaper's cron is
// fired through Miniflare with a chosen scheduledTime instead of waiting five minutes.

const FIVE_MINUTES_MS = 300_000;

/** A loopback TCP proxy to the edge that can drop every connection and refuse new ones. */
interface CuttableProxy {
  url: URL;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startProxy(target: number): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) return void client.destroy();
    const upstream = net.connect(target, "127.0.0.1");
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    cut() {
      refusing = true;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      refusing = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Fires the reaper's cron at `scheduledTime`, as its `* * * * *` trigger does in production. */
async function runReaper(edge: TestEdge, scheduledTime: number): Promise<void> {
  const reaper = await edge.miniflare.getWorker("burrow-reaper");
  await reaper.scheduled({ scheduledTime: new Date(scheduledTime), cron: "* * * * *" });
}

/** The tunnel serving `hostname`, looked up while it is live. */
async function tunnelIdOf(edge: TestEdge, hostname: string): Promise<string> {
  const db = await edge.miniflare.getD1Database("DB");
  const row = await db
    .prepare("SELECT tunnel_id FROM dns_records WHERE hostname = ?1")
    .bind(hostname)
    .first<{ tunnel_id: string }>();
  if (!row) throw new Error(`no tunnel serves ${hostname}`);
  return row.tunnel_id;
}

async function tunnelRow(edge: TestEdge, tunnelId: string) {
  const db = await edge.miniflare.getD1Database("DB");
  return db
    .prepare("SELECT deleted_at, conns_inactive_at FROM tunnels WHERE id = ?1")
    .bind(tunnelId)
    .first<{ deleted_at: number | null; conns_inactive_at: number | null }>();
}

/** Waits until D1 recorded that the tunnel's last connection closed; returns when it closed. */
async function waitForDisconnect(edge: TestEdge, tunnelId: string): Promise<number> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const row = await tunnelRow(edge, tunnelId);
    if (row?.conns_inactive_at != null) return row.conns_inactive_at;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the edge never recorded that tunnel ${tunnelId} disconnected`);
}

let edge: TestEdge;
let origin: Origin;
let proxy: CuttableProxy;

beforeAll(async () => {
  edge = await startEdge({ vars: { "burrow-reaper": { REAP_AFTER_SECONDS: "300" } } });
  origin = await startOrigin();
});

afterEach(async () => {
  await stopAllConnectors();
  await proxy?.close();
});

afterAll(async () => {
  await origin?.close();
  await edge?.dispose();
});

describe("reaper with the real connector", () => {
  it("deletes a tunnel disconnected for five minutes; its hostname answers 404 and the connector exits", async () => {
    proxy = await startProxy(edge.port);
    const connector = await startConnector({ edge: proxy.url, origin: origin.url });
    expect(
      (await visit({ port: edge.port, hostname: connector.hostname, path: "/echo-headers" }))
        .status,
    ).toBe(200);
    const tunnelId = await tunnelIdOf(edge, connector.hostname);

    proxy.cut();
    const closedAt = await waitForDisconnect(edge, tunnelId);
    await runReaper(edge, closedAt + FIVE_MINUTES_MS + 1_000);

    expect((await tunnelRow(edge, tunnelId))?.deleted_at).not.toBeNull();
    const page = await visit({
      port: edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
    });
    expect(page.status).toBe(404);
    // 1037 "Tunnel deleted" from the Durable Object, or 1001 "Unknown tunnel hostname" once the
    // edge's few-second route cache has forgotten the hostname.
    expect(["1037", "1001"]).toContain(page.headers["x-burrow-error"]);

    // The connector keeps retrying; once it gets through, the edge tells it the tunnel is gone.
    proxy.restore();
    const exit = await connector.exited;
    expect(exit.code).toBe(1);
    expect(connector.logs()).toMatch(/the tunnel was deleted/);
  });

  it("keeps the hostname of a tunnel that reconnects within five minutes", async () => {
    proxy = await startProxy(edge.port);
    const connector = await startConnector({ edge: proxy.url, origin: origin.url });
    const registeredOnce = connector.logs().length;
    const tunnelId = await tunnelIdOf(edge, connector.hostname);

    proxy.cut();
    const closedAt = await waitForDisconnect(edge, tunnelId);
    await runReaper(edge, closedAt + FIVE_MINUTES_MS - 60_000);
    expect((await tunnelRow(edge, tunnelId))?.deleted_at).toBeNull();

    proxy.restore();
    await connector.waitForLog(/Registered tunnel connection connIndex=0/, registeredOnce);
    await runReaper(edge, closedAt + FIVE_MINUTES_MS + 60_000);
    const page = await visit({
      port: edge.port,
      hostname: connector.hostname,
      path: "/echo-headers",
    });
    expect(page.status).toBe(200);
    expect((await tunnelRow(edge, tunnelId))?.deleted_at).toBeNull();
  });
});
