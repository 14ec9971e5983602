import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the private origin saw of one request. */
export interface OriginHit {
  method: string;
  path: string;
  host: string;
}

/** A private HTTP service on 127.0.0.1, reachable only through the connector. */
export interface PrivateOrigin {
  url: URL;
  port: number;
  hits: OriginHit[];
  close(): Promise<void>;
}

/**
 * Answers `GET /status/<code>` with that status, `/redirect?to=<url>` with a 302 to it, and every
 * other path with JSON describing the request (method, path, Host), so callers can see exactly
 * what crossed the tunnel.
 */
export async function startPrivateOrigin(): Promise<PrivateOrigin> {
  const hits: OriginHit[] = [];
  const server = http.createServer((request, response) => {
    const path = request.url ?? "/";
    const hit = { method: request.method ?? "", path, host: request.headers.host ?? "" };
    hits.push(hit);
    const status = /^\/status\/(\d{3})$/.exec(path);
    if (status) {
      response.writeHead(Number(status[1]), { "content-type": "text/plain" });
      response.end(`status ${status[1]}\n`);
      return;
    }
    const redirect = /^\/redirect\?to=(.+)$/.exec(path);
    if (redirect) {
      response.writeHead(302, { location: decodeURIComponent(redirect[1]!) });
      response.end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        JSON.stringify({
          service: "private-api",
          ...hit,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    port,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
