import { describe, expect, it } from "vitest";
import {
  INITIAL_WINDOW_BYTES,
  MAX_DATA_CHUNK_BYTES,
  MAX_GROWN_WINDOW_BYTES,
  MessageReceiveWindow,
  MessageSendWindow,
  ReceiveWindow,
  SendWindow,
  WINDOW_UPDATE_THRESHOLD_BYTES,
  WindowBudget,
} from "./flow-control";

describe("SendWindow", () => {
  it("lets a sender use the initial window without waiting, then waits for a grant", async () => {
    const window = new SendWindow(100);
    expect(window.take(60)).toBe(true);
    const waiting = window.take(60);
    expect(waiting).toBeInstanceOf(Promise);
    window.grant(30);
    window.grant(30);
    expect(await waiting).toBe(true);
  });

  it("releases a waiting sender with false when the stream closes", async () => {
    const window = new SendWindow(10);
    const waiting = window.take(20);
    window.close();
    expect(await waiting).toBe(false);
    expect(window.take(1)).toBe(false);
  });
});

describe("data frames and the initial window", () => {
  it("leave a sender credit for a full frame while the receiver owes no grant", () => {
    // The receiver grants nothing until the threshold is drained; whatever it keeps back then,
    // the sender must still have credit for one full frame, or it would wait for good.
    const send = new SendWindow(INITIAL_WINDOW_BYTES);
    const receive = new ReceiveWindow(INITIAL_WINDOW_BYTES);
    const kept = WINDOW_UPDATE_THRESHOLD_BYTES - 1;
    expect(send.take(kept)).toBe(true);
    expect(receive.received(kept)).toBe(true);
    expect(receive.drained(kept)).toBe(0);
    expect(send.take(MAX_DATA_CHUNK_BYTES)).toBe(true);
  });
});

describe("ReceiveWindow", () => {
  it("flags a peer that sends beyond its window", () => {
    const window = new ReceiveWindow(INITIAL_WINDOW_BYTES);
    expect(window.received(INITIAL_WINDOW_BYTES)).toBe(true);
    expect(window.received(1)).toBe(false);
  });

  it("grants credit in batches once the consumer drained the threshold", () => {
    const window = new ReceiveWindow();
    window.received(WINDOW_UPDATE_THRESHOLD_BYTES);
    expect(window.drained(WINDOW_UPDATE_THRESHOLD_BYTES - 1)).toBe(0);
    expect(window.drained(1)).toBe(WINDOW_UPDATE_THRESHOLD_BYTES);
    expect(window.drained(1)).toBe(0);
  });

  it("keeps a sender within the window across a long transfer", () => {
    const send = new SendWindow();
    const receive = new ReceiveWindow();
    let moved = 0;
    while (moved < 64 * INITIAL_WINDOW_BYTES) {
      const chunk = 64 * 1024;
      if (send.take(chunk) !== true) throw new Error("sender stalled");
      expect(receive.received(chunk)).toBe(true);
      const grant = receive.drained(chunk);
      if (grant) send.grant(grant);
      moved += chunk;
    }
  });
});

describe("MessageSendWindow and MessageReceiveWindow", () => {
  it("let one message larger than the window through, then hold the sender until a grant", () => {
    const send = new MessageSendWindow(100);
    const receive = new MessageReceiveWindow(100);
    expect(send.open).toBe(true);
    send.spend(250);
    expect(receive.received(250)).toBe(true);
    expect(send.open).toBe(false);
    // A sender ignoring the window is caught by the receiver.
    expect(receive.received(1)).toBe(false);
  });

  it("grant credit back in batches as messages are drained", () => {
    const send = new MessageSendWindow(WINDOW_UPDATE_THRESHOLD_BYTES);
    const receive = new MessageReceiveWindow(WINDOW_UPDATE_THRESHOLD_BYTES);
    send.spend(WINDOW_UPDATE_THRESHOLD_BYTES);
    receive.received(WINDOW_UPDATE_THRESHOLD_BYTES);
    expect(receive.drained(WINDOW_UPDATE_THRESHOLD_BYTES - 1)).toBe(0);
    const grant = receive.drained(1);
    expect(grant).toBe(WINDOW_UPDATE_THRESHOLD_BYTES);
    expect(send.grant(grant)).toBe(true);
    expect(receive.outstanding).toBe(0);
  });
});

