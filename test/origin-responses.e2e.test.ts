import { createHash } from "node:crypto";
import net from "node:net";
import { type Connector, startConnector, stopConnector } from "@burrow/connector/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "./harness/edge";
import { deterministicChunks, deterministicSha256 } from "./harness/origin";
import { openRequest, readBody, visit, visitorAgent } from "./harness/visitor";

/**
 * The connector reads plain-HTTP origins with its own HTTP/1.1 client
 * (packages/connector/src/origin-http1/). These are the answers real origins give that a simple
 * client gets wrong, each written byte for byte by a scripted origin and read by a visitor
 * through the real edge and connector process.
 */
type Script = (socket: net.Socket) => void;

const BIG_BYTES = 3 * 1024 * 1024 + 17;
const BIG_SEED = 7;

/** What the origin answers per request path; the first line of each request picks the script. */
const scripts: Record<string, Script> = {
  // HTTP/1.0 style: no length, the body ends when the origin closes.
  "/until-close": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\n\r\n");
    writeAll(socket, deterministicChunks(BIG_BYTES, BIG_SEED), () => socket.end());
  },
  // Chunked with extensions, odd chunk sizes, each chunk's parts in separate writes, trailers.
  "/chunked-odd": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
    const pieces: string[] = [];
    for (let size = 1; size < 3000; size = size * 3 + 1) {
      pieces.push(`${size.toString(16)};ext=1\r\n`, "x".repeat(size), "\r\n");
    }
    pieces.push("0\r\nx-trailer: t\r\n\r\n");
    const next = () => {
      const piece = pieces.shift();
      if (piece !== undefined) socket.write(piece, () => setImmediate(next));
    };
    next();
  },
  // An interim 103 Early Hints head before the final one.
  "/early-hints": (socket) => {
    socket.write("HTTP/1.1 103 Early Hints\r\nlink: </a.css>; rel=preload\r\n\r\n");
    socket.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal");
  },
  // A complete answer with a second, unasked-for one right behind it on the same connection.
  "/answer-and-more": (socket) => {
    socket.write(
      "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfirst" +
        "HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nsmuggled",
    );
  },
  "/conflicting-lengths": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nabcdef");
  },
  "/bad-status-line": (socket) => {
    socket.write("HTTP/1.1 2OO OK\r\ncontent-length: 2\r\n\r\nok");
  },
  // Declares 1 MiB, sends 100 KiB, closes.
  "/cut-short": (socket) => {
    socket.write(`HTTP/1.1 200 OK\r\ncontent-length: ${1024 * 1024}\r\n\r\n`);
    socket.end(Buffer.alloc(100 * 1024, 1));
  },
  "/keep-alive": (socket) => {
    socket.write("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
  },
};

/** Writes `chunks` in order with back-pressure, then calls `done`. */
function writeAll(socket: net.Socket, chunks: Iterable<Buffer>, done: () => void): void {
  const iterator = chunks[Symbol.iterator]();
  const pump = () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      if (!socket.write(next.value)) {
        socket.once("drain", pump);
        return;
      }
    }
    done();
  };
  pump();
}

describe("origin answers read by the connector's HTTP/1.1 client", () => {
  let edge: TestEdge;
  let connector: Connector;
  let server: net.Server;
  const sockets = new Set<net.Socket>();
  /** Connections the origin accepted, and requests per connection (by request line). */
  const connections: string[][] = [];

  beforeAll(async () => {
    server = net.createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
      const requests: string[] = [];
      connections.push(requests);
      let pending = "";
      socket.on("data", (chunk: Buffer) => {
        pending += chunk.toString("latin1");
        // GET requests only: a request ends with its blank line.
        for (let end = pending.indexOf("\r\n\r\n"); end !== -1; end = pending.indexOf("\r\n\r\n")) {
          const line = pending.slice(0, pending.indexOf("\r\n"));
          pending = pending.slice(end + 4);
          requests.push(line);
          const path = line.split(" ")[1] ?? "/";
          const script = scripts[path];
          if (script) script(socket);
          else socket.end("HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n");
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    edge = await startEdge();
    connector = await startConnector({
      edge: edge.url,
      origin: new URL(`http://127.0.0.1:${port}`),
    });
  });

  afterAll(async () => {
    await stopConnector(connector);
    visitorAgent.destroy();
    await edge?.dispose();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const get = (path: string) => visit({ port: edge.port, hostname: connector.hostname, path });

  it("relays a body that ends when the origin closes, every byte", async () => {
    const response = await get("/until-close");
    expect(response.status).toBe(200);
    expect(response.body.byteLength).toBe(BIG_BYTES);
    expect(createHash("sha256").update(response.body).digest("hex")).toBe(
      deterministicSha256(BIG_BYTES, BIG_SEED),
    );
  });

  it("relays a chunked body with extensions and trailers, written a piece at a time", async () => {
    const response = await get("/chunked-odd");
    let expected = 0;
    for (let size = 1; size < 3000; size = size * 3 + 1) expected += size;
    expect(response.status).toBe(200);
    expect(response.body.toString("latin1")).toBe("x".repeat(expected));
  });

  it("skips a 103 Early Hints head and relays the final answer", async () => {
    const response = await get("/early-hints");
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe("final");
  });

  it("never hands the next visitor bytes the origin sent past an answer (the connection is dropped)", async () => {
    const first = await get("/answer-and-more");
    expect(first.body.toString()).toBe("first");
    const before = connections.length;
    const second = await get("/keep-alive");
    expect(second.body.toString()).toBe("ok");
    // The second request went out on a new connection: the one carrying "smuggled" is gone.
    expect(connections.length).toBe(before + 1);
  });

  it("answers 502 for a response with conflicting Content-Length values, and keeps serving", async () => {
    const response = await get("/conflicting-lengths");
    expect(response.status).toBe(502);
    expect(response.body.toString()).not.toContain("abcdef");
    expect((await get("/keep-alive")).body.toString()).toBe("ok");
  });

  it("answers 502 for a malformed status line, and keeps serving", async () => {
    expect((await get("/bad-status-line")).status).toBe(502);
    expect((await get("/keep-alive")).body.toString()).toBe("ok");
  });

  it("cuts the visitor's response off when the origin closes mid-body, and keeps serving", async () => {
    const response = await openRequest({
      port: edge.port,
      hostname: connector.hostname,
      path: "/cut-short",
    });
    expect(response.statusCode).toBe(200);
    await expect(readBody(response)).rejects.toThrow();
    expect((await get("/keep-alive")).body.toString()).toBe("ok");
  });

  it("serves sequential requests over one kept-alive origin connection", async () => {
    await get("/keep-alive");
    const before = connections.length;
    for (let i = 0; i < 20; i++) expect((await get("/keep-alive")).body.toString()).toBe("ok");
    expect(connections.length).toBe(before);
    expect(connections.at(-1)!.length).toBeGreaterThanOrEqual(21);
  });
});
