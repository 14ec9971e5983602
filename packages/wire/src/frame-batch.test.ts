import { describe, expect, it } from "vitest";
import { decodeFrame, decodeFrameWithCapnp, encodeFrame } from "./codec";
import { joinFrameBatch, MAX_FRAME_BATCH_BYTES, splitFrameBatch } from "./frame-batch";
import { prng } from "./prng";
import { sampleFrames } from "./sample-frames";

describe("frame batches", () => {
  it("split back into the frames joined, each read alike by both decoders", () => {
    const encoded = sampleFrames.map((frame) => encodeFrame(frame));
    const split = splitFrameBatch(joinFrameBatch(encoded));
    if (!split.ok) throw new Error(split.message);
    expect(split.frames).toHaveLength(sampleFrames.length);
    split.frames.forEach((bytes, index) => {
      expect(bytes).toEqual(encoded[index]);
      const hot = decodeFrame(bytes);
      const generated = decodeFrameWithCapnp(bytes);
      expect(hot).toEqual({ ok: true, frame: sampleFrames[index] });
      expect(generated).toEqual(hot);
    });
  });

  it("treats a message of one frame as a batch of one, without copying it", () => {
    const one = encodeFrame(sampleFrames[0]!);
    expect(joinFrameBatch([one])).toBe(one);
    const split = splitFrameBatch(one);
    expect(split.ok && split.frames).toEqual([one]);
  });

  it("refuses every cut of a batch with a typed failure, never a throw or a frame too many", () => {
    const encoded = sampleFrames.slice(0, 6).map((frame) => encodeFrame(frame));
    const batch = joinFrameBatch(encoded);
    const ends = new Set<number>();
    let offset = 0;
    for (const frame of encoded) {
      offset += frame.byteLength;
      ends.add(offset);
    }
    for (let cut = 0; cut < batch.byteLength; cut++) {
      const split = splitFrameBatch(batch.subarray(0, cut));
      if (ends.has(cut)) {
        expect(split.ok, `cut at ${cut}`).toBe(true);
        continue;
      }
      expect(split.ok, `cut at ${cut}`).toBe(false);
      if (!split.ok) expect(["truncated", "malformed"]).toContain(split.reason);
    }
  });

  it("refuses a segment table that claims too many segments or more bytes than sent", () => {
    const table = new Uint8Array(16);
    const view = new DataView(table.buffer);
    view.setUint32(0, 0xffff_ffff, true);
    expect(splitFrameBatch(table)).toMatchObject({ ok: false, reason: "malformed" });
    view.setUint32(0, 0, true);
    view.setUint32(4, 0x1000_0000, true);
    expect(splitFrameBatch(table)).toMatchObject({ ok: false, reason: "truncated" });
  });

  it("refuses several frames past MAX_FRAME_BATCH_BYTES, but not one large frame", () => {
    const big = encodeFrame({
      kind: "data",
      streamId: 1,
      bytes: new Uint8Array(MAX_FRAME_BATCH_BYTES),
    });
    expect(splitFrameBatch(big)).toMatchObject({ ok: true });
    const small = encodeFrame({ kind: "end", streamId: 2 });
    expect(splitFrameBatch(joinFrameBatch([big, small]))).toMatchObject({
      ok: false,
      reason: "too_large",
    });
    const many = Array.from(
      { length: Math.ceil(MAX_FRAME_BATCH_BYTES / small.byteLength) + 1 },
      () => small,
    );
    expect(splitFrameBatch(joinFrameBatch(many))).toMatchObject({ ok: false, reason: "too_large" });
    expect(splitFrameBatch(joinFrameBatch(many.slice(0, 100)))).toMatchObject({ ok: true });
  });

  it("never throws on random bytes after a valid frame, and keeps the valid frame's bytes", () => {
    const random = prng(0xba7c4);
    const first = encodeFrame(sampleFrames[1]!);
    for (let i = 0; i < 2_000; i++) {
      const tail = new Uint8Array(1 + Math.floor(random() * 64));
      for (let j = 0; j < tail.byteLength; j++) tail[j] = Math.floor(random() * 256);
      const split = splitFrameBatch(joinFrameBatch([first, tail]));
      if (!split.ok) continue;
      expect(split.frames[0]).toEqual(first);
      // Whatever the tail parsed as is checked frame by frame before anything reads it.
      for (const bytes of split.frames.slice(1))
        expect(typeof decodeFrame(bytes).ok).toBe("boolean");
    }
  });
});
