import { describe, expect, it } from "vitest";
import { fullJitterDelayMs } from "./backoff";

describe("fullJitterDelayMs", () => {
  it("spans zero to base·2^attempt", () => {
    expect(fullJitterDelayMs(0, { baseMs: 500 }, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, { baseMs: 500 }, () => 0.999999)).toBe(3999);
  });

  it("never exceeds the cap, even after thousands of attempts", () => {
    for (const attempt of [10, 100, 5_000]) {
      expect(
        fullJitterDelayMs(attempt, { baseMs: 500, capMs: 30_000 }, () => 0.999999),
      ).toBeLessThan(30_000);
    }
  });

  it("spreads reconnecting connectors apart", () => {
    const delays = new Set(Array.from({ length: 50 }, () => fullJitterDelayMs(6)));
    expect(delays.size).toBeGreaterThan(40);
  });
});
