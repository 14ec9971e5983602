import * as $ from "capnp-es";
import { describe, expect, it } from "vitest";
import { decodeFrame, encodeFrame } from "./codec";
import { type CertVerification, type Frame, MAX_FRAME_BYTES, type ResetCode } from "./frame";
import * as gen from "./gen/frame";
import { type FrameOf, sampleFrames, samples } from "./sample-frames";

function decodeOk(bytes: Uint8Array): Frame {
  const result = decodeFrame(bytes);
  if (!result.ok) throw new Error(`expected a frame, got ${result.reason}: ${result.message}`);
  return result.frame;
}

/** Index of the first differing byte, or -1; avoids a deep-equality walk over megabytes. */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.byteLength !== b.byteLength) return Math.min(a.byteLength, b.byteLength);
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("round trip", () => {
  for (const [kind, frames] of Object.entries(samples)) {
    it(`decodes every ${kind} sample to the frame that was encoded`, () => {
      for (const frame of frames) {
        expect(decodeOk(encodeFrame(frame))).toEqual(frame);
      }
    });
  }

  it("allocates exactly the encoded size for every sample", () => {
    for (const frame of sampleFrames) {
      const encoded = encodeFrame(frame);
      expect(encoded.byteOffset).toBe(0);
      expect(encoded.buffer.byteLength, frame.kind).toBe(encoded.byteLength);
    }
  });

  it("carries a 16 MiB data payload byte for byte", () => {
    const bytes = new Uint8Array(16 * 1024 * 1024);
    let x = 0x12345678;
    for (let i = 0; i < bytes.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      bytes[i] = x >>> 24;
    }
    const decoded = decodeOk(encodeFrame({ kind: "data", streamId: 99, bytes }));
    expect(decoded.kind).toBe("data");
    expect(decoded.streamId).toBe(99);
    expect(firstDifference((decoded as FrameOf<"data">).bytes, bytes)).toBe(-1);
  });

  it("decodes from an ArrayBuffer and from a Uint8Array at a non-zero offset", () => {
    const frame = samples.requestHead[0]!;
    const encoded = encodeFrame(frame);
    expect(decodeOk(encoded.slice().buffer as unknown as Uint8Array)).toEqual(frame);
    const padded = new Uint8Array(encoded.byteLength + 3);
    padded.set(encoded, 3);
    expect(decodeOk(padded.subarray(3))).toEqual(frame);
  });

  // Regression: ws hands the connector pooled Node Buffers, whose slice() is a view into the
  // whole pool; decoding one answered "malformed" for every frame the edge sent.
  it("decodes a Uint8Array subclass whose slice() shares memory, like Node's pooled Buffer", () => {
    class PooledView extends Uint8Array {
      override slice(start?: number, end?: number): Uint8Array<ArrayBuffer> {
        return this.subarray(start, end);
      }
    }
    const frame = samples.registered[0]!;
    const encoded = encodeFrame(frame);
    const pool = new PooledView(encoded.byteLength + 40);
    pool.set(encoded, 16);
    expect(decodeOk(pool.subarray(16, 16 + encoded.byteLength))).toEqual(frame);
  });

  it("returns payload bytes that do not alias the input buffer", () => {
    const encoded = encodeFrame({ kind: "data", streamId: 1, bytes: new Uint8Array([1, 2, 3]) });
    const decoded = decodeOk(encoded) as FrameOf<"data">;
    encoded.fill(0);
    expect([...decoded.bytes]).toEqual([1, 2, 3]);
  });
});

