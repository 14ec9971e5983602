import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { smallRequest } from "./small-request";

const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<URL> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
}

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

describe("smallRequest", () => {
  it("sends the method, headers and body, and reads status, headers and JSON whole", async () => {
    let seen: { method?: string; header?: string; length?: string; body: string } | null = null;
    const url = await serve((request, response) => {
      let body = "";
      request.setEncoding("utf8");
      request.on("data", (chunk: string) => (body += chunk));
      request.on("end", () => {
        seen = {
          method: request.method,
          header: request.headers["x-probe"] as string,
          length: request.headers["content-length"],
          body,
        };
        response.writeHead(429, { "content-type": "application/json", "retry-after": "7" });
        response.end(JSON.stringify({ success: false, errors: [{ message: "slow down ü" }] }));
      });
    });
    const answer = await smallRequest(new URL("/tunnel?x=1", url), {
      method: "POST",
      headers: { "x-probe": "yes" },
      body: '{"name":"ü"}',
      timeoutMs: 5_000,
    });
    expect(seen).toEqual({ method: "POST", header: "yes", length: "13", body: '{"name":"ü"}' });
    expect(answer.status).toBe(429);
    expect(answer.ok).toBe(false);
    expect(answer.header("Retry-After")).toBe("7");
    expect(answer.json()).toEqual({ success: false, errors: [{ message: "slow down ü" }] });
  });

  it("answers null for a body that is not JSON, and ok for a 2xx", async () => {
    const url = await serve((_request, response) => response.end("<html>proxy page</html>"));
    const answer = await smallRequest(url, { timeoutMs: 5_000 });
    expect(answer.ok).toBe(true);
    expect(answer.text).toBe("<html>proxy page</html>");
    expect(answer.json()).toBeNull();
  });

  it("fails when no answer comes within the timeout", async () => {
    const url = await serve(() => {}); // never answers
    await expect(smallRequest(url, { timeoutMs: 200 })).rejects.toThrow(/no answer within 200 ms/);
  });

  it("fails when the caller's signal aborts", async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    const pending = smallRequest(url, { timeoutMs: 5_000, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
  });

  it("fails on a refused connection with the socket's reason", async () => {
    const url = await serve(() => {});
    const port = url.port;
    for (const server of servers.splice(0)) await new Promise((r) => server.close(r));
    await expect(
      smallRequest(new URL(`http://127.0.0.1:${port}/`), { timeoutMs: 5_000 }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
