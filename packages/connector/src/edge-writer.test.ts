import type { AddressInfo } from "node:net";
import { decodeFrame, type Frame, MAX_FRAME_BATCH_BYTES, splitFrameBatch } from "@burrow/wire";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { EdgeWriter } from "./edge-writer";

/** What the edge received, message by message: text, or the frames each binary message held. */
type Received = { text: string } | { frames: Array<{ kind: string; streamId: number }> };

const opened: Array<{ server: WebSocketServer; client: WebSocket }> = [];
afterEach(async () => {
  for (const { server, client } of opened.splice(0)) {
    client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real WebSocket server on loopback as the edge, and an EdgeWriter on a client dialled to it. */
async function connected(batchFrames: boolean) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const received: Received[] = [];
  server.on("connection", (peer) => {
    peer.on("message", (data: Buffer, binary) => {
      if (!binary) return void received.push({ text: data.toString() });
      const batch = splitFrameBatch(new Uint8Array(data));
      if (!batch.ok) throw new Error(batch.message);
      received.push({
        frames: batch.frames.map((bytes) => {
          const decoded = decodeFrame(bytes);
          if (!decoded.ok) throw new Error(decoded.message);
          return { kind: decoded.frame.kind, streamId: decoded.frame.streamId };
        }),
      });
    });
  });
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  opened.push({ server, client });
  await new Promise((resolve) => client.once("open", resolve));
  const writer = new EdgeWriter(client, "zero");
  writer.batchFrames = batchFrames;
  const settle = async (messages: number) => {
    for (let i = 0; i < 200 && received.length < messages; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return received;
  };
  return { writer, settle };
}

const end = (streamId: number): Frame => ({ kind: "end", streamId });

describe("EdgeWriter", () => {
  it("sends the frames of one turn as one message to an edge that reads batches", async () => {
    const { writer, settle } = await connected(true);
    for (let id = 1; id <= 5; id++) writer.send(end(id));
    await new Promise((resolve) => setImmediate(resolve));
    writer.send(end(6));
    expect(await settle(2)).toEqual([
      { frames: [1, 2, 3, 4, 5].map((streamId) => ({ kind: "end", streamId })) },
      { frames: [{ kind: "end", streamId: 6 }] },
    ]);
  });

  it("sends one message per frame to an edge that does not", async () => {
    const { writer, settle } = await connected(false);
    for (let id = 1; id <= 3; id++) writer.send(end(id));
    expect(await settle(3)).toEqual(
      [1, 2, 3].map((streamId) => ({ frames: [{ kind: "end", streamId }] })),
    );
  });

  it("keeps the order of frames, data frames and text: each sends what waits first", async () => {
    const { writer, settle } = await connected(true);
    writer.send(end(1));
    writer.send(end(2));
    writer.sendData(3, [new Uint8Array([1, 2, 3])], 3);
    writer.send(end(3));
    writer.sendText("burrow-ping");
    writer.send(end(4));
    expect(await settle(5)).toEqual([
      {
        frames: [
          { kind: "end", streamId: 1 },
          { kind: "end", streamId: 2 },
        ],
      },
      { frames: [{ kind: "data", streamId: 3 }] },
      { frames: [{ kind: "end", streamId: 3 }] },
      { text: "burrow-ping" },
      { frames: [{ kind: "end", streamId: 4 }] },
    ]);
  });

  it("starts a new message before a batch passes MAX_FRAME_BATCH_BYTES", async () => {
    const { writer, settle } = await connected(true);
    const message = "x".repeat(60 * 1024);
    const frames = Math.ceil((2 * MAX_FRAME_BATCH_BYTES) / message.length);
    for (let id = 1; id <= frames; id++) {
      writer.send({ kind: "reset", streamId: id, code: 1, message });
    }
    const received = await settle(3);
    const counts = received.map((entry) => ("frames" in entry ? entry.frames.length : 0));
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(frames);
    expect(counts.length).toBeGreaterThanOrEqual(3);
    const ids = received.flatMap((entry) => ("frames" in entry ? entry.frames : []));
    expect(ids.map((frame) => frame.streamId)).toEqual(
      Array.from({ length: frames }, (_, index) => index + 1),
    );
  });

  it("sends what waits when flushed, before the socket closes", async () => {
    const { writer, settle } = await connected(true);
    writer.send(end(1));
    writer.flush();
    expect(await settle(1)).toEqual([{ frames: [{ kind: "end", streamId: 1 }] }]);
  });
});
