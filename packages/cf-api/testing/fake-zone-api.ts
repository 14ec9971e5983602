import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A DNS record as the fake zone stores it. */
export interface FakeZoneRecord {
  id: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
}

/** What a test can see and steer in the fake zone. */
export interface FakeZoneApi {
  /** Base URL to use as CF_API_BASE, e.g. `http://127.0.0.1:1234/client/v4`. */
  apiBase: string;
  zoneId: string;
  token: string;
  records: Map<string, FakeZoneRecord>;
  /** Every request, as `METHOD path`. */
  calls: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for Cloudflare's zone DNS API (`POST`/`DELETE /client/v4/zones/{zone}/dns_records`)
 * on 127.0.0.1, speaking the documented envelope, since tests have no account. It checks the
 * bearer token and zone id like the real API. Control endpoints under `/__control` let Workers
 * tests (which cannot touch this process's memory) read records and inject failures:
 * `GET /__control/records`, `POST /__control/fail?count=N&status=S`.
 */
export async function startFakeZoneApi(
  zoneId = "f1e2d3c4b5a6978800112233445566aa",
  token = "test-token",
): Promise<FakeZoneApi> {
  const records = new Map<string, FakeZoneRecord>();
  const calls: string[] = [];
  let failuresLeft = 0;
  let failureStatus = 500;

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    if (url.pathname === "/__control/records") return reply(200, [...records.values()]);
    if (url.pathname === "/__control/calls") return reply(200, calls);
    if (url.pathname === "/__control/fail") {
      failuresLeft = Number(url.searchParams.get("count") ?? 1);
      failureStatus = Number(url.searchParams.get("status") ?? 500);
      return reply(200, { failuresLeft });
    }
    calls.push(`${request.method} ${url.pathname}`);
    const envelopeError = (status: number, code: number, message: string) =>
      reply(status, { success: false, errors: [{ code, message }], messages: [], result: null });
    if (request.headers.authorization !== `Bearer ${token}`)
      return envelopeError(403, 10000, "Authentication error");
    const match = /^\/client\/v4\/zones\/([^/]+)\/dns_records(?:\/([^/]+))?$/.exec(url.pathname);
    if (!match) return envelopeError(404, 7003, "Could not route to this path");
    if (match[1] !== zoneId)
      return envelopeError(
        404,
        7003,
        "Could not route to /zones, perhaps your object identifier is invalid?",
      );
    if (failuresLeft > 0) {
      failuresLeft--;
      return envelopeError(failureStatus, 1000, "injected failure");
    }
    const recordId = match[2];
    if (request.method === "POST" && !recordId) {
      const input = JSON.parse(body || "{}") as Partial<FakeZoneRecord>;
      if (!input.type || !input.name || !input.content)
        return envelopeError(400, 9005, "Content for CNAME record is invalid");
      for (const existing of records.values()) {
        if (existing.name === input.name)
          return envelopeError(
            400,
            81053,
            "An A, AAAA, or CNAME record with that host already exists.",
          );
      }
      const record = {
        id: randomUUID().replace(/-/g, ""),
        type: input.type,
        name: input.name,
        content: input.content,
        proxied: input.proxied ?? false,
      };
      records.set(record.id, record);
      return reply(200, { success: true, errors: [], messages: [], result: record });
    }
    if (request.method === "DELETE" && recordId) {
      if (!records.delete(recordId)) return envelopeError(404, 81044, "Record does not exist.");
      return reply(200, { success: true, errors: [], messages: [], result: { id: recordId } });
    }
    return envelopeError(405, 10000, "Method not allowed");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiBase: `http://127.0.0.1:${port}/client/v4`,
    zoneId,
    token,
    records,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}
