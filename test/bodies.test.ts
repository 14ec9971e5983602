import { createHash } from "node:crypto";
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
