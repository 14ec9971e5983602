import { describe, expect, it } from "vitest";
import {
  DATA_FRAME_PAYLOAD_OFFSET,
  decodeFrame,
  encodeFrame,
  encodeFrameWithCapnp,
  readDataFrameHeader,
} from "./codec";
import { MAX_FRAME_BYTES } from "./frame";
import { prng } from "./prng";

const MUTATIONS = 20_000;
const SEED = 0x0da7_a5ee;

function dataFrame(streamId: number, payloadBytes: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(payloadBytes);
  for (let i = 0; i < payloadBytes; i++) bytes[i] = (i * 13 + seed) % 256;
  return encodeFrame({ kind: "data", streamId, bytes });
}

/**
 * The property a receiver relies on: whenever the header is read, decoding the whole frame gives
 * a data frame of that stream whose bytes are exactly the payloadBytes after the header.
 */
function expectAgreement(frame: Uint8Array, label: string): boolean {
  const header = readDataFrameHeader(frame.subarray(0, DATA_FRAME_PAYLOAD_OFFSET), frame.length);
  if (header === undefined) return false;
  const decoded = decodeFrame(frame);
  expect(decoded.ok, label).toBe(true);
  if (!decoded.ok || decoded.frame.kind !== "data") throw new Error(`${label}: not data`);
  expect(decoded.frame.streamId, label).toBe(header.streamId);
  const payload = frame.subarray(
    DATA_FRAME_PAYLOAD_OFFSET,
    DATA_FRAME_PAYLOAD_OFFSET + header.payloadBytes,
  );
  expect(Buffer.from(decoded.frame.bytes).equals(Buffer.from(payload)), label).toBe(true);
  return true;
}

describe("readDataFrameHeader", () => {
  it("reads every data frame the codec and capnp-es write, of any payload length", () => {
    for (let payloadBytes = 0; payloadBytes < 80; payloadBytes++) {
      for (const streamId of [0, 1, 0xffff_ffff]) {
        const bytes = new Uint8Array(payloadBytes).fill(7);
        for (const frame of [
          encodeFrame({ kind: "data", streamId, bytes }),
          encodeFrameWithCapnp({ kind: "data", streamId, bytes }),
        ]) {
          expect(
            readDataFrameHeader(frame.subarray(0, DATA_FRAME_PAYLOAD_OFFSET), frame.length),
          ).toEqual({ streamId, payloadBytes });
          expect(expectAgreement(frame, `${payloadBytes} bytes`)).toBe(true);
        }
      }
    }
    const large = dataFrame(9, 512 * 1024 + 3, 1);
    expect(expectAgreement(large, "512 KiB + 3")).toBe(true);
  });

  it("declines other kinds, and frames whose length the header contradicts", () => {
    const frame = dataFrame(5, 100, 2);
    const prefix = frame.subarray(0, DATA_FRAME_PAYLOAD_OFFSET);
    expect(readDataFrameHeader(prefix, frame.length)).toEqual({ streamId: 5, payloadBytes: 100 });
    for (const length of [frame.length - 8, frame.length + 8, frame.length - 1, 0, 39]) {
      expect(readDataFrameHeader(prefix, length), `length ${length}`).toBeUndefined();
    }
    expect(readDataFrameHeader(prefix.subarray(0, 39), frame.length)).toBeUndefined();
    const end = encodeFrame({ kind: "end", streamId: 5 });
    const endPrefix = new Uint8Array(DATA_FRAME_PAYLOAD_OFFSET);
    endPrefix.set(end.subarray(0, DATA_FRAME_PAYLOAD_OFFSET));
    expect(readDataFrameHeader(endPrefix, end.length)).toBeUndefined();
    const update = encodeFrame({ kind: "windowUpdate", streamId: 5, bytes: 9 });
    expect(readDataFrameHeader(update.subarray(0, 40), update.length)).toBeUndefined();
  });

  it("declines frames over MAX_FRAME_BYTES, as decodeFrame refuses them", () => {
    const payloadBytes = MAX_FRAME_BYTES; // frame length = payload + header > the limit
    const prefix = new Uint8Array(DATA_FRAME_PAYLOAD_OFFSET);
    const view = new DataView(prefix.buffer);
    const frameBytes = DATA_FRAME_PAYLOAD_OFFSET + payloadBytes;
    view.setUint32(4, (frameBytes - 8) / 8, true);
    view.setUint32(12, (1 << 16) | 2, true);
    view.setUint16(20, 2, true);
    view.setUint32(32, 1, true);
    view.setUint32(36, ((payloadBytes << 3) | 2) >>> 0, true);
    expect(readDataFrameHeader(prefix, frameBytes)).toBeUndefined();
    view.setUint32(4, (frameBytes - 8 - 65_536) / 8, true);
    view.setUint32(36, (((payloadBytes - 65_536) << 3) | 2) >>> 0, true);
    expect(readDataFrameHeader(prefix, frameBytes - 65_536)).toEqual({
      streamId: 0,
      payloadBytes: payloadBytes - 65_536,
    });
  });

  it("agrees with decodeFrame on mutated headers and lengths: a header it reads decodes to the same payload", () => {
    const random = prng(SEED);
    const int = (max: number) => Math.floor(random() * (max + 1));
    let read = 0;
    for (let n = 0; n < MUTATIONS; n++) {
      const original = dataFrame(int(0xffff), int(64), n);
      // Grow or shrink the frame by whole words or single bytes, then flip header bits.
      const resize = [0, 0, 8, -8, 1, -1, 16][int(6)]!;
      const frame = new Uint8Array(Math.max(0, original.length + resize));
      frame.set(original.subarray(0, frame.length));
      for (let flips = int(3); flips > 0; flips--) {
        const at = int(DATA_FRAME_PAYLOAD_OFFSET - 1);
        if (at < frame.length) frame[at]! ^= 1 << int(7);
      }
      // Sometimes rewrite the declared list length or segment size to something plausible.
      if (frame.length >= DATA_FRAME_PAYLOAD_OFFSET && random() < 0.3) {
        const view = new DataView(frame.buffer);
        if (random() < 0.5) view.setUint32(36, ((int(80) << 3) | 2) >>> 0, true);
        else view.setUint32(4, int(20), true);
      }
      if (expectAgreement(frame, `mutation ${n}`)) read++;
    }
    // The unmutated share must be read, or the property holds vacuously.
    expect(read).toBeGreaterThan(MUTATIONS / 20);
  });
});
