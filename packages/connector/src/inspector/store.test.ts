import { describe, expect, it } from "vitest";
import type { RequestHead } from "../origin-stream";
import { BodyCapture } from "./body-capture";
import { toNgrok } from "./ngrok-shape";
import { InspectorStore, type StoreEvent } from "./store";

function head(path: string, headers: [string, string][] = []): RequestHead {
  return {
    kind: "requestHead",
    streamId: 1,
    method: "POST",
    url: `https://oak.localhost${path}`,
    headers: [["host", "oak.localhost"], ...headers],
    websocket: false,
    hasBody: true,
    target: null,
  } as RequestHead;
}

describe("BodyCapture", () => {
  it("keeps bytes up to the cap and counts the rest without keeping them", () => {
    const capture = new BodyCapture(10);
    capture.add(new Uint8Array(6).fill(1));
    capture.add(new Uint8Array(6).fill(2));
    capture.add(new Uint8Array(100).fill(3));
    expect(capture.size).toBe(112);
    expect(capture.truncated).toBe(true);
    expect([...capture.bytes()]).toEqual([1, 1, 1, 1, 1, 1, 2, 2, 2, 2]);
  });

  it("is not truncated when the body fits exactly", () => {
    const capture = new BodyCapture(4);
    capture.add(new Uint8Array([1, 2, 3, 4]));
    expect(capture.truncated).toBe(false);
    expect(capture.bytes().byteLength).toBe(4);
  });

  it("copies the bytes, so a reused frame buffer does not change the record", () => {
    const capture = new BodyCapture(8);
    const frame = new Uint8Array([7, 7, 7]);
    capture.add(frame);
    frame.fill(0);
    expect([...capture.bytes()]).toEqual([7, 7, 7]);
  });
});

describe("InspectorStore", () => {
  it("keeps only the last maxRequests requests, dropping the oldest first", () => {
    const store = new InspectorStore({ maxRequests: 3 });
    const ids = Array.from({ length: 5 }, (_, i) => store.observe(head(`/${i}`), 0).id);
    expect(store.size).toBe(3);
    expect(store.list().map((exchange) => exchange.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(store.get(ids[0]!)).toBeNull();
  });

  it("drops the oldest requests once the bodies held pass maxTotalBytes", () => {
    const store = new InspectorStore({ maxBodyBytes: 100, maxTotalBytes: 250 });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const observer = store.observe(head(`/${i}`), 0);
      observer.requestBody(new Uint8Array(100));
      ids.push(observer.id);
    }
    // 4 × 100 bytes with room for 250: the two oldest are gone.
    expect(store.list().map((exchange) => exchange.id)).toEqual([ids[3], ids[2]]);
    expect(store.capturedBytes).toBe(200);
    store.clear();
    expect(store.capturedBytes).toBe(0);
  });

  it("records the request body, the response head and body, and how it ended", () => {
    const store = new InspectorStore({ maxBodyBytes: 5 });
    const observer = store.observe(head("/hook?x=1"), 2);
    observer.requestBody(new TextEncoder().encode("hello world"));
    observer.sent({
      kind: "responseHead",
      status: 201,
      statusText: "Created",
      headers: [["content-type", "text/plain"]],
      body: new TextEncoder().encode("ok"),
      endStream: false,
    });
    observer.sent({ kind: "data", bytes: new TextEncoder().encode("!!!!") });
    observer.done(false);
    const exchange = store.get(observer.id)!;
    expect(exchange.state).toBe("complete");
    expect(exchange.durationNs).toBeGreaterThanOrEqual(0);
    expect(exchange.connIndex).toBe(2);
    expect(exchange.requestBody.bytes().toString()).toBe("hello");
    expect(exchange.requestBody.truncated).toBe(true);
    expect(exchange.response?.status).toBe(201);
    expect(exchange.response?.body.bytes().toString()).toBe("ok!!!");
    expect(exchange.response?.body.size).toBe(6);
  });

  it("marks a reset stream failed with the reset's message", () => {
    const store = new InspectorStore();
    const observer = store.observe(head("/"), 0);
    observer.sent({ kind: "reset", code: 2, message: "origin: connect ECONNREFUSED" } as never);
    observer.done(true);
    const exchange = store.get(observer.id)!;
    expect(exchange.state).toBe("failed");
    expect(exchange.error).toBe("origin: connect ECONNREFUSED");
    expect(exchange.response).toBeNull();
  });

  it("tells subscribers of each start, answer, end and clear", () => {
    const store = new InspectorStore();
    const events: StoreEvent["kind"][] = [];
    const unsubscribe = store.subscribe((event) => events.push(event.kind));
    const observer = store.observe(head("/"), 0);
    observer.sent({
      kind: "responseHead",
      status: 200,
      statusText: "OK",
      headers: [],
      body: new Uint8Array(0),
      endStream: true,
    });
    observer.done(false);
    store.clear();
    unsubscribe();
    store.observe(head("/after"), 0);
    expect(events).toEqual(["update", "update", "update", "clear"]);
    expect(store.size).toBe(1);
  });

  it("marks a replay with the id of the request it replays", () => {
    const store = new InspectorStore();
    const original = store.observe(head("/"), 0);
    const again = store.observe(head("/"), null, original.id);
    expect(store.get(again.id)?.replayOf).toBe(original.id);
    expect(store.get(again.id)?.connIndex).toBeNull();
  });
});

describe("toNgrok", () => {
  it("answers ngrok's field names, canonical header names and base64 raw messages", () => {
    const store = new InspectorStore();
    const observer = store.observe(
      head("/hook?x=1", [
        ["content-type", "application/json"],
        ["cf-connecting-ip", "203.0.113.9"],
        ["x-multi", "a"],
        ["x-multi", "b"],
      ]),
      0,
    );
    observer.requestBody(new TextEncoder().encode('{"a":1}'));
    observer.sent({
      kind: "responseHead",
      status: 404,
      statusText: "Not Found",
      headers: [["content-type", "text/plain"]],
      body: new TextEncoder().encode("nope"),
      endStream: true,
    });
    observer.done(false);
    const shaped = toNgrok(store.get(observer.id)!, "oak.localhost");
    expect(shaped.uri).toBe(`/api/requests/http/${observer.id}`);
    expect(shaped.tunnel_name).toBe("oak.localhost");
    expect(shaped.remote_addr).toBe("203.0.113.9");
    expect(shaped.request.uri).toBe("/hook?x=1");
    expect(shaped.request.proto).toBe("HTTP/1.1");
    expect(shaped.request.headers["Content-Type"]).toEqual(["application/json"]);
    expect(shaped.request.headers["X-Multi"]).toEqual(["a", "b"]);
    const raw = Buffer.from(shaped.request.raw, "base64").toString();
    expect(raw.startsWith("POST /hook?x=1 HTTP/1.1\r\nhost: oak.localhost\r\n")).toBe(true);
    expect(raw.endsWith('\r\n\r\n{"a":1}')).toBe(true);
    expect(shaped.response?.status).toBe("404 Not Found");
    expect(shaped.response?.status_code).toBe(404);
    expect(Buffer.from(shaped.response!.raw, "base64").toString()).toBe(
      "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\n\r\nnope",
    );
    expect(shaped.burrow.request_body).toEqual({ size: 7, captured: 7, truncated: false });
  });
});
