import { describe, expect, it } from "vitest";
import {
  DATA_FRAME_PAYLOAD_OFFSET,
  dataFrameBytes,
  decodeFrame,
  decodeFrameWithCapnp,
  encodeDataFrame,
  encodeDataFrameAround,
  encodeDataFrameHeader,
  encodeDataFrameInto,
  encodeFrame,
  encodeFrameWithCapnp,
} from "./codec";
import type { CertVerification, Frame, Header } from "./frame";
import { decodeHotFrame, isHotKind } from "./hot-frames";
import { prng } from "./prng";
import { sampleFrames } from "./sample-frames";

const RANDOM_FRAMES = 2_000;
const MUTATIONS = 10_000;
const SEED = 0x4f7_f2a3e;

const hotSamples = sampleFrames.filter((frame) => isHotKind(frame.kind));

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Random hot frames, including what samples miss: long and non-ASCII text, surrogates, BOMs. */
function randomHotFrame(random: () => number): Frame {
  const int = (max: number) => Math.floor(random() * (max + 1));
  const bytes = (max: number) => {
    const out = new Uint8Array(int(max));
    for (let i = 0; i < out.length; i++) out[i] = int(255);
    return out;
  };
  const pieces = [
    "a",
    "Z",
    "-",
    " ",
    "é",
    "日本",
    "🦫",
    "\u{feff}",
    "\0",
    "\ud800",
    "%20",
    "x".repeat(70),
  ];
  const text = (maxPieces: number) => {
    let value = "";
    for (let n = int(maxPieces); n > 0; n--) value += pieces[int(pieces.length - 1)];
    return value;
  };
  const headers = (): Header[] => Array.from({ length: int(6) }, () => [text(4), text(6)] as const);
  const streamId = random() < 0.1 ? 0xffff_ffff : int(1_000_000);
  switch (int(5)) {
    case 0:
      return { kind: "data", streamId, bytes: bytes(300) };
    case 1:
      return { kind: "end", streamId };
    case 2:
      return { kind: "windowUpdate", streamId, bytes: 1 + int(0xffff_fffe) };
    case 3:
      return { kind: "webSocketMessage", streamId, text: random() < 0.5, bytes: bytes(40) };
    case 4:
      return {
        kind: "responseHead",
        streamId,
        status: 100 + int(899),
        statusText: text(2),
        headers: headers(),
        body: random() < 0.5 ? new Uint8Array(0) : bytes(64),
        endStream: random() < 0.5,
      };
    default: {
      const modes: CertVerification[] = ["full", "ca", "none"];
      return {
        kind: "requestHead",
        streamId,
        method: text(1),
        url: text(8),
        headers: headers(),
        websocket: random() < 0.5,
        hasBody: random() < 0.5,
        target:
          random() < 0.5
            ? null
            : {
                address: text(2),
                port: int(65535),
                tls: random() < 0.5,
                serverName: text(3),
                certVerification: modes[int(2)]!,
              },
      };
    }
  }
}

