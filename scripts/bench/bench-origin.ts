import http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";

/**
 * The origin both the direct and the tunnelled runs hit: /small (2 bytes), /bytes?n= (n bytes,
 * streamed), /upload (counts the body), /echo (streams the body back), and a WebSocket echo.
 * Loopback only.
 */
export async function startBenchOrigin(): Promise<{ url: URL; close(): Promise<void> }> {
  const block = new Uint8Array(64 * 1024).fill(0x61);
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://origin");
    if (url.pathname === "/small") {
      response.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      response.end("ok");
    } else if (url.pathname === "/bytes") {
      let remaining = Number(url.searchParams.get("n") ?? 0);
      response.writeHead(200, {
        "content-type": "application/octet-stream",
        "content-length": String(remaining),
      });
      const pump = () => {
        while (remaining > 0) {
          const piece = block.subarray(0, Math.min(block.byteLength, remaining));
          remaining -= piece.byteLength;
          if (!response.write(piece)) return void response.once("drain", pump);
        }
        response.end();
      };
      pump();
    } else if (url.pathname === "/upload") {
      let received = 0;
      request.on("data", (chunk: Buffer) => {
        received += chunk.byteLength;
      });
      request.on("end", () => {
        response.writeHead(200, { "content-type": "text/plain" });
        response.end(String(received));
      });
    } else if (url.pathname === "/echo") {
      const length = request.headers["content-length"];
      response.writeHead(200, {
        "content-type": "application/octet-stream",
        ...(length === undefined ? {} : { "content-length": length }),
      });
      request.pipe(response);
    } else {
      response.writeHead(404);
      response.end();
    }
  });
  const sockets = new WebSocketServer({ server });
  sockets.on("connection", (socket) =>
    socket.on("message", (data, binary) => socket.send(data, { binary })),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    close: async () => {
      sockets.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
