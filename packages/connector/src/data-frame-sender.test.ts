import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { decodeFrame, MAX_DATA_CHUNK_BYTES } from "@burrow/wire";
import { describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { DataFrameSender } from "./data-frame-sender";

/** Bytes that differ per position and per frame, so a stale or misplaced byte shows. */
function pattern(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 7) % 256;
  return out;
}

describe("DataFrameSender", () => {
  it("writes masked messages a WebSocket server reads as the data frames, in order with ws's own", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", resolve));
    const received: Array<{ binary: boolean; data: Buffer }> = [];
    server.on("connection", (peer) => {
      peer.on("message", (data: Buffer, binary) => received.push({ binary, data }));
    });
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await new Promise((resolve) => client.once("open", resolve));
    const tcp = (client as unknown as { _socket: Duplex })._socket;
    const sender = new DataFrameSender();

    // Full frames (pooled buffers, reused once written), small ones, one split across chunks,
    // and ws's own messages between them.
    const sizes = [MAX_DATA_CHUNK_BYTES, 3, MAX_DATA_CHUNK_BYTES - 5, 70_000, MAX_DATA_CHUNK_BYTES];
    const expected: Array<{ streamId: number; bytes: Uint8Array } | string> = [];
    for (let round = 0; round < 3; round++) {
      for (const [index, size] of sizes.entries()) {
        const seed = round * sizes.length + index;
        const bytes = pattern(size, seed);
        const chunks = [bytes.subarray(0, size >> 1), bytes.subarray(size >> 1)];
        sender.send(tcp, seed + 1, chunks, size);
        expected.push({ streamId: seed + 1, bytes });
        if (index === 1) {
          client.send(`text ${seed}`);
          expected.push(`text ${seed}`);
        }
      }
      // Let the socket finish its writes, so the next round reuses the pool's buffers.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (let i = 0; i < 100 && received.length < expected.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }

    expect(received).toHaveLength(expected.length);
    for (const [i, want] of expected.entries()) {
      const got = received[i]!;
      if (typeof want === "string") {
        expect(got.binary, `message ${i}`).toBe(false);
        expect(got.data.toString(), `message ${i}`).toBe(want);
        continue;
      }
      expect(got.binary, `message ${i}`).toBe(true);
      const decoded = decodeFrame(new Uint8Array(got.data));
      if (!decoded.ok || decoded.frame.kind !== "data") throw new Error(`message ${i} not data`);
      expect(decoded.frame.streamId, `message ${i}`).toBe(want.streamId);
      expect(Buffer.from(decoded.frame.bytes).equals(Buffer.from(want.bytes)), `message ${i}`).toBe(
        true,
      );
    }
    client.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
