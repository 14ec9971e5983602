import http from "node:http";
import https from "node:https";
import net from "node:net";
import {
  type Frame,
  INITIAL_WINDOW_BYTES,
  MAX_DATA_CHUNK_BYTES,
  MAX_GROWN_WINDOW_BYTES,
  ResetCode,
  WindowBudget,
} from "@burrow/wire";
import { describe, expect, it } from "vitest";
import { OriginHttpAgent } from "./origin-http1/origin-http-agent";
import { originUrlFor, SingleOriginRouter } from "./origin-router";
import { OriginStream } from "./origin-stream";
import { requestFraming, subprotocolList } from "./request-framing";

describe("originUrlFor", () => {
  it("keeps the origin's host and base path and takes the visitor's path and query", () => {
    const origin = new URL("http://localhost:3000/app/");
    expect(originUrlFor(origin, "https://a-b-c-d.example.com/x/y?z=1").href).toBe(
      "http://localhost:3000/app/x/y?z=1",
    );
  });

  it("never lets the visitor's URL pick another host or port", () => {
    const origin = new URL("http://127.0.0.1:8080");
    for (const url of [
      "http://evil.example:22/",
      "//evil.example/",
      "http://127.0.0.1:9999/admin",
    ]) {
      const target = originUrlFor(origin, url);
      expect(target.host).toBe("127.0.0.1:8080");
    }
  });
});

describe("requestFraming", () => {
  it("chunks a body without a length, whatever Transfer-Encoding the head named", () => {
    const framing = requestFraming([["transfer-encoding", "gzip"]], true);
    expect(framing).toEqual({
      ok: true,
      headers: [["transfer-encoding", "chunked"]],
      declaredBytes: null,
    });
  });

  it("keeps one Content-Length and refuses conflicting, malformed or bodiless ones", () => {
    expect(requestFraming([["Content-Length", "5, 5"]], true)).toMatchObject({ declaredBytes: 5 });
    expect(
      requestFraming(
        [
          ["content-length", "4"],
          ["content-length", "5"],
        ],
        true,
      ).ok,
    ).toBe(false);
    expect(requestFraming([["content-length", "-1"]], true).ok).toBe(false);
    expect(requestFraming([["content-length", "4"]], false).ok).toBe(false);
    expect(requestFraming([["content-length", "0"]], false).ok).toBe(true);
  });
});

describe("subprotocolList", () => {
  it("accepts tokens and refuses empty members and spaces", () => {
    expect(subprotocolList("chat, superchat")).toEqual(["chat", "superchat"]);
    expect(subprotocolList(",")).toBeNull();
    expect(subprotocolList("a b")).toBeNull();
  });
});

/** A raw origin on 127.0.0.1 recording the bytes of each connection and whether it was closed. */
async function recordingOrigin() {
  const connections: Array<{ bytes: Buffer[]; closed: boolean }> = [];
  const server = net.createServer((socket) => {
    const record = { bytes: [] as Buffer[], closed: false };
    connections.push(record);
    socket.on("data", (chunk: Buffer) => record.bytes.push(chunk));
    socket.on("close", () => (record.closed = true));
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), connections, server };
}

function streamFor(
  origin: URL,
  head: Partial<Extract<Frame, { kind: "requestHead" }>>,
  windowBudget?: WindowBudget,
) {
  const sent: Frame[] = [];
  const agent = { http: new OriginHttpAgent({ keepAlive: true }), https: new https.Agent() };
  const stream = new OriginStream(
    1,
    {
      kind: "requestHead",
      streamId: 1,
      method: "POST",
      url: "http://t.localhost/upload",
      headers: [],
      websocket: false,
      hasBody: true,
      target: null,
      ...head,
    },
    {
      router: new SingleOriginRouter(origin, agent),
      agent,
      windowBudget,
      send: (frame) => sent.push(frame),
      onDone: () => {},
    },
  );
  return { stream, sent, agent };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
};

