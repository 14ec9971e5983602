import { describe, expect, it } from "vitest";
import { SocketPollGate, socketPollGate } from "./socket-poll";

/** Whether `promise` is still pending once the microtasks queued before it have run. */
async function pendingAfterMicrotasks(promise: Promise<void> | undefined): Promise<boolean> {
  let settled = false;
  void promise?.then(() => {
    settled = true;
  });
  if (!promise) return false;
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return !settled;
}

describe("SocketPollGate", () => {
  it("makes the first request wait for a timer, so the event loop polls its sockets", async () => {
    const gate = new SocketPollGate(5, () => 1_000);
    const wait = gate.wait();
    expect(wait).toBeInstanceOf(Promise);
    expect(await pendingAfterMicrotasks(wait)).toBe(true);
    await wait;
  });

  it("lets requests through without a timer while the last poll is recent", async () => {
    let nowMs = 1_000;
    const gate = new SocketPollGate(5, () => nowMs);
    await gate.wait();
    nowMs += 4;
    expect(gate.wait()).toBeUndefined();
  });

  it("makes every request wait again once no poll was seen for the interval", async () => {
    let nowMs = 1_000;
    const gate = new SocketPollGate(5, () => nowMs);
    await gate.wait();
    nowMs += 5;
    const first = gate.wait();
    const second = gate.wait();
    // Each waiter has a timer of its own (a promise shared between requests would be settled
    // from another request's context in workerd).
    expect(first).toBeInstanceOf(Promise);
    expect(second).toBeInstanceOf(Promise);
    expect(first).not.toBe(second);
    await Promise.all([first, second]);
    expect(gate.wait()).toBeUndefined();
  });
});

describe("socketPollGate", () => {
  it("is off unless the local edge sets a positive interval", () => {
    expect(socketPollGate(undefined)).toBeNull();
    expect(socketPollGate("0")).toBeNull();
    expect(socketPollGate("soon")).toBeNull();
    expect(socketPollGate("5")).toBeInstanceOf(SocketPollGate);
  });
});
