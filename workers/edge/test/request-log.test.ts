import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { CAPTURE_LIMIT_BYTES, REDACTED } from "../src/connection/request-trace";
import { RequestLog } from "../src/tunnel/request-log";

/** A fresh Tunnel DO's real SQLite storage, given to `use` inside the object. */
async function inTunnel<T>(use: (storage: DurableObjectStorage) => T | Promise<T>): Promise<T> {
  const stub = env.TUNNEL.getByName(crypto.randomUUID());
  return runInDurableObject(stub, (_instance, state) => use(state.storage));
}

/** Passes one request through a trace as the public proxy does: head, bytes, end. */
function serve(
  log: RequestLog,
  options: {
    url?: string;
    method?: string;
    headers?: Record<string, string>;
    status?: number;
    sent?: Uint8Array;
    received?: Uint8Array;
  } = {},
) {
  const request = new Request(options.url ?? "https://t.example/hello", {
    method: options.method ?? "GET",
    headers: options.headers ?? {},
  });
  const trace = log.begin(request, "203.0.113.9");
  if (options.sent) trace.sent(options.sent);
  trace.answered(options.status ?? 200, new Headers({ "set-cookie": "sid=s3cr3t" }), 2);
  if (options.received) trace.received(options.received);
  trace.finished();
}