describe("OriginStream", () => {
  it("resets the stream instead of throwing for a header value Node refuses (regression: 日本 killed the connector)", () => {
    const { stream, sent } = streamFor(new URL("http://127.0.0.1:9"), {
      method: "GET",
      hasBody: false,
      headers: [["x-a", "日本"]],
    });
    expect(() => stream.start()).not.toThrow();
    expect(sent).toMatchObject([{ kind: "reset", code: ResetCode.refused }]);
  });

  it("resets the stream for a duplicated subprotocol instead of throwing", () => {
    const { stream, sent } = streamFor(new URL("http://127.0.0.1:9"), {
      method: "GET",
      hasBody: false,
      websocket: true,
      headers: [["sec-websocket-protocol", "chat, chat"]],
    });
    expect(() => stream.start()).not.toThrow();
    expect(sent).toMatchObject([{ kind: "reset", code: ResetCode.refused }]);
  });

  it("never sends the origin more body than the declared Content-Length, and drops that socket", async () => {
    const origin = await recordingOrigin();
    const { stream, sent, agent } = streamFor(origin.url, { headers: [["content-length", "4"]] });
    stream.start();
    await until(() => origin.connections.length === 1);
    expect(
      stream.receive({ kind: "data", streamId: 1, bytes: new TextEncoder().encode("ABCDGET /x") }),
    ).toBe(true);
    await until(() => origin.connections[0]!.closed);
    const received = Buffer.concat(origin.connections[0]!.bytes).toString("latin1");
    // The head may have left, but no byte of the body: the overlong frame is refused whole.
    expect(received).not.toContain("GET /x");
    expect(origin.connections[0]!.closed).toBe(true);
    expect(sent.at(-1)).toMatchObject({ kind: "reset", code: ResetCode.protocol });
    agent.http.destroy();
    origin.server.close();
  });

  it("resets a body that ends short of its Content-Length and drops that socket", async () => {
    const origin = await recordingOrigin();
    const { stream, sent, agent } = streamFor(origin.url, { headers: [["content-length", "10"]] });
    stream.start();
    stream.receive({ kind: "data", streamId: 1, bytes: new TextEncoder().encode("ABCD") });
    stream.receive({ kind: "end", streamId: 1 });
    expect(sent.at(-1)).toMatchObject({ kind: "reset", code: ResetCode.protocol });
    // The connection is closed at once, before or after the origin accepted it: none stays open.
    await until(() => origin.connections.every((connection) => connection.closed));
    expect(origin.connections.every((connection) => connection.closed)).toBe(true);
    agent.http.destroy();
    origin.server.close();
  });
});

describe("OriginStream request body window", () => {
  /**
   * Uploads `totalBytes` the way the edge does (data frames only within the credit the stream
   * granted) to an origin that reads as fast as it can; returns the credit the stream granted.
   */
  async function upload(totalBytes: number, windowBudget?: WindowBudget) {
    let received = 0;
    const origin = await httpOrigin((request, response) => {
      request.on("data", (chunk: Buffer) => (received += chunk.byteLength));
      request.on("end", () => response.end("done"));
    });
    const { stream, sent, agent } = streamFor(
      origin.url,
      {
        headers: [
          ["host", "t.localhost"],
          ["content-length", String(totalBytes)],
        ],
      },
      windowBudget,
    );
    stream.start();
    const chunk = new Uint8Array(MAX_DATA_CHUNK_BYTES);
    const granted = () =>
      sent.reduce((sum, frame) => sum + (frame.kind === "windowUpdate" ? frame.bytes : 0), 0);
    let sentBytes = 0;
    let mostCredit = INITIAL_WINDOW_BYTES;
    while (sentBytes < totalBytes) {
      await until(() => INITIAL_WINDOW_BYTES + granted() - sentBytes >= chunk.byteLength);
      mostCredit = Math.max(mostCredit, INITIAL_WINDOW_BYTES + granted() - sentBytes);
      expect(stream.receive({ kind: "data", streamId: 1, bytes: chunk })).toBe(true);
      sentBytes += chunk.byteLength;
    }
    stream.receive({ kind: "end", streamId: 1 });
    await until(() => sent.some((frame) => frame.kind === "responseHead"));
    agent.http.destroy();
    origin.server.close();
    return { received, mostCredit };
  }

  it("grows while the origin keeps up, within the connection's budget, and gives it back", async () => {
    const budget = new WindowBudget(16 * 1024 * 1024);
    const { received, mostCredit } = await upload(24 * 1024 * 1024, budget);
    expect(received).toBe(24 * 1024 * 1024);
    expect(mostCredit).toBeGreaterThan(INITIAL_WINDOW_BYTES);
    expect(mostCredit).toBeLessThanOrEqual(MAX_GROWN_WINDOW_BYTES);
    // The stream is over: what its window borrowed is back in the budget.
    expect(budget.available).toBe(16 * 1024 * 1024);
  });

  it("stays at the initial window without a budget", async () => {
    const { received, mostCredit } = await upload(8 * 1024 * 1024);
    expect(received).toBe(8 * 1024 * 1024);
    expect(mostCredit).toBe(INITIAL_WINDOW_BYTES);
  });
});

/** An HTTP origin on 127.0.0.1 answering every request with `handler`. */
async function httpOrigin(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: new URL(`http://127.0.0.1:${port}`), server };
}

/** A GET stream whose frames are recorded as the edge would receive them. */
function getStream(origin: URL) {
  const { stream, sent, agent } = streamFor(origin, {
    method: "GET",
    hasBody: false,
    headers: [["host", "t.localhost"]],
  });
  const bodyBytes = () =>
    sent.reduce(
      (total, frame) =>
        total +
        (frame.kind === "data"
          ? frame.bytes.byteLength
          : frame.kind === "responseHead"
            ? frame.body.byteLength
            : 0),
      0,
    );
  return { stream, sent, agent, bodyBytes };
}

