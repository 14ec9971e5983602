import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startEdge, type TestEdge } from "./harness/edge";
import { type RawOrigin, rawExchange, startRawOrigin } from "./harness/raw-http";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

/** Header values as the bytes a visitor's client put on the wire (Latin-1: one char per byte). */
const utf8Bytes = (text: string) => Buffer.from(text, "utf8").toString("latin1");

describe("request heads a visitor sends (issue 8, points 1, 2 and 9)", () => {
  const stack = useTunnelStack({ connector: true });

  function raw(lines: string[], path = "/echo-headers", connection = "close") {
    const head = [
      `GET ${path} HTTP/1.1`,
      `host: ${stack.connector.hostname}:${stack.edge.port}`,
      ...lines,
      `connection: ${connection}`,
    ];
    return rawExchange(stack.edge.port, `${head.join("\r\n")}\r\n\r\n`);
  }

  /** The connector process is alive and still carries a normal request to the origin. */
  async function expectConnectorServing(): Promise<void> {
    expect(stack.connector.process.exitCode).toBeNull();
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
    });
    expect(response.status).toBe(200);
  }

  async function echoed(headers: Record<string, string>): Promise<Record<string, string>> {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
      headers,
    });
    expect(response.status).toBe(200);
    return (JSON.parse(response.body.toString("utf8")) as { headers: Record<string, string> })
      .headers;
  }

  it("carries a UTF-8 header value to the origin byte for byte (Zoë, not Latin-1 Zo\\xeb)", async () => {
    const seen = await echoed({ "x-name": utf8Bytes("Zoë") });
    // The origin's Node parser reads header bytes as Latin-1: its string holds the raw bytes.
    expect(Buffer.from(seen["x-name"]!, "latin1")).toEqual(Buffer.from("Zoë", "utf8"));
    await expectConnectorServing();
  });

  it("carries characters beyond Latin-1 (日本) instead of killing the connector", async () => {
    const seen = await echoed({ "x-a": utf8Bytes("日本") });
    expect(Buffer.from(seen["x-a"]!, "latin1")).toEqual(Buffer.from("日本", "utf8"));
    await expectConnectorServing();
  });

  it.each([
    ["a lone 0xE9 (workerd replaces it with U+FFFD)", "caf\xe9"],
    ["0xFF", "\xff"],
    ["DEL 0x7F", "a\x7fb"],
    ["the control character 0x01", "a\x01b"],
  ])("answers 400 / 1038 for %s in a value and keeps serving", async (_what, value) => {
    const before = stack.origin.seen.length;
    const answer = await raw([`x-a: ${value}`]);
    expect(answer.status).toBe(400);
    expect(answer.head.toLowerCase()).toContain("x-burrow-error: 1038");
    expect(stack.origin.seen.length).toBe(before);
    await expectConnectorServing();
  });

  it("keeps a horizontal tab inside a value", async () => {
    const seen = await echoed({ "x-a": "a\tb" });
    expect(seen["x-a"]).toBe("a\tb");
  });

  it("answers 400 for a header name that is not a token", async () => {
    // workerd refuses `X(A` itself; a name with UTF-8 bytes reaches the Worker as U+FFFD.
    for (const line of ["x(a: 1", `x-${utf8Bytes("é")}: 1`]) {
      const answer = await raw([line]);
      expect(answer.status).toBe(400);
    }
    await expectConnectorServing();
  });

  it.each([
    ["a repeated subprotocol", "chat, chat"],
    ["a space inside a subprotocol", "a b"],
    ["an empty list member", ","],
  ])("answers 400 / 1038 for %s in Sec-WebSocket-Protocol", async (_what, protocols) => {
    const answer = await raw(
      [
        "upgrade: websocket",
        "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version: 13",
        `sec-websocket-protocol: ${protocols}`,
      ],
      "/ws",
      "upgrade",
    );
    expect(answer.status).toBe(400);
    expect(answer.head.toLowerCase()).toContain("x-burrow-error: 1038");
    await expectConnectorServing();
  });

  it("still negotiates a valid subprotocol list", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${stack.edge.port}/ws`, ["chat", "superchat"], {
      headers: { host: `${stack.connector.hostname}:${stack.edge.port}` },
      perMessageDeflate: false,
    });
    await new Promise((resolve, reject) => {
      socket.once("open", resolve);
      socket.once("error", reject);
    });
    expect(socket.protocol).toBe("chat");
    socket.close();
  });

  it("never forwards a Host or target that workerd or the edge refuses", async () => {
    // workerd's HTTP server answers 500 itself to absolute-form targets, a space or brace in Host
    // and two Host headers (no Worker runs; on Cloudflare such requests never reach one). An
    // unclosed IPv6 literal, two colons or a port that is not a number reach the edge, which
    // answers 400. What matters: nothing reaches the tunnel.
    const before = stack.origin.seen.length;
    const host = `${stack.connector.hostname}:${stack.edge.port}`;
    const requests = [
      `GET http://${host}/echo-headers HTTP/1.1\r\nhost: ${host}\r\n`,
      `GET /echo-headers HTTP/1.1\r\nhost: ${host}\r\nhost: other.localhost\r\n`,
      ...["a b", "[::1", "a:b:c", "a.localhost:http", "a{b}.localhost", "a`b.localhost"].map(
        (bad) => `GET /echo-headers HTTP/1.1\r\nhost: ${bad}\r\n`,
      ),
    ];
    for (const request of requests) {
      const answer = await rawExchange(stack.edge.port, `${request}connection: close\r\n\r\n`);
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
    expect(stack.origin.seen.length).toBe(before);
    await expectConnectorServing();
  });

  it("strips the headers a visitor's Connection names before the origin (RFC 9110 §7.6.1)", async () => {
    const answer = await raw(["x-secret: 1", "x-kept: 2", "connection: x-secret"]);
    expect(answer.status).toBe(200);
    const seen = JSON.parse(answer.body) as { headers: Record<string, string> };
    expect(seen.headers["x-secret"]).toBeUndefined();
    expect(seen.headers["x-kept"]).toBe("2");
  });
});

describe("response heads an origin sends", () => {
  let edge: TestEdge;
  let origin: RawOrigin;
  let connector: Connector;

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startRawOrigin(() => ({
      headers: [
        "connection: x-hop",
        "x-hop: per-connection",
        "x-end: kept",
        `x-name: ${utf8Bytes("Zoë")}`,
      ],
    }));
    connector = await startConnector({ edge: edge.url, origin: origin.url });
  });
  afterAll(async () => {
    await stopConnector(connector);
    await origin?.close();
    await edge?.dispose();
  });

  it("strips what the origin's Connection names and keeps UTF-8 values byte for byte", async () => {
    const answer = await rawExchange(
      edge.port,
      `GET / HTTP/1.1\r\nhost: ${connector.hostname}:${edge.port}\r\nconnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(200);
    const head = answer.head.toLowerCase();
    expect(head).not.toContain("x-hop");
    expect(head).toContain("x-end: kept");
    expect(answer.head).toContain(`x-name: ${utf8Bytes("Zoë")}`);
  });
});
