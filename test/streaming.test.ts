import { describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { useTunnelStack } from "./harness/stack";
import { openRequest, openWebSocket, readBody } from "./harness/visitor";

describe("streaming through a quick tunnel", () => {
  const stack = useTunnelStack({ connector: true });

  it("delivers the first server-sent event while the stream is still open", async () => {
    const response = await openRequest({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/sse?events=4",
      headers: { accept: "text/event-stream" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/event-stream");
    response.setEncoding("utf8");

    // The origin holds the stream after its first event until released, so the first event can
    // only arrive here if the tunnel flushed it rather than buffering the response.
    let received = "";
    const firstEvent = new Promise<string>((resolve) => {
      response.on("data", (chunk: string) => {
        received += chunk;
        if (received.includes("\n\n")) resolve(received);
      });
    });
    const ended = readBody(response);
    expect(await firstEvent).toBe("id: 1\ndata: first\n\n");
    expect(response.complete).toBe(false);

    stack.origin.release();
    await ended;
    expect(received.match(/^data: .*$/gm)).toEqual([
      "data: first",
      "data: event 2",
      "data: event 3",
      "data: event 4",
    ]);
  });

  it("echoes WebSocket text and binary messages and closes cleanly", async () => {
    const socket = await openWebSocket(stack.edge.port, stack.connector.hostname, "/ws");
    const messages: Array<{ data: Buffer; binary: boolean }> = [];
    const nextMessage = () =>
      new Promise<{ data: Buffer; binary: boolean }>((resolve) =>
        socket.once("message", (data: Buffer, binary: boolean) => resolve({ data, binary })),
      );

    for (const text of ["hello", "ünïcödé ✓", "x".repeat(100_000)]) {
      const answer = nextMessage();
      socket.send(text);
      messages.push(await answer);
      expect(messages.at(-1)).toEqual({ data: Buffer.from(text), binary: false });
    }
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const binaryAnswer = nextMessage();
    socket.send(bytes);
    expect(await binaryAnswer).toEqual({ data: bytes, binary: true });

    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once("close", (code: number, reason: Buffer) =>
        resolve({ code, reason: reason.toString() }),
      ),
    );
    socket.close(4001, "test done");
    expect(await closed).toEqual({ code: 4001, reason: "test done" });
  });

  it("carries many WebSocket messages in order on concurrent sockets", async () => {
    const sockets = await Promise.all(
      Array.from({ length: 5 }, () =>
        openWebSocket(stack.edge.port, stack.connector.hostname, "/ws"),
      ),
    );
    try {
      const results = await Promise.all(
        sockets.map((socket, index) => echoMany(socket, `socket ${index}`, 200)),
      );
      for (const [index, received] of results.entries()) {
        expect(received).toEqual(Array.from({ length: 200 }, (_, i) => `socket ${index} #${i}`));
      }
    } finally {
      for (const socket of sockets) socket.terminate();
    }
  });
});

function echoMany(socket: WebSocket, prefix: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const received: string[] = [];
    socket.on("message", (data: Buffer) => {
      received.push(data.toString("utf8"));
      if (received.length === count) resolve(received);
    });
    socket.once("close", () =>
      reject(new Error(`socket closed after ${received.length} messages`)),
    );
    for (let i = 0; i < count; i++) socket.send(`${prefix} #${i}`);
  });
}