describe("OriginStream response relay", () => {
  it("sends a chunked answer whose body and end come together as one head frame", async () => {
    const origin = await httpOrigin((_request, response) => {
      response.write("hello ");
      response.end("world");
    });
    const { stream, sent, agent } = getStream(origin.url);
    stream.start();
    await until(
      () => sent.length > 0 && (sent.at(-1) as { endStream?: boolean }).endStream === true,
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ kind: "responseHead", status: 200, endStream: true });
    expect(Buffer.from((sent[0] as { body: Uint8Array }).body).toString()).toBe("hello world");
    agent.http.destroy();
    origin.server.close();
  });

  it("sends each event of an event stream as soon as the origin writes it", async () => {
    let writeNext: (() => void) | null = null;
    const origin = await httpOrigin((_request, response) => {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write("data: one\n\n");
      writeNext = () => response.end("data: two\n\n");
    });
    const { stream, sent, agent, bodyBytes } = getStream(origin.url);
    stream.start();
    // The first event is relayed while the origin still holds the second back.
    await until(() => bodyBytes() === "data: one\n\n".length);
    expect(bodyBytes()).toBe("data: one\n\n".length);
    expect(sent.some((frame) => frame.kind === "end")).toBe(false);
    writeNext!();
    await until(() => sent.at(-1)?.kind === "end");
    expect(bodyBytes()).toBe("data: one\n\ndata: two\n\n".length);
    agent.http.destroy();
    origin.server.close();
  });

  it("joins a large write into data frames of at most 64 KiB, all bytes in order", async () => {
    const body = Buffer.alloc(300 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    const origin = await httpOrigin((_request, response) => {
      response.writeHead(200, { "content-length": String(body.length) });
      response.end(body);
    });
    const { stream, sent, agent } = getStream(origin.url);
    stream.start();
    await until(() => sent.at(-1)?.kind === "end");
    const pieces = sent.flatMap((frame) =>
      frame.kind === "data" ? [frame.bytes] : frame.kind === "responseHead" ? [frame.body] : [],
    );
    expect(pieces.every((piece) => piece.byteLength <= MAX_DATA_CHUNK_BYTES)).toBe(true);
    expect(Buffer.concat(pieces).equals(body)).toBe(true);
    expect(sent.filter((frame) => frame.kind === "data").length).toBeLessThanOrEqual(
      Math.ceil(body.length / MAX_DATA_CHUNK_BYTES),
    );
    agent.http.destroy();
    origin.server.close();
  });

  it("sends no more body than the edge's window until the edge grants more", async () => {
    const total = 3 * INITIAL_WINDOW_BYTES;
    const origin = await httpOrigin((_request, response) => {
      response.writeHead(200, { "content-length": String(total) });
      response.end(Buffer.alloc(total, 0x61));
    });
    const { stream, sent, agent, bodyBytes } = getStream(origin.url);
    stream.start();
    await until(() => bodyBytes() > INITIAL_WINDOW_BYTES - MAX_DATA_CHUNK_BYTES);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Paused on the window: everything it may send, and nothing more, however much is waiting.
    expect(bodyBytes()).toBeGreaterThan(INITIAL_WINDOW_BYTES - MAX_DATA_CHUNK_BYTES);
    expect(bodyBytes()).toBeLessThanOrEqual(INITIAL_WINDOW_BYTES);
    let credit = INITIAL_WINDOW_BYTES;
    for (let grants = 0; sent.at(-1)?.kind !== "end" && grants < 20; grants++) {
      const before = bodyBytes();
      credit += INITIAL_WINDOW_BYTES;
      stream.receive({ kind: "windowUpdate", streamId: 1, bytes: INITIAL_WINDOW_BYTES });
      await until(() => bodyBytes() > before);
      expect(bodyBytes()).toBeLessThanOrEqual(credit);
    }
    expect(bodyBytes()).toBe(total);
    expect(sent.at(-1)?.kind).toBe("end");
    agent.http.destroy();
    origin.server.close();
  });

  it("resets the stream when the origin closes in the middle of the body", async () => {
    const origin = await httpOrigin((_request, response) => {
      response.writeHead(200, { "content-length": "1000000" });
      response.write(Buffer.alloc(100_000));
      setTimeout(() => response.socket?.destroy(), 20);
    });
    const { stream, sent, agent } = getStream(origin.url);
    stream.start();
    await until(() => sent.at(-1)?.kind === "reset");
    expect(sent.at(-1)).toMatchObject({ kind: "reset", code: ResetCode.internal });
    expect(sent.some((frame) => frame.kind === "end")).toBe(false);
    agent.http.destroy();
    origin.server.close();
  });
});
