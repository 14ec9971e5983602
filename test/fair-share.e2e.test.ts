import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { useTunnelStack } from "./harness/stack";
import { openRequest, readBody, type VisitorResponse, visit } from "./harness/visitor";

/** Caps lowered for these tests (root wrangler.toml has 1,000 each). */
const MAX_IN_FLIGHT = 20;
const MAX_WEBSOCKETS = 10;
const HOG = "203.0.113.7";
const OTHER = "198.51.100.20";

/** Opens a visitor WebSocket from `clientIp`; resolves with it, or with the refusal's status. */
function openWebSocketFrom(
  port: number,
  hostname: string,
  clientIp: string,
): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/`, {
      headers: { host: `${hostname}:${port}`, "cf-connecting-ip": clientIp },
      perMessageDeflate: false,
    });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
    socket.once("unexpected-response", (_request, response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
      socket.terminate();
    });
  });
}

describe("one client holding many slots of a tunnel", () => {
  const stack = useTunnelStack({
    connector: true,
    edge: {
      vars: {
        "burrow-edge": {
          QUICK_TUNNEL_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
          QUICK_TUNNEL_MAX_WEBSOCKETS: String(MAX_WEBSOCKETS),
        },
      },
    },
  });

  // Regression (issue 8, point 7): one visitor's slow requests made every other visitor get 429.
  it("leaves room for another client's request", async () => {
    const target = { port: stack.edge.port, hostname: stack.connector.hostname };
    const held: Array<Promise<VisitorResponse>> = [];
    for (let i = 0; i < MAX_IN_FLIGHT; i++) {
      held.push(visit({ ...target, path: `/slow?i=${i}`, headers: { "cf-connecting-ip": HOG } }));
    }
    // A lone client stops at 90 % of the slots; the rest of its requests are refused.
    await stack.origin.waitForSlowHeld(MAX_IN_FLIGHT * 0.9);
    const other = await visit({
      ...target,
      path: "/echo-headers",
      headers: { "cf-connecting-ip": OTHER },
    });
    expect(other.status).toBe(200);
    stack.origin.release();
    const statuses = (await Promise.all(held)).map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(MAX_IN_FLIGHT * 0.9);
    expect(statuses.filter((status) => status === 429)).toHaveLength(MAX_IN_FLIGHT * 0.1);
  });

  it("counts WebSockets apart from requests and leaves room for another client's socket", async () => {
    const { port } = stack.edge;
    const { hostname } = stack.connector;
    const opened: Array<WebSocket | number> = [];
    try {
      for (let i = 0; i < MAX_WEBSOCKETS; i++) {
        opened.push(await openWebSocketFrom(port, hostname, HOG));
      }
      const refused = opened.filter((socket) => typeof socket === "number");
      expect(refused).toEqual([429]);
      // Idle WebSockets hold no request slot.
      const request = await visit({
        port,
        hostname,
        path: "/echo-headers",
        headers: { "cf-connecting-ip": HOG },
      });
      expect(request.status).toBe(200);
      const other = await openWebSocketFrom(port, hostname, OTHER);
      expect(other).toBeInstanceOf(WebSocket);
      (other as WebSocket).terminate();
    } finally {
      for (const socket of opened) if (typeof socket !== "number") socket.terminate();
    }
  });
});

describe("deadlines and idle timeouts", () => {
  const stack = useTunnelStack({
    connector: true,
    edge: {
      vars: {
        "burrow-edge": {
          ORIGIN_RESPONSE_TIMEOUT_SECONDS: "3",
          STREAM_IDLE_TIMEOUT_SECONDS: "2",
          WEBSOCKET_IDLE_TIMEOUT_SECONDS: "2",
        },
      },
    },
  });

  it("answers 524 1040 when the origin sends no response head in time", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/slow",
    });
    expect(response.status).toBe(524);
    expect(response.headers["x-burrow-error"]).toBe("1040");
  });

  it("resets a response that stays idle, so the visitor sees it cut short", async () => {
    const response = await openRequest({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/stall?length=1000000",
    });
    expect(response.statusCode).toBe(200);
    await expect(readBody(response)).rejects.toThrow();
  });

  it("closes a WebSocket with no message either way with 1001", async () => {
    const socket = await openWebSocketFrom(stack.edge.port, stack.connector.hostname, OTHER);
    if (typeof socket === "number") throw new Error(`upgrade refused with ${socket}`);
    // A message in time keeps it open.
    const echoed = new Promise((resolve) => socket.once("message", resolve));
    socket.send("hello");
    await echoed;
    const closed = await new Promise<number>((resolve) => socket.once("close", resolve));
    expect(closed).toBe(1001);
  });
});
