import { createHash } from "node:crypto";
import http from "node:http";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { deterministicChunks, deterministicSha256 } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { openRequest, visit } from "./harness/visitor";

const FIFTY_MIB = 50 * 1024 * 1024;

describe("large bodies through a quick tunnel", () => {
  const stack = useTunnelStack({ connector: true });

  it("streams a 50 MiB download intact", async () => {
    const response = await openRequest({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: `/bytes?n=${FIFTY_MIB}&seed=7`,
    });
    expect(response.statusCode).toBe(200);
    // The origin's length reaches the visitor (the DO pipes through a FixedLengthStream).
    expect(response.headers["content-length"]).toBe(String(FIFTY_MIB));
    const hash = createHash("sha256");
    let length = 0;
    for await (const chunk of response as AsyncIterable<Buffer>) {
      hash.update(chunk);
      length += chunk.byteLength;
    }
    expect(response.complete).toBe(true);
    expect(length).toBe(FIFTY_MIB);
    expect(hash.digest("hex")).toBe(deterministicSha256(FIFTY_MIB, 7));
  });

  it("streams a 50 MiB upload intact", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      method: "POST",
      path: "/upload",
      headers: { "content-type": "application/octet-stream", "content-length": FIFTY_MIB },
      body: Readable.from(deterministicChunks(FIFTY_MIB, 11)),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString("utf8"))).toEqual({
      sha256: deterministicSha256(FIFTY_MIB, 11),
      length: FIFTY_MIB,
    });
  });

  it("streams a chunked 50 MiB upload (no content-length) intact", async () => {
    const response = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      method: "POST",
      path: "/upload",
      headers: { "content-type": "application/octet-stream" },
      body: Readable.from(deterministicChunks(FIFTY_MIB, 13)),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString("utf8"))).toEqual({
      sha256: deterministicSha256(FIFTY_MIB, 13),
      length: FIFTY_MIB,
    });
  });
});

describe("a request body sent slowly", () => {
  const stack = useTunnelStack({ connector: true });
  /** A POST to the origin's `/trickle` whose body the test writes piece by piece. */
  const trickleRequest = () =>
    http.request({
      host: "127.0.0.1",
      port: stack.edge.port,
      method: "POST",
      path: "/trickle",
      headers: { host: `${stack.connector.hostname}:${stack.edge.port}` },
    });

  it("reaches the origin piece by piece as it is sent, not once it is complete", async () => {
    const request = trickleRequest();
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on("response", resolve);
      request.on("error", reject);
    });
    // Each piece must reach the origin while the visitor still holds the body open; an edge that
    // waited for a full frame or for the end would leave these waits hanging (test timeout).
    request.write("first piece;");
    await stack.origin.waitForBodyText("first piece;");
    request.write("second piece;");
    await stack.origin.waitForBodyText("second piece;");
    request.end("last");
    const response = await answered;
    let body = "";
    for await (const chunk of response as AsyncIterable<Buffer>) body += chunk.toString("utf8");
    expect(response.statusCode).toBe(200);
    expect(body).toBe("first piece;second piece;last");
    expect(await stack.origin.trickleEnded()).toBe("complete");
  });

  it("aborts the origin's request body when the visitor goes away mid-upload, and keeps serving", async () => {
    const request = trickleRequest();
    request.on("error", () => {});
    request.write("half a body;");
    await stack.origin.waitForBodyText("half a body;");
    const ended = stack.origin.trickleEnded();
    request.destroy();
    // The origin must not take the half body as a whole one.
    expect(await ended).toBe("aborted");
    const next = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/bytes?n=10",
    });
    expect(next.status).toBe(200);
  });
});

describe("request body limits", () => {
  const limitBytes = 1024 * 1024;
  const stack = useTunnelStack({
    connector: true,
    edge: { vars: { "burrow-edge": { MAX_REQUEST_BODY_BYTES: String(limitBytes) } } },
  });

  it("answers 413 to a declared Content-Length over the limit without reaching the origin", async () => {
    const response = await openRequest({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      method: "POST",
      path: "/upload?declared",
      headers: { "content-length": limitBytes + 1 },
      // One small piece is sent (Node sends the headers with the first write), then nothing: the
      // declared length alone must be refused.
      body: Readable.from(
        (async function* () {
          yield new Uint8Array(1024);
          await new Promise(() => {});
        })(),
      ),
    });
    response.destroy();
    expect(response.statusCode).toBe(413);
    expect(response.headers["x-burrow-error"]).toBe("1035");
    expect(stack.origin.seen.some((request) => request.url.startsWith("/upload?declared"))).toBe(
      false,
    );
  });

  it("answers 413 once a streamed body grows past the limit, and keeps serving", async () => {
    const response = await openRequest({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      method: "POST",
      path: "/upload?chunked",
      // Just past the limit, so the rest fits in loopback socket buffers and the client is still
      // reading when the edge answers (a far larger body would meet a reset mid-write instead).
      body: Readable.from(deterministicChunks(limitBytes + 256 * 1024, 19)),
    });
    response.resume();
    expect(response.statusCode).toBe(413);
    expect(response.headers["x-burrow-error"]).toBe("1035");
    // Whether the origin saw the request depends on how much of the body the edge's first read
    // took: when all of it had arrived, the edge refuses it before sending any of it on, and the
    // connector's request, whose head Node sends with the first body bytes, never goes out. Waiting for the origin without a bound hung
    // this test once under CI load; the declared-length test above is the one that says the
    // origin is never reached.
    const responses = await visit({
      port: stack.edge.port,
      hostname: stack.connector.hostname,
      path: "/echo-headers",
    });
    expect(responses.status).toBe(200);
  });
});
