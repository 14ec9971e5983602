import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

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