describe("limits", () => {
  it("refuses input above the configured maxFrameBytes with too_large before parsing", () => {
    const encoded = encodeFrame({ kind: "data", streamId: 1, bytes: new Uint8Array(4096) });
    const result = decodeFrame(encoded, { maxFrameBytes: 1024 });
    expect(result).toMatchObject({ ok: false, reason: "too_large" });
    // Garbage of the same size gets the same answer: the size check comes first.
    expect(decodeFrame(new Uint8Array(2048).fill(0xff), { maxFrameBytes: 1024 })).toMatchObject({
      ok: false,
      reason: "too_large",
    });
  });

  it("accepts a frame exactly at maxFrameBytes", () => {
    const encoded = encodeFrame({ kind: "data", streamId: 1, bytes: new Uint8Array(4096) });
    expect(decodeFrame(encoded, { maxFrameBytes: encoded.byteLength }).ok).toBe(true);
  });

  it("refuses to encode a frame above MAX_FRAME_BYTES", () => {
    const bytes = new Uint8Array(MAX_FRAME_BYTES);
    expect(() => encodeFrame({ kind: "data", streamId: 1, bytes })).toThrow(RangeError);
  });

  it("encodes the largest data frame that fits MAX_FRAME_BYTES", () => {
    // 8 framing + 8 root pointer + 24 Frame struct bytes around the payload.
    const bytes = new Uint8Array(MAX_FRAME_BYTES - 40);
    expect(encodeFrame({ kind: "data", streamId: 1, bytes }).byteLength).toBe(MAX_FRAME_BYTES);
  });

  it("refuses quickly a message whose composite list claims 2^29 elements", {
    timeout: 2000,
  }, () => {
    // Frame(requestHead) -> RequestHead whose headers pointer is a composite list of zero-word
    // structs: 80 bytes that would make a naive reader materialise half a billion headers.
    const words = [
      [0, 0, 0, 0, 9, 0, 0, 0], // stream framing: 1 segment of 10 words
      [0, 0, 0, 0, 2, 0, 1, 0], // root: struct, 2 data words, 1 pointer
      [1, 0, 0, 0, 0, 0, 0, 0], // streamId 1, which = requestHead
      [0, 0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1, 0, 4, 0], // -> RequestHead: 1 data word, 4 pointers
      [0, 0, 0, 0, 0, 0, 0, 0], // RequestHead data
      [0, 0, 0, 0, 0, 0, 0, 0], // method: null
      [0, 0, 0, 0, 0, 0, 0, 0], // url: null
      [5, 0, 0, 0, 7, 0, 0, 0], // headers: list, offset 1, composite, 0 words
      [0, 0, 0, 0, 0, 0, 0, 0], // target: null
      [0xfc, 0xff, 0xff, 0x7f, 0, 0, 0, 0], // tag: 2^29 - 1 elements of 0 data, 0 pointers
    ];
    // The header says 10 words and there are 10 after it.
    const result = decodeFrame(new Uint8Array(words.flat()));
    expect(result).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses a text pointer that claims more bytes than the message holds", () => {
    const words = [
      [0, 0, 0, 0, 4, 0, 0, 0], // 1 segment of 4 words
      [0, 0, 0, 0, 2, 0, 1, 0], // root struct
      [0, 0, 0, 0, 14, 0, 0, 0], // which = goAway
      [0, 0, 0, 0, 0, 0, 0, 0],
      [1, 0, 0, 0, 0xf2, 0xff, 0xff, 0xff], // goAway: byte list of 2^29 - 1 elements
    ];
    expect(decodeFrame(new Uint8Array(words.flat()))).toMatchObject({
      ok: false,
      reason: "malformed",
    });
  });

  it("answers truncated for empty input", () => {
    expect(decodeFrame(new Uint8Array(0))).toMatchObject({ ok: false, reason: "truncated" });
  });

  it("answers truncated for a cut-off segment table and a cut-off segment", () => {
    const encoded = encodeFrame(samples.hello[0]!);
    expect(decodeFrame(encoded.subarray(0, 4))).toMatchObject({ ok: false, reason: "truncated" });
    expect(decodeFrame(encoded.subarray(0, 8))).toMatchObject({ ok: false, reason: "truncated" });
    expect(decodeFrame(encoded.subarray(0, encoded.byteLength - 8))).toMatchObject({
      ok: false,
      reason: "truncated",
    });
    // Four segments need a 24-byte table.
    expect(decodeFrame(new Uint8Array([3, 0, 0, 0, 0, 0, 0, 0]))).toMatchObject({
      ok: false,
      reason: "truncated",
    });
  });

  it("refuses a segment count of 2^32 without allocating for it", () => {
    const result = decodeFrame(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]));
    expect(result).toMatchObject({ ok: false, reason: "malformed" });
  });
});

