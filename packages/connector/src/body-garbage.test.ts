import { setImmediate as nextTurn } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { BodyGarbage, youngGenerationGc } from "./body-garbage";

const MiB = 1024 * 1024;

describe("BodyGarbage", () => {
  it("collects once per threshold of body bytes, in a turn of its own", async () => {
    let collections = 0;
    const garbage = new BodyGarbage(() => collections++, 4 * MiB);
    garbage.moved(3 * MiB);
    await nextTurn();
    expect(collections).toBe(0);
    garbage.moved(MiB);
    expect(collections).toBe(0); // not inside the caller's frame handling
    await nextTurn();
    expect(collections).toBe(1);
    garbage.moved(3 * MiB);
    await nextTurn();
    expect(collections).toBe(1); // the count starts again after each collection
  });

  it("collects once for all the streams that crossed the line in one turn", async () => {
    let collections = 0;
    const garbage = new BodyGarbage(() => collections++, 4 * MiB);
    for (let i = 0; i < 40; i++) garbage.moved(256 * 1024);
    await nextTurn();
    expect(collections).toBe(1);
  });

  it("does nothing without a collector", async () => {
    const garbage = new BodyGarbage(null, 1);
    garbage.moved(10 * MiB);
    await nextTurn();
  });
});

describe("youngGenerationGc", () => {
  it("frees the memory of body buffers nothing refers to any more", async () => {
    const gc = youngGenerationGc();
    expect(gc).not.toBeNull();
    gc!(); // start from a collected young generation
    await nextTurn();
    // What a socket read leaves behind: fresh 64 KiB buffers, dropped once written on. On a busy
    // machine V8 itself sometimes collects in the middle of this (external memory pressure), which
    // leaves nothing to measure: then pile them up again.
    let before = 0;
    let piledUp = 0;
    for (let attempt = 0; attempt < 5 && piledUp < 12 * MiB; attempt++) {
      before = process.memoryUsage().arrayBuffers;
      let sum = 0;
      for (let i = 0; i < 256; i++) sum += Buffer.allocUnsafeSlow(64 * 1024).fill(i).byteLength;
      expect(sum).toBe(16 * MiB);
      piledUp = process.memoryUsage().arrayBuffers - before;
    }
    gc!();
    // V8 frees dead buffers' memory on a helper thread once the GC has found them; on a loaded
    // machine that thread may wait longer than a hundred event-loop turns, so wait up to ~2 s.
    let freed = 0;
    for (let i = 0; i < 200 && freed < 12 * MiB; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      freed = before + piledUp - process.memoryUsage().arrayBuffers;
    }
    expect(piledUp).toBeGreaterThanOrEqual(12 * MiB);
    expect(freed).toBeGreaterThanOrEqual(12 * MiB);
  });

  it("gives the connector's own global no gc", () => {
    youngGenerationGc();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
