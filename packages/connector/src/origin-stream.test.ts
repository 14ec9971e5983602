import http from "node:http";
import https from "node:https";
import net from "node:net";
import { type Frame, ResetCode } from "@burrow/wire";
import { describe, expect, it } from "vitest";
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

function streamFor(origin: URL, head: Partial<Extract<Frame, { kind: "requestHead" }>>) {
  const sent: Frame[] = [];
  const agent = { http: new http.Agent({ keepAlive: true }), https: new https.Agent() };
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
    // Node holds the head until the first body write, so the origin saw nothing at all.
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
    await until(() => origin.connections[0]?.closed === true);
    expect(origin.connections[0]!.closed).toBe(true);
    expect(sent.at(-1)).toMatchObject({ kind: "reset", code: ResetCode.protocol });
    agent.http.destroy();
    origin.server.close();
  });
});
