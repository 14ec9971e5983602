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
  /** The record id of every authorized delete, in arrival order, whatever its answer. */
  deletesSeen: string[];
  close(): Promise<void>;
}

/**
 * A stand-in for Cloudflare's zone DNS API (`POST`/`DELETE /client/v4/zones/{zone}/dns_records`)
 * on 127.0.0.1, speaking the documented envelope, since tests have no account. It checks the
 * bearer token and zone id like the real API. Control endpoints under `/__control` let Workers
 * tests (which cannot touch this process's memory) read and seed the zone and steer its answers:
 * - `GET /__control/records` lists records; `POST` with a record (`id`, `name`, `content`) adds it;
 * - `GET /__control/calls` every request; `GET /__control/deletes` the record ids deletes named;
 * - `POST /__control/fail?count=N&status=S` fails the next N zone requests with status S;
 * - `POST /__control/fail-delete?id=ID` answers 500 to deletes of ID (`&fail=false` undoes it);
 * - `POST /__control/hold-delete?id=ID` keeps deletes of ID waiting until
 *   `POST /__control/release-delete?id=ID`, to interleave other requests with one in flight.
 */
export async function startFakeZoneApi(
  zoneId = "f1e2d3c4b5a6978800112233445566aa",
  token = "test-token",
): Promise<FakeZoneApi> {
  const records = new Map<string, FakeZoneRecord>();
  const calls: string[] = [];
  const deletesSeen: string[] = [];
  const failingDeletes = new Set<string>();
  const heldDeletes = new Map<string, Array<() => void>>();
  let failuresLeft = 0;
  let failureStatus = 500;
  const release = (id: string) => {
    for (const resume of heldDeletes.get(id) ?? []) resume();
    heldDeletes.delete(id);
  };

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    const reply = (status: number, payload: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(payload));
    };
    const control = /^\/__control\/([\w-]+)$/.exec(url.pathname)?.[1];
    if (control) {
      const id = url.searchParams.get("id") ?? "";
      switch (control) {
        case "records":
          if (request.method === "POST") {
            const input = JSON.parse(body || "{}") as Partial<FakeZoneRecord>;
            const record = newRecord({ ...input, type: input.type ?? "CNAME" });
            records.set(record.id, record);
            return reply(200, record);
          }
          return reply(200, [...records.values()]);
        case "calls":
          return reply(200, calls);
        case "deletes":
          return reply(200, deletesSeen);
        case "fail":
          failuresLeft = Number(url.searchParams.get("count") ?? 1);
          failureStatus = Number(url.searchParams.get("status") ?? 500);
          return reply(200, { failuresLeft });
        case "fail-delete":
          if (url.searchParams.get("fail") === "false") failingDeletes.delete(id);
          else failingDeletes.add(id);
          return reply(200, { id, failing: failingDeletes.has(id) });
        case "hold-delete":
          heldDeletes.set(id, heldDeletes.get(id) ?? []);
          return reply(200, { id, held: true });
        case "release-delete":
          release(id);
          return reply(200, { id, held: false });
        default:
          return reply(404, { error: `unknown control ${control}` });
      }
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
    const recordId = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (request.method === "DELETE" && recordId) {
      deletesSeen.push(recordId);
      const waiters = heldDeletes.get(recordId);
      if (waiters) await new Promise<void>((resume) => waiters.push(resume));
    }
    if (failuresLeft > 0) {
      failuresLeft--;
      return envelopeError(failureStatus, 1000, "injected failure");
    }
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
      const { type, name, content, proxied } = input;
      const record = newRecord({ type, name, content, proxied });
      records.set(record.id, record);
      return reply(200, { success: true, errors: [], messages: [], result: record });
    }
    if (request.method === "DELETE" && recordId) {
      if (failingDeletes.has(recordId)) return envelopeError(500, 1000, "Internal error");
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
    deletesSeen,
    close: async () => {
      // A held delete would keep its connection, and so server.close, waiting forever.
      for (const id of [...heldDeletes.keys()]) release(id);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A record with Cloudflare's 32-hex id, unless the input names one. */
function newRecord(input: Partial<FakeZoneRecord>): FakeZoneRecord {
  return {
    id: input.id ?? randomUUID().replace(/-/g, ""),
    type: input.type ?? "",
    name: input.name ?? "",
    content: input.content ?? "",
    proxied: input.proxied ?? false,
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
