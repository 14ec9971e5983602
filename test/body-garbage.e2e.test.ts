import { execFileSync } from "node:child_process";
import path from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { startConnector } from "@burrow/connector/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { deterministicChunks, deterministicSha256 } from "./harness/origin";
import { useTunnelStack } from "./harness/stack";
import { visit } from "./harness/visitor";

const CONNECTOR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../packages/connector",
);
/**
 * The built bundle, as users run it. From source, tsx's loader keeps the heap several times
 * larger, and with the serving heap flags (heap-sizing.ts) V8 then marks it every ~30 MiB of
 * body (4–7 per 192 MiB, measured), where the bundle sees none.
 */
const BUNDLE = path.join(CONNECTOR, "dist/burrow.mjs");
const UPLOAD_BYTES = 192 * 1024 * 1024;

/**
 * Body bytes arrive in fresh buffers (each socket read, each joined WebSocket message), garbage a
 * moment later. V8 counts them against its global heap limit and, left alone, ran a full
 * mark-compact after every ~10 MiB of body that freed nothing of the JS heap; the connector now
 * frees them with a young-generation GC every few MiB (packages/connector/src/body-garbage.ts).
 * V8's own trace (`--trace-gc`, one line per GC) shows which ran.
 */
describe("garbage from large bodies", () => {
  const stack = useTunnelStack({ connector: false });

  beforeAll(() => {
    // From the current source: a stale dist/ must not pass for this checkout.
    execFileSync("pnpm", ["run", "--silent", "build"], { cwd: CONNECTOR, encoding: "utf8" });
  }, 120_000);

  it("is freed by young-generation GCs, not by a full GC every few MiB of upload", async () => {
    const connector = await startConnector({
      edge: stack.edge.url,
      origin: stack.origin.url,
      command: [process.execPath, "--trace-gc", BUNDLE],
    });
    const from = connector.logs().length;
    const response = await visit({
      port: stack.edge.port,
      hostname: connector.hostname,
      method: "POST",
      path: "/upload",
      headers: { "content-type": "application/octet-stream", "content-length": UPLOAD_BYTES },
      body: Readable.from(deterministicChunks(UPLOAD_BYTES, 23)),
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString("utf8"))).toEqual({
      sha256: deterministicSha256(UPLOAD_BYTES, 23),
      length: UPLOAD_BYTES,
    });
    const trace = connector.logs().slice(from).split("\n");
    const fullGcs = trace.filter((line) => line.includes("Mark-Compact")).length;
    const youngGcs = trace.filter((line) => line.includes("Scavenge")).length;
    // Before body-garbage.ts (from source): 11–17 full GCs and 6–7 young ones; now, built, 0 full
    // and ~47 young (one per 4 MiB).
    expect(fullGcs).toBeLessThanOrEqual(6);
    expect(youngGcs).toBeGreaterThanOrEqual(30);
  });
});
