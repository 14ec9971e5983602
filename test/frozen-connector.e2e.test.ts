import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { FEATURES } from "@burrow/wire";
import { afterAll, describe, expect, it } from "vitest";
import { mintQuickTunnel } from "./harness/edge";
import { attachFakeConnector } from "./harness/fake-connector";
import { useTunnelStack } from "./harness/stack";
import { visit, visitEventually } from "./harness/visitor";

/** Freezes a connector the way a stopped laptop or a hung process does: the socket stays open. */
function freeze(connector: Connector): void {
  connector.process.kill("SIGSTOP");
}

function thaw(connector: Connector): void {
  connector.process.kill("SIGCONT");
}

/** A fake connector's 200 text/plain head for `streamId`, carrying `body`. */
function okHead(streamId: number, body: Uint8Array, endStream: boolean) {
  return {
    kind: "responseHead" as const,
    streamId,
    status: 200,
    statusText: "OK",
    headers: [["content-type", "text/plain"]] as Array<[string, string]>,
    body,
    endStream,
  };
}

describe("a connector that stops answering", () => {
  const stack = useTunnelStack({ connector: false });
  const dir = mkdtempSync(path.join(tmpdir(), "burrow-frozen-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // Regression (issue 8, point 4): a SIGSTOPped connector kept every visitor hanging until it was
  // resumed; the edge never noticed, only the connector sent pings.
  it("fails the request waiting on it with 502 1039, then answers 530 1033 until it is back", async () => {
    const connector = await startConnector({ edge: stack.edge.url, origin: stack.origin.url });
    const request = { port: stack.edge.port, hostname: connector.hostname };
    expect((await visit({ ...request, path: "/echo-headers" })).status).toBe(200);
    const waiting = visit({ ...request, path: "/slow" });
    await stack.origin.waitForSlowHeld(1);
    freeze(connector);
    try {
      const failed = await waiting;
      expect(failed.status).toBe(502);
      expect(failed.headers["x-burrow-error"]).toBe("1039");
      const next = await visit({ ...request, path: "/echo-headers" });
      expect(next.status).toBe(530);
      expect(next.headers["x-burrow-error"]).toBe("1033");
    } finally {
      thaw(connector);
    }
    // Resumed, it finds its connection closed by the edge and reconnects.
    expect((await visitEventually({ ...request, path: "/echo-headers" }, 200)).status).toBe(200);
    await stopConnector(connector);
  });

  it("costs nothing to visitors of a tunnel whose other connector still answers", async () => {
    const credentials = path.join(dir, "two.json");
    const args = ["--credentials-file", credentials];
    const first = await startConnector({ edge: stack.edge.url, origin: stack.origin.url, args });
    const second = await startConnector({ edge: stack.edge.url, origin: stack.origin.url, args });
    expect(second.hostname).toBe(first.hostname);
    const request = { port: stack.edge.port, hostname: first.hostname, path: "/echo-headers" };
    freeze(first);
    try {
      // Requests that reach the frozen connection before the edge notices are carried again on
      // the live one; after that the frozen one is skipped.
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await visit(request)).status);
      expect(statuses).toEqual(Array(12).fill(200));
    } finally {
      thaw(first);
      await stopConnector(first);
      await stopConnector(second);
    }
  });
});

describe("a connection that authenticated but never said hello", () => {
  const stack = useTunnelStack({ connector: false });

  // Regression (issue 8, point 9): such a socket was given visitor traffic.
  it("is given no visitor traffic", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const silent = await attachFakeConnector(stack.edge.url, tunnel, { hello: false });
    try {
      const response = await visit({
        port: stack.edge.port,
        hostname: tunnel.hostname,
        path: "/echo-headers",
      });
      expect(response.status).toBe(530);
      expect(response.headers["x-burrow-error"]).toBe("1033");
      const registered = await attachFakeConnector(stack.edge.url, tunnel);
      const served = await visit({ port: stack.edge.port, hostname: tunnel.hostname, path: "/x" });
      expect(served.body.toString("utf8")).toBe("fake:/x");
      registered.socket.terminate();
    } finally {
      silent.socket.terminate();
    }
  });

  // Regression: under load a busy connection's heartbeat waited behind its data frames and the
  // watchdog closed it as frozen (1,000 × 502 / 1039 in load.test.ts and pnpm bench). Frames
  // prove a connection alive as well as heartbeats do.
  it("keeps a connection that streams frames but sends no heartbeat", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const chunks = 16;
    const streaming = await attachFakeConnector(stack.edge.url, tunnel, {
      features: [FEATURES.heartbeat],
      onRequestHead: (head, send) => {
        send(okHead(head.streamId, new Uint8Array(0), false));
        // 16 chunks 500 ms apart: 8 s of frames, past the 5 s a silent connection is given.
        let sent = 0;
        const timer = setInterval(() => {
          send({ kind: "data", streamId: head.streamId, bytes: new TextEncoder().encode("x") });
          if (++sent === chunks) {
            clearInterval(timer);
            send({ kind: "end", streamId: head.streamId });
          }
        }, 500);
      },
    });
    try {
      const response = await visit({ port: stack.edge.port, hostname: tunnel.hostname, path: "/" });
      expect(response.status).toBe(200);
      expect(response.body.toString("utf8")).toBe("x".repeat(chunks));
    } finally {
      streaming.socket.terminate();
    }
  });

  // A connection silent for 5 s is either frozen or carried by an object too starved of CPU to
  // read its heartbeats (a 1,000-GET burst at load 5–8 got 530s that way). With no other
  // connection left it is tried anyway: a live one answers, a frozen one the watchdog fails.
  it("still tries its only connection when that one has been silent past the heartbeat limit", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const silent = await attachFakeConnector(stack.edge.url, tunnel, {
      features: [FEATURES.heartbeat],
      onRequestHead: (head, send) => {
        send(okHead(head.streamId, new TextEncoder().encode("alive"), true));
      },
    });
    try {
      // No heartbeat and no frame for longer than HEARTBEAT_STALE_MS (5 s).
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const response = await visit({ port: stack.edge.port, hostname: tunnel.hostname, path: "/" });
      expect(response.status).toBe(200);
      expect(response.body.toString("utf8")).toBe("alive");
    } finally {
      silent.socket.terminate();
    }
  });
});