describe("ReceiveWindow growth", () => {
  const MiB = 1024 * 1024;

  /** Sends a window's worth in frames and drains each at once: a consumer that always waits. */
  function drainEachAsItArrives(window: ReceiveWindow, bytes: number, frame = 256 * 1024): number {
    let granted = 0;
    for (let moved = 0; moved < bytes; moved += frame) {
      expect(window.received(frame)).toBe(true);
      granted += window.drained(frame);
    }
    return granted;
  }

  it("doubles once a whole window drained with nothing held, up to MAX_GROWN_WINDOW_BYTES", () => {
    const budget = new WindowBudget(64 * MiB);
    const window = new ReceiveWindow(INITIAL_WINDOW_BYTES, budget);
    // The first window: the grants return what was drained, plus the window again as growth.
    expect(drainEachAsItArrives(window, INITIAL_WINDOW_BYTES)).toBe(2 * INITIAL_WINDOW_BYTES);
    expect(window.limit).toBe(2 * INITIAL_WINDOW_BYTES);
    drainEachAsItArrives(window, 2 * INITIAL_WINDOW_BYTES);
    expect(window.limit).toBe(4 * INITIAL_WINDOW_BYTES);
    drainEachAsItArrives(window, 16 * INITIAL_WINDOW_BYTES);
    expect(window.limit).toBe(MAX_GROWN_WINDOW_BYTES);
    expect(budget.available).toBe(64 * MiB - (MAX_GROWN_WINDOW_BYTES - INITIAL_WINDOW_BYTES));
  });

  it("does not grow while the consumer lags behind and bytes stay held", () => {
    const window = new ReceiveWindow(INITIAL_WINDOW_BYTES, new WindowBudget(64 * MiB));
    const frame = 256 * 1024;
    // The sender fills the window; the consumer drains one frame at a time, always a frame behind.
    for (let i = 0; i < 4; i++) expect(window.received(frame)).toBe(true);
    let granted = 0;
    for (let i = 0; i < 64; i++) {
      granted += window.drained(frame);
      expect(window.received(frame)).toBe(true);
    }
    expect(window.limit).toBe(INITIAL_WINDOW_BYTES);
    expect(granted).toBe(64 * frame);
    // Past the window is still an overrun.
    expect(window.received(1)).toBe(false);
  });

  it("grows only within its budget, which it gives back when closed", () => {
    const budget = new WindowBudget(INITIAL_WINDOW_BYTES / 2);
    const first = new ReceiveWindow(INITIAL_WINDOW_BYTES, budget);
    drainEachAsItArrives(first, 8 * INITIAL_WINDOW_BYTES);
    expect(first.limit).toBe(1.5 * INITIAL_WINDOW_BYTES);
    const second = new ReceiveWindow(INITIAL_WINDOW_BYTES, budget);
    drainEachAsItArrives(second, 8 * INITIAL_WINDOW_BYTES);
    expect(second.limit).toBe(INITIAL_WINDOW_BYTES);
    first.close();
    expect(budget.available).toBe(INITIAL_WINDOW_BYTES / 2);
    // A closed window borrows nothing more (a late drain after the stream ended).
    drainEachAsItArrives(first, 8 * INITIAL_WINDOW_BYTES);
    expect(budget.available).toBe(INITIAL_WINDOW_BYTES / 2);
  });

  it("grants in batches of a quarter of the grown window, leaving the sender credit for a full frame", () => {
    const send = new SendWindow();
    const receive = new ReceiveWindow(INITIAL_WINDOW_BYTES, new WindowBudget(64 * MiB));
    const frame = 64 * 1024;
    const grants: number[] = [];
    for (let moved = 0; moved < 64 * MiB; moved += frame) {
      if (send.take(frame) !== true) throw new Error("sender stalled");
      expect(receive.received(frame)).toBe(true);
      const grant = receive.drained(frame);
      if (grant) {
        grants.push(grant);
        send.grant(grant);
      }
    }
    expect(receive.limit).toBe(MAX_GROWN_WINDOW_BYTES);
    // Once grown, credit comes back a quarter window (1 MiB) at a time, not 256 KiB.
    expect(grants.slice(-8)).toEqual(Array(8).fill(MAX_GROWN_WINDOW_BYTES / 4));
    // The receiver holds back just under a batch: the sender can still send a whole frame.
    const kept = MAX_GROWN_WINDOW_BYTES / 4 - frame;
    expect(send.take(kept)).toBe(true);
    expect(receive.received(kept)).toBe(true);
    expect(receive.drained(kept)).toBe(0);
    expect(send.take(MAX_DATA_CHUNK_BYTES)).toBe(true);
  });

  it("never grows without a budget", () => {
    const window = new ReceiveWindow();
    expect(drainEachAsItArrives(window, 8 * INITIAL_WINDOW_BYTES)).toBe(8 * INITIAL_WINDOW_BYTES);
    expect(window.limit).toBe(INITIAL_WINDOW_BYTES);
  });
});