describe("the Tunnel DO's request log", () => {
  it("keeps only the newest entries past its bound, newest first", async () => {
    const ids = await inTunnel((storage) => {
      const log = new RequestLog(storage, 5);
      for (let i = 0; i < 12; i += 1) serve(log, { url: `https://t.example/n/${i}` });
      const page = log.list({ limit: 100 });
      const rows = storage.sql.exec("SELECT COUNT(*) AS n FROM request_log").one();
      return { paths: page.entries.map((entry) => entry.path), stored: rows.n };
    });
    expect(ids.stored).toBe(5);
    expect(ids.paths).toEqual(["/n/11", "/n/10", "/n/9", "/n/8", "/n/7"]);
  });

  it("pages with before and polls with after", async () => {
    const result = await inTunnel((storage) => {
      const log = new RequestLog(storage, 100);
      for (let i = 0; i < 6; i += 1) serve(log, { url: `https://t.example/p/${i}` });
      const first = log.list({ limit: 2 });
      const older = log.list({ limit: 2, before: first.entries[1]!.id });
      serve(log, { url: "https://t.example/p/new" });
      const newer = log.list({ limit: 50, after: first.entries[0]!.id });
      return { first, older, newer };
    });
    expect(result.first.entries.map((e) => e.path)).toEqual(["/p/5", "/p/4"]);
    expect(result.older.entries.map((e) => e.path)).toEqual(["/p/3", "/p/2"]);
    expect(result.newer.entries.map((e) => e.path)).toEqual(["/p/new"]);
  });

  it("records method, status, sizes, visitor IP and connection, and redacts credentials", async () => {
    const entry = await inTunnel((storage) => {
      const log = new RequestLog(storage, 10);
      serve(log, {
        url: "https://t.example/api?page=2&access_token=tok-123&api_key=k-456",
        method: "POST",
        headers: {
          authorization: "Bearer bearer-secret",
          cookie: "session=cookie-secret",
          "x-burrow-client-ip": "203.0.113.9",
          "x-custom": "kept",
        },
        status: 201,
        sent: new Uint8Array(300),
        received: new Uint8Array(40),
      });
      return log.list({ limit: 1 }).entries[0]!;
    });
    expect(entry).toMatchObject({
      method: "POST",
      status: 201,
      requestBytes: 300,
      responseBytes: 40,
      clientIp: "203.0.113.9",
      connIndex: 2,
      error: null,
      requestBody: null,
      responseBody: null,
    });
    expect(entry.path).toBe(
      `/api?page=2&access_token=${encodeURIComponent(REDACTED)}&api_key=${encodeURIComponent(REDACTED)}`,
    );
    const headers = Object.fromEntries(entry.requestHeaders);
    expect(headers.authorization).toBe(REDACTED);
    expect(headers.cookie).toBe(REDACTED);
    expect(headers["x-custom"]).toBe("kept");
    expect(headers["x-burrow-client-ip"]).toBeUndefined();
    expect(Object.fromEntries(entry.responseHeaders)["set-cookie"]).toBe(REDACTED);
    const all = JSON.stringify(entry);
    for (const secret of ["bearer-secret", "cookie-secret", "tok-123", "k-456", "s3cr3t"]) {
      expect(all).not.toContain(secret);
    }
  });

  it("writes nothing once discarded before an erase, not even rows already waiting", async () => {
    const tables = await inTunnel((storage) => {
      const log = new RequestLog(storage, 10);
      serve(log, { url: "https://t.example/late" });
      log.discard();
      serve(log, { url: "https://t.example/later" });
      log.flush();
      return storage.sql.exec("SELECT name FROM sqlite_master WHERE name = 'request_log'").toArray()
        .length;
    });
    expect(tables).toBe(0);
  });

  it("caps a very long path", async () => {
    const path = await inTunnel((storage) => {
      const log = new RequestLog(storage, 10);
      serve(log, { url: `https://t.example/${"a".repeat(10_000)}` });
      return log.list({ limit: 1 }).entries[0]!.path;
    });
    expect(path.length).toBe(2048);
  });

  it("keeps no body with capture off and at most 10 KiB of each body with capture on", async () => {
    const big = new TextEncoder().encode("x".repeat(CAPTURE_LIMIT_BYTES + 5000));
    const small = new TextEncoder().encode('{"hello":"world"}');
    const result = await inTunnel((storage) => {
      const log = new RequestLog(storage, 10);
      serve(log, { url: "https://t.example/off", sent: small, received: small });
      const state = log.setCapture(true);
      serve(log, { url: "https://t.example/small", sent: small, received: small });
      serve(log, { url: "https://t.example/big", sent: big, received: big });
      // The switch lives in storage: a new log (as after hibernation) still captures.
      const reopened = new RequestLog(storage, 10);
      const captureAfterReopen = reopened.capture;
      const entries = log.list({ limit: 10 }).entries;
      log.setCapture(false);
      return { state, captureAfterReopen, entries, captureNow: log.list({ limit: 1 }).capture };
    });
    expect(result.state).toBe(true);
    expect(result.captureAfterReopen).toBe(true);
    expect(result.captureNow).toBe(false);
    const [bigEntry, smallEntry, offEntry] = result.entries;
    expect(offEntry!.requestBody).toBeNull();
    expect(offEntry!.responseBody).toBeNull();
    expect(smallEntry!.requestBody).toBe('{"hello":"world"}');
    expect(smallEntry!.responseBody).toBe('{"hello":"world"}');
    expect(smallEntry!.bodyTruncated).toBe(false);
    expect(bigEntry!.requestBody!.length).toBe(CAPTURE_LIMIT_BYTES);
    expect(bigEntry!.responseBody!.length).toBe(CAPTURE_LIMIT_BYTES);
    expect(bigEntry!.requestBytes).toBe(big.byteLength);
    expect(bigEntry!.bodyTruncated).toBe(true);
  });

  it("records the edge's error page with its error number when no origin answered", async () => {
    const entry = await inTunnel((storage) => {
      const log = new RequestLog(storage, 10);
      const trace = log.begin(new Request("https://t.example/down"), "198.51.100.1");
      trace.finished(); // a stream cut before its head records nothing itself
      trace.settle(new Response("no", { status: 530, headers: { "x-burrow-error": "1033" } }));
      return log.list({ limit: 5 }).entries;
    });
    expect(entry).toHaveLength(1);
    expect(entry[0]).toMatchObject({ status: 530, error: 1033, connIndex: null, path: "/down" });
  });

  it("aggregates requests per minute with status classes and nearest-rank p50/p99", async () => {
    const minutes = await inTunnel((storage) => {
      const log = new RequestLog(storage, 1000);
      const now = Date.UTC(2026, 0, 1, 12, 30, 30);
      const minute = (offset: number) => now - (now % 60_000) - offset * 60_000;
      const insert = (at: number, status: number, durationMs: number) =>
        log.record({
          at,
          method: "GET",
          path: "/",
          status,
          durationMs,
          requestBytes: 0,
          responseBytes: 0,
          clientIp: "",
          connIndex: 0,
          error: null,
          requestHeaders: [],
          responseHeaders: [],
          requestBody: null,
          responseBody: null,
          bodyTruncated: false,
        });
      // Two minutes ago: durations 1..100 ms, statuses spread over the classes.
      for (let d = 1; d <= 100; d += 1) {
        insert(minute(2) + d, d <= 70 ? 200 : d <= 80 ? 302 : d <= 95 ? 404 : 503, d);
      }
      // This minute: three requests.
      insert(minute(0) + 1, 200, 5);
      insert(minute(0) + 2, 200, 7);
      insert(minute(0) + 3, 500, 9);
      // Two hours ago: outside the window.
      insert(minute(120), 200, 1);
      return { rows: log.traffic(60, now), first: minute(2), last: minute(0) };
    });
    expect(minutes.rows).toEqual([
      {
        minute: minutes.first,
        requests: 100,
        status2xx: 70,
        status3xx: 10,
        status4xx: 15,
        status5xx: 5,
        p50Ms: 50,
        p99Ms: 99,
      },
      {
        minute: minutes.last,
        requests: 3,
        status2xx: 2,
        status3xx: 0,
        status4xx: 0,
        status5xx: 1,
        p50Ms: 7,
        p99Ms: 9,
      },
    ]);
  });
});
