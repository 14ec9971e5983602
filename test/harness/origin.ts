import { createHash } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";

/** What the origin saw of one request, for assertions about what crossed the tunnel. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A held request (`/slow`, `/stall`, `/sse`) waits on one of these until the test releases it. */
type Gate = { promise: Promise<void>; open: () => void };

/** A real HTTP + WebSocket origin on 127.0.0.1 with the routes the end-to-end tests need. */
export interface Origin {
  url: URL;
  port: number;
  /** Every request the origin received, in arrival order. */
  seen: SeenRequest[];
  /** Requests held by `/slow` right now. */
  readonly slowHeld: number;
  /** Resolves once `count` `/slow` requests are held at the same time. */
  waitForSlowHeld(count: number): Promise<void>;
  /** Lets every held `/slow`, `/stall` and `/sse` request finish (now and from now on). */
  release(): void;
  /** Re-arms the gate after {@link release}, so new requests are held again. */
  hold(): void;
  /** Resolves when the origin has seen a request whose path starts with `prefix`. */
  waitForRequest(prefix: string): Promise<SeenRequest>;
  /** Resolves once the body of a `/trickle` request, still arriving or not, contains `text`. */
  waitForBodyText(text: string): Promise<void>;
  /** How the latest `/trickle` request's body ended: read to its end, or aborted mid-way. */
  trickleEnded(): Promise<"complete" | "aborted">;
  close(): Promise<void>;
}

/** Origins never hold a request longer than this, so a broken test cannot hang the suite. */
const MAX_HOLD_MS = 60_000;
const CHUNK_BYTES = 64 * 1024;

/**
 * Deterministic pseudo-random bytes (xorshift32): the origin streams them for `/bytes` and a test
 * recomputes the same stream to compare digests, so no 50 MiB buffer is ever kept around.
 */
export function* deterministicChunks(totalBytes: number, seed: number): Generator<Buffer> {
  let state = seed >>> 0 || 0x9e3779b9;
  for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) {
    const size = Math.min(CHUNK_BYTES, totalBytes - sent);
    const chunk = Buffer.allocUnsafe(size + 3);
    for (let i = 0; i < size; i += 4) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      chunk.writeUInt32LE(state >>> 0, i);
    }
    yield chunk.subarray(0, size);
  }
}

