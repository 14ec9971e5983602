import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "./codec";
import type { DecodeFailure, DecodeResult, FrameKind } from "./frame";
import { prng } from "./prng";
import { sampleFrames } from "./sample-frames";

const ITERATIONS = 10_000;

/** Set WIRE_FUZZ_SEED to replay a failure; the seed is printed in every failure message. */
const SEED = Number(
  (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    ?.WIRE_FUZZ_SEED ?? 0x5eed_b0a7,
);

const KINDS: ReadonlySet<FrameKind> = new Set(sampleFrames.map((f) => f.kind));
const FAILURES: ReadonlySet<DecodeFailure> = new Set<DecodeFailure>([
  "too_large",
  "truncated",
  "malformed",
  "unknown_kind",
]);

/** Decodes `input` and checks the result is a well-formed success or a typed failure. */
function expectTypedResult(input: Uint8Array, seed: number, iteration: number): void {
  const where = `seed ${seed}, iteration ${iteration}`;
  let result: DecodeResult;
  try {
    result = decodeFrame(input);
  } catch (error) {
    throw new Error(`decodeFrame threw (${where}): ${String(error)}`);
  }
  if (result.ok) {
    expect(KINDS.has(result.frame.kind), where).toBe(true);
    expect(Number.isInteger(result.frame.streamId), where).toBe(true);
  } else {
    expect(FAILURES.has(result.reason), where).toBe(true);
    expect(typeof result.message, where).toBe("string");
  }
}

const corpus = sampleFrames.map((frame) => encodeFrame(frame));

describe("decodeFrame on hostile input", () => {
  it("returns a typed result for 10,000 random byte strings", () => {
    const random = prng(SEED);
    for (let n = 0; n < ITERATIONS; n++) {
      const length = Math.floor(random() * 256);
      const bytes = new Uint8Array(length);
      for (let i = 0; i < length; i++) bytes[i] = random() * 256;
      // Half the cases get a plausible one-segment header so the pointer walk is exercised too.
      if (n % 2 === 1 && length >= 16) {
        const words = Math.floor(length / 8) - 1;
        new DataView(bytes.buffer).setUint32(0, 0, true);
        new DataView(bytes.buffer).setUint32(4, words, true);
        expectTypedResult(bytes.subarray(0, (words + 1) * 8), SEED, n);
      } else {
        expectTypedResult(bytes, SEED, n);
      }
    }
  });

  it("returns a typed result for 10,000 bit flips, truncations and splices of valid frames", () => {
    const random = prng(SEED + 1);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    for (let n = 0; n < ITERATIONS; n++) {
      const original = pick(corpus);
      let bytes: Uint8Array;
      switch (n % 3) {
        case 0: {
          bytes = original.slice();
          const flips = 1 + Math.floor(random() * 8);
          for (let f = 0; f < flips; f++) {
            const bit = Math.floor(random() * bytes.length * 8);
            bytes[bit >> 3]! ^= 1 << (bit & 7);
          }
          break;
        }
        case 1:
          bytes = original.slice(0, Math.floor(random() * original.length));
          break;
        default: {
          // Head of one frame, tail of another, sometimes with random bytes between.
          const other = pick(corpus);
          const cut = Math.floor(random() * original.length);
          const from = Math.floor(random() * other.length);
          const middle = new Uint8Array(random() < 0.5 ? 0 : 8 * Math.floor(random() * 4));
          for (let i = 0; i < middle.length; i++) middle[i] = random() * 256;
          bytes = new Uint8Array(cut + middle.length + other.length - from);
          bytes.set(original.subarray(0, cut));
          bytes.set(middle, cut);
          bytes.set(other.subarray(from), cut + middle.length);
        }
      }
      expectTypedResult(bytes, SEED + 1, n);
    }
  });
});
