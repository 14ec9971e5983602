import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { CLOSE_CODES, decodeFrame, encodeFrame, type Frame } from "@burrow/wire";
import { afterEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { WebSocketServer } from "ws";
import { EdgeConnection } from "./edge-connection";
import { ConnectorMetrics } from "./metrics";
import { OriginHttpAgent } from "./origin-http1/origin-http-agent";
import { SingleOriginRouter } from "./origin-router";

/** A WebSocket server that plays the edge: registers the connector, then sends crafted bytes. */
interface FakeEdge {
  url: URL;
  /** Frames the connector sent, decoded. */
  received: Frame[];
  /** Every byte the connector wrote after the handshake, as read. */
  raw: Buffer[];
  /** The connection from the connector, once it said hello. */
  peer: Promise<{ ws: WebSocket; tcp: Duplex }>;
  closed: Promise<{ code: number; reason: string }>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function pattern(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 7) % 256;
  return out;
}

/** One unmasked server frame carrying `payload` as a binary message. */
function binaryMessage(payload: Uint8Array): Buffer {
  const length = payload.byteLength;
  const header = Buffer.alloc(length < 126 ? 2 : length < 65_536 ? 4 : 10);
  header[0] = 0x82;
  if (length < 126) header[1] = length;
  else if (length < 65_536) {
    header[1] = 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 127;
    header.writeUInt32BE(length, 6);
  }
  return Buffer.concat([header, payload]);
}

async function fakeEdge(): Promise<FakeEdge> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const received: Frame[] = [];
  const raw: Buffer[] = [];
  let closed!: (end: { code: number; reason: string }) => void;
  const edge: FakeEdge = {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
    received,
    raw,
    closed: new Promise((resolve) => (closed = resolve)),
    peer: new Promise((resolve) => {
      server.on("connection", (ws) => {
        // A second reader of the same socket: ws parses these bytes, the test reads them raw.
        (ws as unknown as { _socket: Duplex })._socket.on("data", (chunk: Buffer) =>
          raw.push(chunk),
        );
        ws.on("close", (code, reason) => closed({ code, reason: reason.toString() }));
        ws.on("message", (data: Buffer, isBinary) => {
          if (!isBinary) return;
          const decoded = decodeFrame(data);
          if (!decoded.ok) throw new Error(`edge got a malformed frame: ${decoded.message}`);
          received.push(decoded.frame);
          if (decoded.frame.kind === "hello") {
            ws.send(
              encodeFrame({
                kind: "registered",
                streamId: 0,
                connectionId: "c1",
                location: "local",
                hostname: "test.example",
              }),
            );
            resolve({ ws, tcp: (ws as unknown as { _socket: Duplex })._socket });
          }
        });
      });
    }),
  };
  return edge;
}

/** An origin that answers each request with the length and a digest-free copy of its body. */
async function recordingOrigin(): Promise<{ url: URL; bodies: Buffer[] }> {
  const bodies: Buffer[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      bodies.push(Buffer.concat(chunks));
      response.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), bodies };
}