describe("validation", () => {
  /** Encodes `frame`, then overwrites the 16-bit field at `byteOffset` of the encoded bytes. */
  function withUint16(frame: Frame, byteOffset: number, value: number): Uint8Array {
    const bytes = encodeFrame(frame);
    new DataView(bytes.buffer, bytes.byteOffset).setUint16(byteOffset, value, true);
    return bytes;
  }

  // Offsets into the encoded single-segment message: 8 framing bytes, the 8-byte root pointer,
  // then the Frame's data words (streamId at 16, the union discriminant at 20, the union's 64-bit
  // slot at 24), its pointer at 32, then the first child struct's data at 40.
  it("answers unknown_kind for a union member this version does not know", () => {
    expect(decodeFrame(withUint16(samples.end[0]!, 20, 16))).toMatchObject({
      ok: false,
      reason: "unknown_kind",
    });
  });

  it("answers malformed for a status outside 100-999", () => {
    const frame = samples.responseHead[1]!;
    expect(decodeFrame(withUint16(frame, 40, 99))).toMatchObject({ reason: "malformed" });
    expect(decodeFrame(withUint16(frame, 40, 1000))).toMatchObject({ reason: "malformed" });
  });

  it("answers malformed for an unknown reset code, DNS type or DNS status", () => {
    expect(decodeFrame(withUint16(samples.reset[0]!, 40, 8))).toMatchObject({
      reason: "malformed",
    });
    expect(decodeFrame(withUint16(samples.dnsQuestion[0]!, 40, 2))).toMatchObject({
      reason: "malformed",
    });
    expect(decodeFrame(withUint16(samples.dnsAnswer[0]!, 40, 6))).toMatchObject({
      reason: "malformed",
    });
  });

  /** A requestHead whose target carries exactly these two fields, as any writer could send it. */
  function targetWith(verifyCertificate: boolean, certVerification: number): Uint8Array {
    const message = new $.Message();
    const head = message.initRoot(gen.Frame)._initRequestHead();
    head.method = "GET";
    head.url = "https://api.internal/";
    const target = head._initTarget();
    target.address = "10.0.0.5";
    target.port = 443;
    target.tls = true;
    target.serverName = "api.internal";
    target.verifyCertificate = verifyCertificate;
    target.certVerification = certVerification as gen.CertVerification;
    return new Uint8Array(message.toArrayBuffer());
  }

  const certVerificationOf = (bytes: Uint8Array) => {
    const frame = decodeOk(bytes);
    return frame.kind === "requestHead" ? frame.target?.certVerification : undefined;
  };

  it("reads a target from a writer that predates certVerification by its verify flag", () => {
    // Such a writer leaves certVerification at its default, full (0).
    expect(certVerificationOf(targetWith(true, gen.CertVerification.FULL))).toBe("full");
    expect(certVerificationOf(targetWith(false, gen.CertVerification.FULL))).toBe("none");
  });

  it("keeps verifyCertificate set for full and ca, so an older connector still checks", () => {
    for (const [mode, verify] of [
      ["full", true],
      ["ca", true],
      ["none", false],
    ] as const) {
      const frame = { ...samples.requestHead[2]!, target: { ...samples.requestHead[2]!.target! } };
      frame.target.certVerification = mode;
      const bytes = encodeFrame(frame);
      const message = new $.Message(bytes, false);
      const target = message.getRoot(gen.Frame).requestHead.target;
      expect(target.verifyCertificate, mode).toBe(verify);
    }
  });

  it("answers malformed for contradictory or unknown certificate verification", () => {
    for (const [verify, mode] of [
      [true, gen.CertVerification.NONE],
      [false, gen.CertVerification.CA],
      [true, 3],
    ] as const) {
      expect(decodeFrame(targetWith(verify, mode)), `${verify} ${mode}`).toMatchObject({
        ok: false,
        reason: "malformed",
      });
    }
  });

  it("answers malformed for a window update of zero bytes", () => {
    const bytes = encodeFrame({ kind: "windowUpdate", streamId: 1, bytes: 5 });
    new DataView(bytes.buffer).setUint32(24, 0, true);
    expect(decodeFrame(bytes)).toMatchObject({ ok: false, reason: "malformed" });
  });

  it("refuses to encode values the wire cannot carry", () => {
    const bad: Frame[] = [
      { kind: "end", streamId: -1 },
      { kind: "end", streamId: 2 ** 32 },
      { kind: "windowUpdate", streamId: 1, bytes: 0 },
      {
        kind: "responseHead",
        streamId: 1,
        status: 42,
        statusText: "",
        headers: [],
        body: new Uint8Array(0),
        endStream: false,
      },
      { kind: "webSocketClose", streamId: 1, code: 70000, reason: "" },
      { kind: "reset", streamId: 1, code: 99 as ResetCode, message: "" },
      { kind: "ping", streamId: 0, nonce: -1n },
      { kind: "ping", streamId: 0, nonce: 2n ** 64n },
      { ...samples.hello[0]!, connIndex: 1.5 },
      { ...samples.requestHead[1]!, target: { ...samples.requestHead[1]!.target!, port: 65536 } },
      {
        ...samples.requestHead[1]!,
        target: {
          ...samples.requestHead[1]!.target!,
          certVerification: "sometimes" as CertVerification,
        },
      },
    ];
    for (const frame of bad) expect(() => encodeFrame(frame), frame.kind).toThrow(RangeError);
  });
});
