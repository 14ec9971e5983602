import http from "node:http";
import type { Readable } from "node:stream";
import WebSocket from "ws";

/**
 * Visitors reach tunnel hostnames on the edge's loopback port with a `Host` header: Node does not
 * resolve `*.localhost` to loopback the way curl and browsers do. The agent allows well over the
 * 1,000 concurrent requests the load tests make.
 */
export const visitorAgent = new http.Agent({
  keepAlive: true,
  maxSockets: 4_096,
  maxFreeSockets: 256,
});

/** A request to a tunnel hostname through the edge. */
export interface VisitorRequest {
  /** The edge's port on 127.0.0.1. */
  port: number;
  /** The public hostname (without port), e.g. `oak-river-lamp-snow.localhost`. */
  hostname: string;
  path?: string;
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** A body to send: bytes, or a stream (piped with backpressure). */
  body?: Buffer | string | Readable;
  /** Aborts the request when this signal fires. */
  signal?: AbortSignal;
}

/** A response read to its end. */
export interface VisitorResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Starts a request and resolves with the response head; the body is left to the caller. A
 * bodiless request that fails with ECONNRESET on a reused keep-alive socket is sent once more:
 * the server closed that idle socket as we picked it (Node's http docs give this exact retry).
 */
export function openRequest(request: VisitorRequest): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request({
      host: "127.0.0.1",
      port: request.port,
      path: request.path ?? "/",
      method: request.method ?? "GET",
      headers: { host: `${request.hostname}:${request.port}`, ...request.headers },
      agent: visitorAgent,
      signal: request.signal,
    });
    outgoing.on("response", resolve);
    outgoing.on("error", (error: NodeJS.ErrnoException) => {
      const retryable =
        outgoing.reusedSocket && error.code === "ECONNRESET" && request.body === undefined;
      if (retryable) openRequest(request).then(resolve, reject);
      else reject(error);
    });
    const body = request.body;
    if (body === undefined) outgoing.end();
    else if (typeof body === "string" || Buffer.isBuffer(body)) outgoing.end(body);
    else {
      body.on("error", (error) => outgoing.destroy(error));
      body.pipe(outgoing);
    }
  });
}

/** Sends a request and reads the whole response body. */
export async function visit(request: VisitorRequest): Promise<VisitorResponse> {
  const response = await openRequest(request);
  const body = await readBody(response);
  return { status: response.statusCode ?? 0, headers: response.headers, body };
}

/** Reads a response body to its end; rejects if the connection breaks before the body is complete. */
export function readBody(response: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on("data", (chunk: Buffer | string) => chunks.push(Buffer.from(chunk)));
    response.on("error", reject);
    response.on("aborted", () => reject(new Error("response aborted")));
    response.on("close", () => {
      if (response.complete) resolve(Buffer.concat(chunks));
      else reject(new Error("response closed before its end"));
    });
  });
}

/** Opens a WebSocket to a tunnel hostname through the edge. */
export function openWebSocket(port: number, hostname: string, path = "/"): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, {
      headers: { host: `${hostname}:${port}` },
      perMessageDeflate: false,
    });
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
      response.resume();
    });
  });
}

/**
 * Visits until the answer has status `wanted` (bounded: 20 tries, 100 ms apart) and returns the
 * last answer. The Tunnel DO learns that a connector's socket closed asynchronously, so a visit
 * racing that close can still be routed to the dying connection and answer 502 once.
 */
export async function visitEventually(
  request: VisitorRequest,
  wanted: number,
): Promise<VisitorResponse> {
  let response = await visit(request);
  for (let attempt = 1; attempt < 20 && response.status !== wanted; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    response = await visit(request);
  }
  return response;
}
