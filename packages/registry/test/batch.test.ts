import { describe, expect, it } from "vitest";
import { chunk } from "../src";
import { placeholders } from "../src/batch";

describe("chunk", () => {
  it("splits 250 items into 100, 100 and 50", () => {
    const items = Array.from({ length: 250 }, (_, index) => index);
    const chunks = chunk(items, 100);
    expect(chunks.map((part) => part.length)).toEqual([100, 100, 50]);
    expect(chunks.flat()).toEqual(items);
  });

  it("returns no chunks for no items", () => {
    expect(chunk([], 100)).toEqual([]);
  });

  it("rejects a size that is not a positive integer", () => {
    expect(() => chunk([1], 0)).toThrow(RangeError);
    expect(() => chunk([1], 1.5)).toThrow(RangeError);
  });
});

describe("placeholders", () => {
  it("numbers placeholders from the given start", () => {
    expect(placeholders(3, 2)).toBe("?2, ?3, ?4");
  });
});
