import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_PING } from "@burrow/wire";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { EdgeLiveness } from "./edge-liveness";

function recordingLink() {
  const sent: string[] = [];
  const pings: bigint[] = [];
  const terminated: string[] = [];
  return {
    sent,
    pings,
    terminated,
    link: {
      sendHeartbeat: (text: string) => sent.push(text),
      sendPing: (nonce: bigint) => pings.push(nonce),
      terminate: (reason: string) => terminated.push(reason),
    },
  };
}

describe("EdgeLiveness", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("sends a heartbeat every interval and keeps a connection whose edge answers", () => {
    const { sent, terminated, link } = recordingLink();
    const liveness = new EdgeLiveness(link);
    liveness.start(true);
    for (let i = 0; i < 40; i++) {
      vi.advanceTimersByTime(HEARTBEAT_INTERVAL_MS);
      liveness.heartbeatAnswered();
    }
    expect(sent.length).toBeGreaterThan(40);
    expect(sent.every((text) => text === HEARTBEAT_PING)).toBe(true);
    expect(terminated).toEqual([]);
    liveness.stop();
  });

  it("terminates the connection once heartbeats go unanswered for 30 s", () => {
    const { terminated, link } = recordingLink();
    const liveness = new EdgeLiveness(link);
    liveness.start(true);
    vi.advanceTimersByTime(29_000);
    expect(terminated).toEqual([]);
    vi.advanceTimersByTime(4_000);
    expect(terminated).toEqual(["the edge stopped answering heartbeats"]);
    liveness.stop();
  });

  it("pings an edge without text heartbeats and terminates after two unanswered pings", () => {
    const { pings, terminated, link } = recordingLink();
    const liveness = new EdgeLiveness(link);
    liveness.start(false);
    vi.advanceTimersByTime(15_000);
    liveness.pongReceived();
    vi.advanceTimersByTime(30_000);
    expect(pings).toHaveLength(3);
    expect(terminated).toEqual([]);
    vi.advanceTimersByTime(15_000);
    expect(terminated).toEqual(["the edge stopped answering pings"]);
    liveness.stop();
  });

  it("stops checking when stopped", () => {
    const { sent, terminated, link } = recordingLink();
    const liveness = new EdgeLiveness(link);
    liveness.start(true);
    liveness.stop();
    vi.advanceTimersByTime(120_000);
    expect(sent).toHaveLength(1);
    expect(terminated).toEqual([]);
  });
});
