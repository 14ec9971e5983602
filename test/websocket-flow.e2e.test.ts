import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { type Connector, startConnector } from "@burrow/connector/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { useTunnelStack } from "./harness/stack";
import { openWebSocket } from "./harness/visitor";

/** What a visitor sends at most, in messages of MESSAGE_BYTES. */
const FLOOD_BYTES = 96 * 1024 * 1024;
const MESSAGE_BYTES = 256 * 1024;
/**
 * The connector may hold one credit window (1 MiB) per stream plus what the loopback TCP buffers
 * take; before the fix it held the whole flood. Generous, so a busy machine cannot fail it.
 */
const MAX_CONNECTOR_GROWTH_BYTES = 48 * 1024 * 1024;

/** Resident set size of a process, from /proc. */
function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

describe("a visitor flooding a WebSocket whose origin does not read", () => {
  const stack = useTunnelStack({ connector: false });
  let origin: WebSocketServer;
  let connector: Connector;

  beforeAll(async () => {
    // An origin that accepts the upgrade and then never reads a byte.
    origin = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    origin.on("connection", (socket) => socket.pause());
    await new Promise((resolve) => origin.once("listening", resolve));
  });
  afterAll(async () => {
    for (const client of origin.clients) client.terminate();
    await new Promise((resolve) => origin.close(resolve));
  });

  // Regression (issue 8, point 6): every frame was relayed and buffered without bound; 600 MiB
  // sent grew workerd by ~430 MB.
  it("closes the visitor with 1013 before the connector buffers the flood", async () => {
    const { port } = origin.address() as AddressInfo;
    // Started here: the stack stops every connector after each test.
    connector = await startConnector({
      edge: stack.edge.url,
      origin: new URL(`http://127.0.0.1:${port}`),
    });
    const pid = connector.process.pid!;
    const before = rssBytes(pid);
    const socket = await openWebSocket(stack.edge.port, connector.hostname);
    const closed = new Promise<number>((resolve) => socket.once("close", resolve));
    let open = true;
    void closed.then(() => (open = false));
    const message = Buffer.alloc(MESSAGE_BYTES, 0x61);
    let sent = 0;
    while (open && sent < FLOOD_BYTES) {
      await new Promise<void>((resolve) => socket.send(message, { binary: true }, () => resolve()));
      sent += MESSAGE_BYTES;
    }
    // Everything is handed over; a bounded wait for the edge's verdict.
    const code = await Promise.race([
      closed,
      new Promise<string>((resolve) => setTimeout(() => resolve("still open"), 15_000)),
    ]);
    const growth = rssBytes(pid) - before;
    socket.terminate();
    expect(code).toBe(1013);
    expect(growth).toBeLessThan(MAX_CONNECTOR_GROWTH_BYTES);
    // Only that stream ended: the connector still carries new ones.
    const next = await openWebSocket(stack.edge.port, connector.hostname);
    expect(next.readyState).toBe(WebSocket.OPEN);
    next.terminate();
  });
});
