import {
  CLOSE_CODES,
  type Frame,
  INITIAL_WINDOW_BYTES,
  MAX_DATA_CHUNK_BYTES,
  MAX_GROWN_WINDOW_BYTES,
} from "@burrow/wire";
import { describe, expect, it } from "vitest";
import { mintQuickTunnel } from "./harness/edge";
import { attachFakeConnector } from "./harness/fake-connector";
import { useTunnelStack } from "./harness/stack";
import { openRequest, readBody, visit } from "./harness/visitor";

/**
 * A response body's receive window at the edge grows past the initial 1 MiB while the visitor
 * keeps up (packages/wire flow-control.ts), so a download is not held to one window per credit
 * round trip; the connector learns it only as more credit. Driven by a hand-made connector that
 * sends whenever it holds credit and counts every grant.
 */
describe("a download's receive window", () => {
  const stack = useTunnelStack({ connector: false });

  it("grows past the initial window for a visitor that keeps up, and every byte arrives", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const totalBytes = 48 * 1024 * 1024;
    let credit = INITIAL_WINDOW_BYTES;
    let sent = 0;
    let mostCreditHeld = credit;
    let streamId = 0;
    let send: ((frame: Frame) => void) | null = null;
    const chunk = new Uint8Array(MAX_DATA_CHUNK_BYTES).fill(0x61);
    const pump = () => {
      while (send && sent < totalBytes && credit >= chunk.byteLength) {
        credit -= chunk.byteLength;
        sent += chunk.byteLength;
        send({ kind: "data", streamId, bytes: chunk });
      }
      if (send && sent === totalBytes) {
        send({ kind: "end", streamId });
        send = null;
      }
    };
    const connector = await attachFakeConnector(stack.edge.url, tunnel, {
      onRequestHead: (head, sendFrame) => {
        streamId = head.streamId;
        sendFrame({
          kind: "responseHead",
          streamId,
          status: 200,
          statusText: "OK",
          headers: [["content-length", String(totalBytes)]],
          body: new Uint8Array(0),
          endStream: false,
        });
        send = sendFrame;
        pump();
      },
      onStreamFrame: (frame) => {
        if (frame.kind !== "windowUpdate" || frame.streamId !== streamId) return;
        credit += frame.bytes;
        mostCreditHeld = Math.max(mostCreditHeld, credit);
        pump();
      },
    });
    try {
      const response = await openRequest({
        port: stack.edge.port,
        hostname: tunnel.hostname,
        path: "/download",
      });
      const body = await readBody(response);
      expect(response.statusCode).toBe(200);
      expect(body.byteLength).toBe(totalBytes);
      expect(body.every((byte) => byte === 0x61)).toBe(true);
      // The window grew, within its ceiling: credit beyond the initial window can only come from
      // growth. (Not the sum of grants: the edge grants nothing for what it still holds when the
      // stream ends, up to a whole grown window, so with growth the sum can still be 1 MiB short.)
      expect(mostCreditHeld).toBeGreaterThan(INITIAL_WINDOW_BYTES);
      expect(mostCreditHeld).toBeLessThanOrEqual(MAX_GROWN_WINDOW_BYTES);
    } finally {
      connector.socket.terminate();
    }
  });

  it("closes a connector that sends past its window (1002), and serves again after it", async () => {
    const tunnel = await mintQuickTunnel(stack.edge);
    const chunk = new Uint8Array(MAX_DATA_CHUNK_BYTES).fill(0x62);
    // 64 MiB at once, credit or not, to a visitor that reads nothing: past what loopback buffers
    // absorb, the edge holds more than any window this stream could have.
    const frames = 256;
    const greedy = await attachFakeConnector(stack.edge.url, tunnel, {
      onRequestHead: (head, send) => {
        send({
          kind: "responseHead",
          streamId: head.streamId,
          status: 200,
          statusText: "OK",
          headers: [],
          body: new Uint8Array(0),
          endStream: false,
        });
        for (let i = 0; i < frames; i++)
          send({ kind: "data", streamId: head.streamId, bytes: chunk });
      },
    });
    const stalled = await openRequest({
      port: stack.edge.port,
      hostname: tunnel.hostname,
      path: "/",
    });
    stalled.pause();
    try {
      expect((await greedy.closed).code).toBe(CLOSE_CODES.protocolError);
    } finally {
      stalled.destroy();
    }
    // The tunnel serves again through a connector that keeps to its window.
    const polite = await attachFakeConnector(stack.edge.url, tunnel);
    try {
      const response = await visit({
        port: stack.edge.port,
        hostname: tunnel.hostname,
        path: "/x",
      });
      expect(response.status).toBe(200);
      expect(response.body.toString("utf8")).toBe("fake:/x");
    } finally {
      polite.socket.terminate();
    }
  });
});
