import { setImmediate as nextTurn } from "node:timers/promises";
import v8 from "node:v8";
import vm from "node:vm";
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

  it("tells the heap growth switch of each collection it schedules, and of nothing else", async () => {
    let crossings = 0;
    const garbage = new BodyGarbage(() => {}, 4 * MiB, { crossed: () => crossings++ });
    for (let i = 0; i < 15; i++) {
      garbage.moved(MiB);
      await nextTurn();
    }
    expect(crossings).toBe(3);
    // However many bytes cross in one turn, one collection, one crossing.
    for (let i = 0; i < 12; i++) garbage.moved(MiB);
    await nextTurn();
    expect(crossings).toBe(4);
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
    const fullGc = fullGcForTests();
    let piledUp = 0;
    let freed = 0;
    // V8 itself may get in the way: a collection in the middle of the pile leaves nothing to
    // measure, and buffers created while an incremental major marking runs (which external
    // memory pressure starts) survive minor collections until that marking ends. Each attempt
    // starts from a full collection, so no marking is under way, and the test fails only if no
    // attempt of three sees the minor collection free the pile.
    for (let attempt = 0; attempt < 3 && freed < 12 * MiB; attempt++) {
      fullGc();
      await nextTurn();
      // What a socket read leaves behind: fresh 64 KiB buffers, dropped once written on.
      const before = process.memoryUsage().arrayBuffers;
      let sum = 0;
      for (let i = 0; i < 256; i++) sum += Buffer.allocUnsafeSlow(64 * 1024).fill(i).byteLength;
      expect(sum).toBe(16 * MiB);
      piledUp = process.memoryUsage().arrayBuffers - before;
      if (piledUp < 12 * MiB) continue;
      gc!();
      // V8 frees dead buffers' memory on a helper thread once the GC has found them; on a
      // loaded machine that thread may wait longer than a hundred event-loop turns: up to ~2 s.
      freed = 0;
      for (let i = 0; i < 200 && freed < 12 * MiB; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        freed = before + piledUp - process.memoryUsage().arrayBuffers;
      }
    }
    expect(piledUp).toBeGreaterThanOrEqual(12 * MiB);
    expect(freed).toBeGreaterThanOrEqual(12 * MiB);
  });

  it("gives the connector's own global no gc", () => {
    youngGenerationGc();
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});

/** A full (major) collection, for the test to start from a heap with no marking under way. */
function fullGcForTests(): () => void {
  v8.setFlagsFromString("--expose-gc");
  const gc = vm.runInNewContext("gc") as (options: { type: "major" }) => void;
  v8.setFlagsFromString("--no-expose-gc");
  return () => gc({ type: "major" });
}
