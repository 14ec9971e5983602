import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BodyHeapGrowth, HEAP_GROWING_PERCENT, SERVING_HEAP_FLAGS } from "./heap-sizing";

const MODULE = fileURLToPath(new URL("./heap-sizing.ts", import.meta.url));

/**
 * In a process of its own (the flags are process-wide): keeps ~20 MiB of small objects alive in
 * a sliding window, as requests in flight do, and reports the young generation's size in MiB.
 */
function youngGenerationAfterChurn(sized: boolean): number {
  const script = `
    import v8 from "node:v8";
    import { sizeHeapForServing } from ${JSON.stringify(MODULE)};
    if (${sized} && !sizeHeapForServing()) throw new Error("flags refused");
    const window = [];
    for (let i = 0; i < 3e6; i++) {
      window.push({ i, text: "request " + i });
      if (window.length > 200000) window.splice(0, 100000);
    }
    const spaces = Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s]));
    console.log(spaces.new_space.space_size / 1048576);`;
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", script],
    { encoding: "utf8" },
  );
  return Number(out);
}

describe("sizeHeapForServing", () => {
  it("keeps the young generation at the size it had where V8 would grow it to 32 MiB", () => {
    expect(youngGenerationAfterChurn(false)).toBeGreaterThanOrEqual(16);
    // tsx's loader has grown it from 2 to 4 MiB by the time the flags are set.
    expect(youngGenerationAfterChurn(true)).toBeLessThanOrEqual(4);
  }, 60_000); // two Node processes starting tsx and allocating: seconds on a busy 2-core box
});

describe("BodyHeapGrowth", () => {
  const QUIET_MS = 1000;

  /** A switch whose flag changes are recorded instead of applied. */
  function recordedGrowth() {
    const applied: number[] = [];
    return { applied, growth: new BodyHeapGrowth((percent) => applied.push(percent), QUIET_MS) };
  }

  afterEach(() => vi.useRealTimers());

  it("leaves the growth alone at small requests' pace: crossings further apart than the quiet time", () => {
    vi.useFakeTimers();
    const { applied, growth } = recordedGrowth();
    for (let t = 0; t < 10 * QUIET_MS; t += QUIET_MS + 1) growth.crossed(t);
    vi.advanceTimersByTime(10 * QUIET_MS);
    expect(applied).toEqual([]);
  });

  it("raises it once while a transfer crosses the line again and again, and restores it after", () => {
    vi.useFakeTimers();
    const { applied, growth } = recordedGrowth();
    growth.crossed(0);
    growth.crossed(10);
    expect(applied).toEqual([HEAP_GROWING_PERCENT.bodiesMoving]);
    // Still moving through several checks: nothing more is applied.
    for (let t = 20; t < 3 * QUIET_MS; t += 10) {
      vi.advanceTimersByTime(10);
      growth.crossed(t);
    }
    expect(applied).toEqual([HEAP_GROWING_PERCENT.bodiesMoving]);
    // Quiet: the first check sees the last crossings, the next one none.
    vi.advanceTimersByTime(2 * QUIET_MS);
    expect(applied).toEqual([HEAP_GROWING_PERCENT.bodiesMoving, HEAP_GROWING_PERCENT.serving]);
    // The next transfer raises it again.
    growth.crossed(10 * QUIET_MS);
    growth.crossed(10 * QUIET_MS + 5);
    expect(applied.at(-1)).toBe(HEAP_GROWING_PERCENT.bodiesMoving);
  });

  it("keeps small requests' growth below the bodies' (issue 12's RSS at c=100)", () => {
    expect(HEAP_GROWING_PERCENT.serving).toBeLessThan(HEAP_GROWING_PERCENT.bodiesMoving);
    expect(SERVING_HEAP_FLAGS).toContain(`--heap-growing-percent=${HEAP_GROWING_PERCENT.serving}`);
  });
});