/** SHA-256 (hex) of {@link deterministicChunks}. */
export function deterministicSha256(totalBytes: number, seed: number): string {
  const hash = createHash("sha256");
  for (const chunk of deterministicChunks(totalBytes, seed)) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * Starts the origin. Routes:
 * - `GET /bytes?n=&seed=` streams n deterministic bytes with backpressure
 * - `POST /upload` hashes the body and answers `{ sha256, length }`
 * - `GET /sse?events=` sends one event, waits for {@link Origin.release}, then sends the rest
 * - `GET /slow` answers "done" once released
 * - `GET /stall?length=` sends a head (declaring `length` if given) and 64 KiB, then waits
 * - `GET /echo-headers` answers the request's method, url and headers as JSON
 * - `POST /trickle` reads the body as it comes ({@link Origin.waitForBodyText}), then answers it
 * - WebSocket upgrades on any path: an echo server (text stays text, binary stays binary)
 */
export async function startOrigin(): Promise<Origin> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Duplex>();
  const seenWaiters: Array<{ prefix: string; resolve: (request: SeenRequest) => void }> = [];
  const heldWaiters: Array<{ count: number; resolve: () => void }> = [];
  let slowHeld = 0;
  let gate = newGate();
  let trickled = "";
  let trickleEnd: Promise<"complete" | "aborted"> = new Promise(() => {});
  const bodyTextWaiters: Array<{ text: string; resolve: () => void }> = [];
  const notifyBodyText = () => {
    for (const waiter of [...bodyTextWaiters]) {
      if (trickled.includes(waiter.text)) {
        bodyTextWaiters.splice(bodyTextWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };

  const notifyHeld = () => {
    for (const waiter of [...heldWaiters]) {
      if (slowHeld >= waiter.count) {
        heldWaiters.splice(heldWaiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const waitGate = () =>
    Promise.race([
      gate.promise,
      new Promise<void>((resolve) => setTimeout(resolve, MAX_HOLD_MS).unref()),
    ]);

  // Node's default 16 KiB header limit is below the edge's 32 KiB; the origin must not be the
  // one answering 431 in the header-limit tests.
  const server = http.createServer({ maxHeaderSize: 64 * 1024 }, async (request, response) => {
    const url = new URL(request.url ?? "/", "http://origin");
    const record = {
      method: request.method ?? "",
      url: request.url ?? "",
      headers: request.headers,
    };
    seen.push(record);
    for (const waiter of [...seenWaiters]) {
      if (url.pathname.startsWith(waiter.prefix)) {
        seenWaiters.splice(seenWaiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    }
    try {
      switch (url.pathname) {
        case "/bytes": {
          const total = Number(url.searchParams.get("n") ?? 0);
          const seed = Number(url.searchParams.get("seed") ?? 1);
          response.writeHead(200, {
            "content-type": "application/octet-stream",
            "content-length": total,
          });
          for (const chunk of deterministicChunks(total, seed)) {
            if (!response.write(chunk)) await drained(response);
            if (response.destroyed) return;
          }
          response.end();
          return;
        }
        case "/upload": {
          const hash = createHash("sha256");
          let length = 0;
          for await (const chunk of request as AsyncIterable<Buffer>) {
            hash.update(chunk);
            length += chunk.byteLength;
          }
          sendJson(response, { sha256: hash.digest("hex"), length });
          return;
        }
        case "/sse": {
          const events = Number(url.searchParams.get("events") ?? 3);
          response.writeHead(200, {
            "content-type": "text/event-stream",
            "cache-control": "no-store",
          });
          response.write("id: 1\ndata: first\n\n");
          await waitGate();
          for (let id = 2; id <= events; id++) {
            response.write(`id: ${id}\ndata: event ${id}\n\n`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          response.end();
          return;
        }
        case "/slow": {
          slowHeld++;
          notifyHeld();
          try {
            await waitGate();
          } finally {
            slowHeld--;
          }
          sendText(response, "done");
          return;
        }
        case "/stall": {
          const declared = url.searchParams.get("length");
          response.writeHead(200, {
            "content-type": "application/octet-stream",
            ...(declared ? { "content-length": declared } : {}),
          });
          response.write(Buffer.alloc(CHUNK_BYTES, 0x61));
          await waitGate();
          response.end();
          return;
        }
        case "/echo-headers":
          sendJson(response, record);
          return;
        case "/trickle": {
          trickled = "";
          let ended: (how: "complete" | "aborted") => void = () => {};
          trickleEnd = new Promise((resolve) => (ended = resolve));
          try {
            for await (const chunk of request as AsyncIterable<Buffer>) {
              trickled += chunk.toString("utf8");
              notifyBodyText();
            }
          } catch (error) {
            ended("aborted");
            throw error;
          }
          ended(request.complete ? "complete" : "aborted");
          sendText(response, trickled);
          return;
        }
        default:
          response.writeHead(404, { "content-type": "text/plain" });
          response.end("no such route\n");
      }
    } catch {
      response.destroy();
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  const webSockets = new WebSocketServer({ noServer: true });
  webSockets.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
    socket.on("close", (code, reason) => {
      if (socket.readyState !== socket.CLOSED) socket.close(code === 1005 ? 1000 : code, reason);
    });
  });
  server.on("upgrade", (request, socket, head) => {
    seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers });
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    webSockets.handleUpgrade(request, socket, head, (ws) =>
      webSockets.emit("connection", ws, request),
    );
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.maxConnections = 5_000;
  const { port } = server.address() as AddressInfo;

  return {
    url: new URL(`http://127.0.0.1:${port}`),
    port,
    seen,
    get slowHeld() {
      return slowHeld;
    },
    waitForSlowHeld(count) {
      if (slowHeld >= count) return Promise.resolve();
      return new Promise((resolve) => heldWaiters.push({ count, resolve }));
    },
    release() {
      gate.open();
    },
    hold() {
      gate = newGate();
    },
    trickleEnded() {
      return trickleEnd;
    },
    waitForBodyText(text) {
      if (trickled.includes(text)) return Promise.resolve();
      return new Promise((resolve) => bodyTextWaiters.push({ text, resolve }));
    },
    waitForRequest(prefix) {
      const already = seen.find((request) => request.url.startsWith(prefix));
      if (already) return Promise.resolve(already);
      return new Promise((resolve) => seenWaiters.push({ prefix, resolve }));
    },
    async close() {
      gate.open();
      for (const client of webSockets.clients) client.terminate();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function newGate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

function drained(response: http.ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      response.off("drain", done);
      response.off("close", done);
      resolve();
    };
    response.on("drain", done);
    response.on("close", done);
  });
}

function sendJson(response: http.ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  response.end(body);
}

function sendText(response: http.ServerResponse, text: string): void {
  response.writeHead(200, {
    "content-type": "text/plain",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

/** A port on 127.0.0.1 that refuses connections: bound once to learn a free number, then closed. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
