/**
 * A fake Cloudflare DNS API on 127.0.0.1, started by vitest's globalSetup in Node; the Workers
 * runtime reaches it with a real fetch. It keeps records in memory and answers
 * `DELETE /client/v4/zones/:zone/dns_records/:id` like Cloudflare (envelope, 404 for a missing
 * record). Tests steer it through `/__test/*`: add records, make a record's delete fail, or hold a
 * delete until released (to interleave a reconnect with a reap).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { FAKE_API_TOKEN, FAKE_ZONE_ID } from "./fake-zone";

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const records = new Map<string, { name: string; content: string }>();
  const failing = new Set<string>();
  const held = new Map<string, Array<() => void>>();
  const deletesSeen: string[] = [];

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const body = await readJson(request);
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { "content-type": "application/json" });
      response.end(JSON.stringify(value));
    };
    const control = url.pathname.match(/^\/__test\/(\w+)$/)?.[1];
    if (control) {
      const id = String((body as { id?: string } | null)?.id ?? url.searchParams.get("id") ?? "");
      if (control === "records" && request.method === "POST") {
        const record = body as { id: string; name: string; content: string };
        records.set(record.id, { name: record.name, content: record.content });
      } else if (control === "records") {
        return send(200, { records: Object.fromEntries(records), deletesSeen });
      } else if (control === "fail") {
        if ((body as { fail?: boolean }).fail) failing.add(id);
        else failing.delete(id);
      } else if (control === "hold") {
        held.set(id, held.get(id) ?? []);
      } else if (control === "release") {
        for (const resume of held.get(id) ?? []) resume();
        held.delete(id);
      } else {
        return send(404, { error: "unknown control" });
      }
      return send(200, { ok: true });
    }

    const match = url.pathname.match(/^\/client\/v4\/zones\/([^/]+)\/dns_records\/([^/]+)$/);
    if (!match || request.method !== "DELETE") {
      return send(404, envelope(false, [{ code: 7003, message: "No route for that URI" }]));
    }
    if (request.headers.authorization !== `Bearer ${FAKE_API_TOKEN}` || match[1] !== FAKE_ZONE_ID) {
      return send(403, envelope(false, [{ code: 10000, message: "Authentication error" }]));
    }
    const id = decodeURIComponent(match[2] ?? "");
    deletesSeen.push(id);
    const waiters = held.get(id);
    if (waiters) await new Promise<void>((resume) => waiters.push(resume));
    if (failing.has(id)) {
      return send(500, envelope(false, [{ code: 1000, message: "Internal error" }]));
    }
    if (!records.delete(id)) {
      return send(404, envelope(false, [{ code: 81044, message: "Record does not exist." }]));
    }
    return send(200, envelope(true, [], { id }));
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  project.provide("zoneApiBase", `http://127.0.0.1:${port}/client/v4`);
  return async () => {
    for (const waiters of held.values()) for (const resume of waiters) resume();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}

function envelope(success: boolean, errors: unknown[], result: unknown = null) {
  return { success, errors, messages: [], result };
}

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) text += chunk;
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
