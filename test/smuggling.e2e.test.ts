import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { type RawOrigin, rawExchange, startRawOrigin } from "./harness/raw-http";
import { visit, visitorAgent } from "./harness/visitor";

/**
 * Request smuggling (issue 8, point 3): a visitor whose request carries two framings hoped the
 * edge and the origin would disagree on where its body ends, so that the rest of the body is
 * read by the origin as a second request on a pooled keep-alive connection, and the next visitor
 * receives its answer. The origin here parses every byte it receives, so a smuggled request
 * shows up as a request of its own.
 */
describe("request smuggling through the tunnel", () => {
  let edge: TestEdge;
  let origin: RawOrigin;
  let connector: Connector;

  beforeAll(async () => {
    edge = await startEdge();
    origin = await startRawOrigin();
    connector = await startConnector({ edge: edge.url, origin: origin.url });
  });
  afterAll(async () => {
    await stopConnector(connector);
    await origin?.close();
    visitorAgent.destroy();
    await edge?.dispose();
  });

  const SMUGGLED = "GET /smuggled HTTP/1.1\r\nhost: x\r\nx-ignore: ";

  /** A chunked body whose first 4 bytes are innocent and whose rest is another request. */
  function chunked(payload: string): string {
    return `${payload.length.toString(16)}\r\n${payload}\r\n0\r\n\r\n`;
  }

  function attack(lines: string[], body: string, method = "POST"): string {
    return [
      `${method} /attack HTTP/1.1`,
      `host: ${connector.hostname}:${edge.port}`,
      ...lines,
      "connection: close",
      "",
      body,
    ].join("\r\n");
  }

  /** A normal visitor right after the attack gets its own answer, not the smuggled one. */
  async function expectVictimServed(): Promise<void> {
    for (let i = 0; i < 3; i++) {
      const victim = await visit({
        port: edge.port,
        hostname: connector.hostname,
        path: `/victim-${i}`,
      });
      expect(victim.status).toBe(200);
      expect(victim.body.toString("latin1")).toBe(`answer:/victim-${i}`);
    }
    expect(origin.requests.some((request) => request.path === "/smuggled")).toBe(false);
    expect(origin.allBytes()).not.toContain("/smuggled");
    expect(connector.process.exitCode).toBeNull();
  }

  it("refuses Content-Length together with Transfer-Encoding with 400 / 1038 (CL.TE smuggling)", async () => {
    const answer = await rawExchange(
      edge.port,
      attack(["content-length: 4", "transfer-encoding: chunked"], chunked(`ABCD${SMUGGLED}`)),
    );
    expect(answer.status).toBe(400);
    expect(answer.head.toLowerCase()).toContain("x-burrow-error: 1038");
    expect(origin.requests.some((request) => request.path === "/attack")).toBe(false);
    await expectVictimServed();
  });

  it("refuses the same pair in any header case", async () => {
    const answer = await rawExchange(
      edge.port,
      attack(["Content-Length: 4", "TRANSFER-ENCODING: Chunked"], chunked(`ABCD${SMUGGLED}`)),
    );
    expect(answer.status).toBe(400);
    await expectVictimServed();
  });

  it("forwards nothing for `chunked` that is not the last coding (workerd refuses it itself)", async () => {
    const answer = await rawExchange(
      edge.port,
      attack(
        ["content-length: 4", "transfer-encoding: chunked, identity"],
        chunked(`ABCD${SMUGGLED}`),
      ),
    );
    // workerd's own HTTP server answers 500 before any Worker runs; nothing reaches the origin.
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(origin.requests.some((request) => request.path === "/attack")).toBe(false);
    await expectVictimServed();
  });

  it("forwards nothing for duplicate or list-valued Content-Length (workerd refuses them)", async () => {
    for (const lines of [
      ["content-length: 4", "content-length: 45"],
      ["content-length: 4, 45"],
      ["content-length: 45, 45"],
    ]) {
      const answer = await rawExchange(edge.port, attack(lines, `ABCD${SMUGGLED}`.slice(0, 45)));
      expect(answer.status).toBeGreaterThanOrEqual(400);
    }
    expect(origin.requests.some((request) => request.path === "/attack")).toBe(false);
    await expectVictimServed();
  });

  it("refuses Transfer-Encoding on a GET with 400 instead of letting its body become a request", async () => {
    for (const lines of [["transfer-encoding: chunked"], ["content-length: 45"]]) {
      const body = lines[0]!.startsWith("transfer")
        ? chunked(`ABCD${SMUGGLED}\r\n\r\n`)
        : `ABCD${SMUGGLED}`.slice(0, 45);
      const answer = await rawExchange(edge.port, attack(lines, body, "GET"));
      expect(answer.status).toBe(400);
      expect(answer.head.toLowerCase()).toContain("x-burrow-error: 1038");
    }
    expect(origin.requests.some((request) => request.path === "/attack")).toBe(false);
    await expectVictimServed();
  });

  it("gives the origin the exact declared length for an honest upload", async () => {
    const answer = await rawExchange(edge.port, attack(["content-length: 11"], "hello world"));
    expect(answer.status).toBe(200);
    const seen = origin.requests.filter((request) => request.path === "/attack").at(-1)!;
    expect(seen.headers).toContainEqual(["content-length", "11"]);
    expect(seen.body.toString("latin1")).toBe("hello world");
    await expectVictimServed();
  });
});