describe("hot-frame codec against the generated capnp-es codec", () => {
  it("encodes every hot sample to exactly the bytes capnp-es writes", () => {
    expect(hotSamples.length).toBeGreaterThan(10);
    for (const frame of hotSamples) {
      expect(hex(encodeFrame(frame)), frame.kind).toBe(hex(encodeFrameWithCapnp(frame)));
    }
  });

  it("reads every hot sample capnp-es wrote without falling back, and capnp-es reads its bytes", () => {
    for (const frame of hotSamples) {
      expect(decodeHotFrame(encodeFrameWithCapnp(frame)), frame.kind).toEqual(frame);
      const generic = decodeFrameWithCapnp(encodeFrame(frame));
      expect(generic.ok && generic.frame, frame.kind).toEqual(frame);
    }
  });

  it("agrees with capnp-es both ways on 2,000 random hot frames", () => {
    const random = prng(SEED);
    for (let n = 0; n < RANDOM_FRAMES; n++) {
      const frame = randomHotFrame(random);
      const where = `seed ${SEED}, frame ${n} (${frame.kind})`;
      const generated = encodeFrameWithCapnp(frame);
      expect(hex(encodeFrame(frame)), where).toBe(hex(generated));
      const expected = decodeFrameWithCapnp(generated);
      if (!expected.ok) throw new Error(`${where}: capnp-es refused its own frame`);
      // Text is compared as capnp-es decodes it (a lone surrogate becomes U+FFFD both ways).
      expect(decodeHotFrame(generated), where).toStrictEqual(expected.frame);
    }
  });

  it("decodes 10,000 mutated hot frames exactly as the generic decoder does", () => {
    const random = prng(SEED + 1);
    const corpus = [...hotSamples, ...Array.from({ length: 50 }, () => randomHotFrame(random))].map(
      (frame) => encodeFrame(frame),
    );
    let fastHits = 0;
    for (let n = 0; n < MUTATIONS; n++) {
      const original = corpus[Math.floor(random() * corpus.length)]!;
      const bytes = original.slice();
      // Mostly flips in the pointer and data words, where a wrong offset would show.
      const flips = 1 + Math.floor(random() * 4);
      for (let f = 0; f < flips; f++) {
        const limit = random() < 0.8 ? Math.min(bytes.length, 96) : bytes.length;
        const bit = Math.floor(random() * limit * 8);
        bytes[bit >> 3]! ^= 1 << (bit & 7);
      }
      const where = `seed ${SEED + 1}, mutation ${n}`;
      const generic = decodeFrameWithCapnp(bytes);
      expect(decodeFrame(bytes), where).toStrictEqual(generic);
      if (decodeHotFrame(bytes) !== undefined) fastHits++;
    }
    // The comparison means something only if the fast path took part in many cases.
    expect(fastHits).toBeGreaterThan(MUTATIONS / 10);
  });

  // ws hands the connector views into pooled Node Buffers: offsets must be the view's, and the
  // payload must be a copy so the pool's next message cannot change a frame already decoded.
  it("reads a hot frame from a view inside a larger buffer and copies its payload", () => {
    const frame: Frame = { kind: "data", streamId: 3, bytes: new Uint8Array([7, 8, 9]) };
    const encoded = encodeFrame(frame);
    const pool = new Uint8Array(encoded.byteLength + 24).fill(0xee);
    pool.set(encoded, 8);
    const view = pool.subarray(8, 8 + encoded.byteLength);
    const decoded = decodeHotFrame(view);
    expect(decoded).toEqual(frame);
    pool.fill(0);
    expect(decoded).toEqual(frame);
  });

  it("writes a data frame from chunks as the same bytes as one joined data frame", () => {
    const random = prng(SEED + 2);
    for (let n = 0; n < 200; n++) {
      const chunks = Array.from({ length: Math.floor(random() * 5) }, () => {
        const chunk = new Uint8Array(Math.floor(random() * 70));
        for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(random() * 256);
        return chunk;
      });
      const joined = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.length;
      }
      const frame: Frame = { kind: "data", streamId: n * 7919, bytes: joined };
      const where = `seed ${SEED + 2}, frame ${n}`;
      expect(hex(encodeDataFrame(frame.streamId, chunks)), where).toBe(
        hex(encodeFrameWithCapnp(frame)),
      );
    }
    expect(() => encodeDataFrame(-1, [])).toThrow(RangeError);
  });

  it("writes a data frame into a reused buffer as the same bytes as into a fresh one", () => {
    const random = prng(SEED + 3);
    // One buffer for every frame, left full of old bytes (0xff: every bit a fresh buffer lacks),
    // and a view into the middle of it, as a sender leaving room for a header would use.
    const backing = new Uint8Array(4096).fill(0xff);
    for (let n = 0; n < 200; n++) {
      const chunks = Array.from({ length: Math.floor(random() * 4) }, () => {
        const chunk = new Uint8Array(Math.floor(random() * 300));
        for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(random() * 256);
        return chunk;
      });
      const payloadBytes = chunks.reduce((total, chunk) => total + chunk.length, 0);
      const target = backing.subarray(14);
      const written = encodeDataFrameInto(target, n * 31, chunks);
      expect(written).toBe(dataFrameBytes(payloadBytes));
      const where = `seed ${SEED + 3}, frame ${n}`;
      expect(hex(target.subarray(0, written)), where).toBe(hex(encodeDataFrame(n * 31, chunks)));
      const decoded = decodeFrameWithCapnp(target.subarray(0, written));
      if (!decoded.ok || decoded.frame.kind !== "data") throw new Error(where);
      expect(decoded.frame.bytes.byteLength, where).toBe(payloadBytes);
    }
    expect(() => encodeDataFrameInto(new Uint8Array(16), 1, [new Uint8Array(1)])).toThrow(
      RangeError,
    );
  });

  it("frames a payload read in place as the same bytes encodeFrame writes, payload untouched", () => {
    const random = prng(SEED + 4);
    // Old bytes everywhere around the payload (0xff), as in a buffer read into and framed again.
    const backing = new Uint8Array(4096);
    for (let n = 0; n < 200; n++) {
      const payloadBytes = Math.floor(random() * 1000);
      const payload = new Uint8Array(payloadBytes);
      for (let i = 0; i < payloadBytes; i++) payload[i] = Math.floor(random() * 256);
      backing.fill(0xff);
      backing.set(payload, DATA_FRAME_PAYLOAD_OFFSET);
      const frame = encodeDataFrameAround(backing, n * 17, payloadBytes);
      const where = `seed ${SEED + 4}, frame ${n}`;
      expect(frame.buffer, where).toBe(backing.buffer);
      expect(frame.byteLength, where).toBe(dataFrameBytes(payloadBytes));
      const reference = encodeFrame({ kind: "data", streamId: n * 17, bytes: payload });
      expect(hex(frame), where).toBe(hex(reference));
      const decoded = decodeFrameWithCapnp(frame);
      if (!decoded.ok || decoded.frame.kind !== "data") throw new Error(where);
      expect(hex(decoded.frame.bytes), where).toBe(hex(payload));
    }
    expect(() => encodeDataFrameAround(new Uint8Array(DATA_FRAME_PAYLOAD_OFFSET), 1, 1)).toThrow(
      RangeError,
    );
    expect(() => encodeDataFrameAround(new Uint8Array(64), -1, 0)).toThrow(RangeError);
  });

  it("writes a data frame's header to go before a payload sent on its own, padding after", () => {
    const random = prng(SEED + 5);
    const header = new Uint8Array(DATA_FRAME_PAYLOAD_OFFSET);
    for (let n = 0; n < 200; n++) {
      const payload = new Uint8Array(Math.floor(random() * 1000));
      for (let i = 0; i < payload.length; i++) payload[i] = Math.floor(random() * 256);
      header.fill(0xff);
      const total = encodeDataFrameHeader(header, n * 13, payload.length);
      const padding = new Uint8Array(total - DATA_FRAME_PAYLOAD_OFFSET - payload.length);
      const where = `seed ${SEED + 5}, frame ${n}`;
      expect(padding.length, where).toBeLessThan(8);
      const joined = new Uint8Array([...header, ...payload, ...padding]);
      expect(hex(joined), where).toBe(
        hex(encodeFrame({ kind: "data", streamId: n * 13, bytes: payload })),
      );
    }
    expect(() => encodeDataFrameHeader(new Uint8Array(8), 1, 1)).toThrow(RangeError);
  });

  it("hands out payload views into the input only when asked to", () => {
    const frame: Frame = { kind: "data", streamId: 3, bytes: new Uint8Array([7, 8, 9]) };
    const encoded = encodeFrame(frame);
    const viewed = decodeFrame(encoded, { viewPayload: true });
    const copied = decodeFrame(encoded);
    if (!viewed.ok || viewed.frame.kind !== "data") throw new Error("not decoded");
    if (!copied.ok || copied.frame.kind !== "data") throw new Error("not decoded");
    expect(viewed.frame.bytes.buffer).toBe(encoded.buffer);
    expect(copied.frame.bytes.buffer).not.toBe(encoded.buffer);
    encoded.fill(0);
    expect(viewed.frame.bytes).toEqual(new Uint8Array(3));
    expect(copied.frame).toEqual(frame);
  });

  it("leaves a struct larger than today's schema to the generic decoder", () => {
    // A newer writer's Frame with one more data word: the root pointer says 3 data words.
    const frame: Frame = { kind: "windowUpdate", streamId: 9, bytes: 4096 };
    const today = encodeFrameWithCapnp(frame);
    const newer = new Uint8Array(today.byteLength + 8);
    const view = new DataView(newer.buffer);
    view.setUint32(4, (newer.byteLength - 8) / 8, true);
    view.setUint32(8, 0, true);
    view.setUint16(12, 3, true); // data words
    view.setUint16(14, 1, true); // pointers
    newer.set(today.subarray(16, 32), 16); // the two data words; the third stays zero
    expect(decodeHotFrame(newer)).toBeUndefined();
    expect(decodeFrame(newer)).toEqual({ ok: true, frame });
  });

  it("refuses a zero window update through the generic path, with its message", () => {
    const bytes = encodeFrameWithCapnp({ kind: "windowUpdate", streamId: 1, bytes: 1 });
    new DataView(bytes.buffer).setUint32(24, 0, true);
    expect(decodeFrame(bytes)).toStrictEqual(decodeFrameWithCapnp(bytes));
    expect(decodeFrame(bytes)).toMatchObject({ ok: false, reason: "malformed" });
  });
});
