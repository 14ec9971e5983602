import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, ApiRequestError, ApiUnreachableError } from "./client";

// A real HTTP server on 127.0.0.1 that answers lists of `total` items in the v4 envelope; it stands
// in for the API only to exercise the client's paging and envelope handling.
let server: Server;
let base: URL;
const seen: Array<{ url: string; headers: IncomingMessage["headers"] }> = [];
let total = 0;
let exactInfo = true;

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? "", headers: request.headers });
    const url = new URL(request.url ?? "/", "http://x");
    const json = (status: number, body: unknown, type = "application/json") => {
      response.writeHead(status, { "content-type": type });
      response.end(JSON.stringify(body));
    };
    if (url.pathname === "/client/v4/items") {
      const page = Number(url.searchParams.get("page"));
      const perPage = Number(url.searchParams.get("per_page"));
      const items = Array.from({ length: total }, (_, i) => i).slice(
        (page - 1) * perPage,
        page * perPage,
      );
      json(200, {
        success: true,
        errors: [],
        messages: [],
        result: items,
        ...(exactInfo
          ? { result_info: { page, per_page: perPage, count: items.length, total_count: total } }
          : {}),
      });
    } else if (url.pathname === "/client/v4/conflict") {
      json(400, {
        success: false,
        errors: [{ code: 1003, message: "taken" }],
        messages: [],
        result: null,
      });
    } else if (url.pathname === "/client/v4/html") {
      response.writeHead(502, { "content-type": "text/html" });
      response.end("<h1>bad gateway</h1>");
    } else {
      json(200, { success: true, errors: [], messages: [], result: { ok: true } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const client = () => new ApiClient({ baseUrl: base, token: "tok", perPage: 3 });

async function failure(path: string): Promise<ApiRequestError> {
  return client()
    .request("GET", path)
    .then(
      () => Promise.reject(new Error(`${path} succeeded`)),
      (error: ApiRequestError) => error,
    );
}

async function pagesFor(count: number, exact = true): Promise<{ items: number[]; pages: number }> {
  total = count;
  exactInfo = exact;
  seen.length = 0;
  const items = await client().list<number>("items");
  return { items, pages: seen.length };
}

describe("ApiClient", () => {
  it("sends the Bearer token and cloudflared's Accept header under the base path", async () => {
    seen.length = 0;
    expect(await client().request("GET", "accounts", { query: { a: 1, b: undefined } })).toEqual({
      ok: true,
    });
    expect(seen[0]!.url).toBe("/client/v4/accounts?a=1");
    expect(seen[0]!.headers.authorization).toBe("Bearer tok");
    expect(seen[0]!.headers.accept).toBe("application/json;version=1");
  });

  it("pages until a page is shorter than per_page: 0, 1, exactly per_page, per_page + 1 items", async () => {
    expect(await pagesFor(0)).toEqual({ items: [], pages: 1 });
    expect(await pagesFor(1)).toEqual({ items: [0], pages: 1 });
    // A full page with total_count reached stops without asking for an empty page.
    expect(await pagesFor(3)).toEqual({ items: [0, 1, 2], pages: 1 });
    expect(await pagesFor(4)).toEqual({ items: [0, 1, 2, 3], pages: 2 });
    expect((await pagesFor(7)).items).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("without result_info, asks once more after a full page and stops on the short one", async () => {
    expect(await pagesFor(3, false)).toEqual({ items: [0, 1, 2], pages: 2 });
    expect(await pagesFor(6, false)).toEqual({ items: [0, 1, 2, 3, 4, 5], pages: 3 });
  });

  it("throws the envelope's error codes, and a non-JSON answer as code 0", async () => {
    const conflict = await failure("conflict");
    expect(conflict).toBeInstanceOf(ApiRequestError);
    expect(conflict.status).toBe(400);
    expect(conflict.has(1003)).toBe(true);
    const html = await failure("html");
    expect(html).toBeInstanceOf(ApiRequestError);
    expect(html.status).toBe(502);
    expect(html.errors[0]?.code).toBe(0);
  });

  it("reports an API nobody listens on as unreachable", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const api = new ApiClient({
      baseUrl: new URL(`http://127.0.0.1:${port}/client/v4`),
      token: "t",
    });
    await expect(api.request("GET", "accounts")).rejects.toBeInstanceOf(ApiUnreachableError);
  });
});