async function connect(
  edge: FakeEdge,
  origin: URL,
): Promise<{ connection: EdgeConnection; logs: string[] }> {
  const logs: string[] = [];
  const agent = { http: new OriginHttpAgent(), https: new https.Agent() };
  const connection = new EdgeConnection({
    edge: edge.url,
    tunnelId: "t1",
    tunnelKind: "quick",
    secret: Buffer.alloc(32).toString("base64"),
    connectorId: "k1",
    connIndex: 0,
    version: "test",
    configVersion: () => 0,
    router: () => new SingleOriginRouter(origin, agent),
    agent,
    metrics: new ConnectorMetrics(),
    log: (message) => logs.push(message),
  });
  await connection.open();
  cleanups.push(() => connection.close());
  return { connection, logs };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Writes `bytes` to the connector in pieces cut at `cuts`, each waiting a moment to be read alone. */
async function writeCut(tcp: Duplex, bytes: Buffer, cuts: number[]): Promise<void> {
  let from = 0;
  for (const at of [...cuts, bytes.byteLength]) {
    if (at <= from) continue;
    tcp.write(bytes.subarray(from, at));
    from = at;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function requestHead(streamId: number, bodyBytes: number): Frame {
  return {
    kind: "requestHead",
    streamId,
    method: "POST",
    url: "https://test.example/upload",
    headers: [
      ["host", "test.example"],
      ["content-length", String(bodyBytes)],
    ],
    websocket: false,
    hasBody: true,
    target: null,
  };
}

describe("EdgeConnection reading data frames off the socket", () => {
  it("writes request bodies to the origin exactly, however the edge's reads cut the frames", async () => {
    const edge = await fakeEdge();
    const origin = await recordingOrigin();
    const { logs } = await connect(edge, origin.url);
    const { tcp } = await edge.peer;
    const body = pattern(700_000, 3);
    for (const [round, cuts] of [
      [],
      [1, 2, 43, 44, 45, 60_000],
      [524_330, 524_331, 524_332],
    ].entries()) {
      const streamId = 2 * round + 1;
      const bytes = Buffer.concat([
        binaryMessage(encodeFrame(requestHead(streamId, body.byteLength))),
        binaryMessage(encodeFrame({ kind: "data", streamId, bytes: body.subarray(0, 512 * 1024) })),
        // A frame for a stream this connector does not know is dropped, as before.
        binaryMessage(encodeFrame({ kind: "data", streamId: 999, bytes: pattern(100, 1) })),
        binaryMessage(encodeFrame({ kind: "data", streamId, bytes: new Uint8Array(0) })),
        binaryMessage(encodeFrame({ kind: "data", streamId, bytes: body.subarray(512 * 1024) })),
        binaryMessage(encodeFrame({ kind: "end", streamId })),
      ]);
      await writeCut(tcp, bytes, cuts);
      await until(
        () => origin.bodies.length === round + 1,
        `body ${round}: ${logs.join("; ")} ${JSON.stringify(edge.received.map((f) => f.kind))}`,
      );
      expect(Buffer.compare(origin.bodies[round]!, Buffer.from(body)), `round ${round}`).toBe(0);
      await until(
        () =>
          edge.received.some(
            (frame) => frame.kind === "responseHead" && frame.streamId === streamId,
          ),
        `response ${round}`,
      );
    }
    // The window was credited back for what the origin took (the grants exceed nothing sent).
    const granted = edge.received
      .filter((frame) => frame.kind === "windowUpdate")
      .reduce((sum, frame) => sum + (frame.kind === "windowUpdate" ? frame.bytes : 0), 0);
    expect(granted).toBeLessThanOrEqual(3 * body.byteLength);
    expect(logs.filter((line) => /malformed|protocol|failed/.test(line))).toEqual([]);
  });

  it("closes with malformedFrame on a data frame that lies about its length", async () => {
    const edge = await fakeEdge();
    const origin = await recordingOrigin();
    const { connection, logs } = await connect(edge, origin.url);
    const { tcp } = await edge.peer;
    const lying = encodeFrame({ kind: "data", streamId: 1, bytes: pattern(100, 1) });
    new DataView(lying.buffer).setUint32(36, (200 << 3) | 2, true);
    tcp.write(binaryMessage(encodeFrame(requestHead(1, 300))));
    await writeCut(tcp, binaryMessage(lying), [20, 50]);
    expect((await connection.ended).code).toBe(CLOSE_CODES.malformedFrame);
    expect((await edge.closed).code).toBe(CLOSE_CODES.malformedFrame);
    expect(logs.some((line) => line.includes("malformed frame"))).toBe(true);
  });

  it("closes cleanly, with its code, when the connector closes in the middle of a data frame", async () => {
    const edge = await fakeEdge();
    const origin = await recordingOrigin();
    const { connection } = await connect(edge, origin.url);
    const { tcp } = await edge.peer;
    tcp.write(binaryMessage(encodeFrame(requestHead(1, 2_000_000))));
    const frame = binaryMessage(
      encodeFrame({ kind: "data", streamId: 1, bytes: pattern(300_000, 2) }),
    );
    // Half a frame is in flight when the connector closes: it must not be delivered.
    await writeCut(tcp, frame.subarray(0, 150_000), []);
    await connection.close(1000, "connector closing");
    expect(await edge.closed).toEqual({ code: 1000, reason: "connector closing" });
  });
});

describe("EdgeConnection masking", () => {
  it("masks every frame to a loopback edge with a zero key, data frames and ws's own alike", async () => {
    const edge = await fakeEdge();
    const body = Buffer.from(pattern(300_000, 9));
    // Sent in two parts a moment apart, so the answer streams as data frames (DataFrameSender)
    // instead of going whole with its head.
    const server = http.createServer((_request, response) => {
      response.write(body.subarray(0, 100_000));
      setTimeout(() => response.end(body.subarray(100_000)), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const { port } = server.address() as AddressInfo;
    await connect(edge, new URL(`http://127.0.0.1:${port}`));
    const { tcp } = await edge.peer;
    tcp.write(binaryMessage(encodeFrame(requestHead(1, 10))));
    tcp.write(binaryMessage(encodeFrame({ kind: "data", streamId: 1, bytes: pattern(10, 1) })));
    tcp.write(binaryMessage(encodeFrame({ kind: "end", streamId: 1 })));
    await until(
      () => edge.received.some((frame) => frame.kind === "end" && frame.streamId === 1),
      "the answer's end",
    );
    // The head may carry the first bytes; the data frames carry the rest.
    const sent = edge.received.flatMap((frame) =>
      frame.kind === "data" && frame.streamId === 1
        ? [Buffer.from(frame.bytes)]
        : frame.kind === "responseHead" && frame.body
          ? [Buffer.from(frame.body)]
          : [],
    );
    expect(Buffer.concat(sent).equals(body)).toBe(true);

    // Walk the raw client frames: each has the mask bit and a key; all keys are zero.
    const bytes = Buffer.concat(edge.raw);
    const keys: string[] = [];
    for (let at = 0; at < bytes.byteLength; ) {
      expect(bytes[at + 1]! & 0x80, `mask bit of the frame at ${at}`).toBe(0x80);
      const short = bytes[at + 1]! & 0x7f;
      const [length, keyAt] =
        short < 126
          ? [short, at + 2]
          : short === 126
            ? [bytes.readUInt16BE(at + 2), at + 4]
            : [Number(bytes.readBigUInt64BE(at + 2)), at + 10];
      keys.push(bytes.subarray(keyAt, keyAt + 4).toString("hex"));
      at = keyAt + 4 + length;
    }
    // Every message the edge read (hello, the head, data frames from DataFrameSender, end).
    expect(edge.received.some((frame) => frame.kind === "data")).toBe(true);
    expect(keys.length).toBeGreaterThanOrEqual(edge.received.length);
    expect(new Set(keys)).toEqual(new Set(["00000000"]));
  });
});
