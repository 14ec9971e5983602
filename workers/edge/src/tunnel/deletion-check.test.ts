import { describe, expect, it } from "vitest";
import { DeletionCheck, LISTED_TTL_MS } from "./deletion-check";

/** A registry stand-in: answers `deleted` (or throws), counts questions; the clock is ours. */
function setUp(options: { wasConnected?: boolean; deleted?: boolean | Error } = {}) {
  const state = {
    nowMs: 1_000_000,
    asked: 0,
    wasConnected: options.wasConnected ?? false,
    deleted: options.deleted ?? false,
  };
  const check = new DeletionCheck({
    wasConnected: () => state.wasConnected,
    isDeleted: async () => {
      state.asked++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (state.deleted instanceof Error) throw state.deleted;
      return state.deleted;
    },
    now: () => state.nowMs,
  });
  return { check, state };
}

describe("DeletionCheck", () => {
  it("never asks the registry for a tunnel whose storage shows a connector", async () => {
    const { check, state } = setUp({ wasConnected: true, deleted: true });
    for (let i = 0; i < 100; i++) expect(await check.deleted("t1")).toBe(false);
    expect(state.asked).toBe(0);
  });

  it("asks once per window however many visitors come, and sees a deletion in the next", async () => {
    const { check, state } = setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => check.deleted("t1")));
    expect(answers.every((deleted) => deleted === false)).toBe(true);
    expect(state.asked).toBe(1);

    state.deleted = true;
    state.nowMs += LISTED_TTL_MS - 1;
    expect(await check.deleted("t1")).toBe(false);
    expect(state.asked).toBe(1);

    state.nowMs += 1;
    expect(await check.deleted("t1")).toBe(true);
    expect(state.asked).toBe(2);
  });

  it("keeps a deletion without asking again", async () => {
    const { check, state } = setUp({ deleted: true });
    expect(await check.deleted("t1")).toBe(true);
    state.nowMs += 10 * LISTED_TTL_MS;
    expect(await check.deleted("t1")).toBe(true);
    expect(state.asked).toBe(1);
  });

  it("answers not deleted when the registry fails, and waits a window before asking again", async () => {
    const { check, state } = setUp({ deleted: new Error("D1 unavailable") });
    expect(await check.deleted("t1")).toBe(false);
    expect(await check.deleted("t1")).toBe(false);
    expect(state.asked).toBe(1);
    state.deleted = true;
    state.nowMs += LISTED_TTL_MS;
    expect(await check.deleted("t1")).toBe(true);
  });
});
