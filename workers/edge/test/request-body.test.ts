import {
  DATA_FRAME_PAYLOAD_OFFSET,
  decodeFrame,
  encodeFrame,
  MAX_DATA_CHUNK_BYTES,
  type ResetCode,
} from "@burrow/wire";
import { describe, expect, it } from "vitest";
import {
  type BodySink,
  frameInPlace,
  nextReadBytes,
  pumpRequestBody,
} from "../src/connection/request-body";

/** A sink that frames each piece as HttpStream.sendData does, keeping the frames. */
function framingSink(streamId: number) {
  const frames: { inPlace: boolean; frame: Uint8Array; piece: Uint8Array }[] = [];
  const sink: BodySink = {
    async sendData(piece) {
      const framed = frameInPlace(piece, streamId);
      // Copied now: the next read must not be able to change what was "sent".
      const frame = (framed ?? encodeFrame({ kind: "data", streamId, bytes: piece })).slice();
      frames.push({ inPlace: framed !== null, frame, piece: piece.slice() });
      return true;
    },
    endData() {},
    reset(code: ResetCode, message: string) {
      throw new Error(`reset ${code}: ${message}`);
    },
  };
  return { sink, frames };
}

/** Byte-wise equality; vitest's toEqual walks large arrays too slowly. */
function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

describe("request bodies framed in place", () => {
  it("frames every piece of an upload where it was read, as the bytes encodeFrame writes", async () => {
    const body = bytes(1024 * 1024 + 123, 7);
    const request = new Request("https://t.example/upload", { method: "POST", body });
    const { sink, frames } = framingSink(9);
    await pumpRequestBody(sink, request.body!, Number.MAX_SAFE_INTEGER);
    expect(frames.length).toBeGreaterThan(0);
    let at = 0;
    for (const { inPlace, frame, piece } of frames) {
      expect(inPlace).toBe(true);
      expect(same(frame, encodeFrame({ kind: "data", streamId: 9, bytes: piece }))).toBe(true);
      const decoded = decodeFrame(frame);
      if (!decoded.ok || decoded.frame.kind !== "data") throw new Error("not a data frame");
      expect(same(decoded.frame.bytes, body.subarray(at, at + piece.byteLength))).toBe(true);
      at += piece.byteLength;
    }
    expect(at).toBe(body.byteLength);
  });

  it("never writes around a piece it did not read itself (a caller's buffer stays as it was)", async () => {
    // A caller's chunk that is a view into a larger buffer of its own, at the payload's offset.
    const backing = bytes(DATA_FRAME_PAYLOAD_OFFSET + 4096 + 64, 3);
    const before = backing.slice();
    const chunk = backing.subarray(DATA_FRAME_PAYLOAD_OFFSET, DATA_FRAME_PAYLOAD_OFFSET + 4096);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const { sink, frames } = framingSink(5);
    await pumpRequestBody(sink, stream, Number.MAX_SAFE_INTEGER);
    expect(frames.map((frame) => frame.inPlace)).toEqual([false]);
    expect(same(frames[0]!.frame, encodeFrame({ kind: "data", streamId: 5, bytes: chunk }))).toBe(
      true,
    );
    expect(same(backing, before)).toBe(true);
  });
});

describe("read sizes", () => {
  const KiB = 1024;

  it("gives the next read twice what arrived, doubling while reads fill their room", () => {
    expect(nextReadBytes(64 * KiB, 64 * KiB)).toBe(128 * KiB);
    expect(nextReadBytes(128 * KiB, 128 * KiB)).toBe(256 * KiB);
    expect(nextReadBytes(512 * KiB, 100 * KiB)).toBe(200 * KiB);
    expect(nextReadBytes(256 * KiB, 10 * KiB)).toBe(64 * KiB);
    expect(nextReadBytes(MAX_DATA_CHUNK_BYTES, MAX_DATA_CHUNK_BYTES)).toBe(MAX_DATA_CHUNK_BYTES);
    expect(nextReadBytes(300 * KiB, 299 * KiB)).toBe(MAX_DATA_CHUNK_BYTES);
  });

  it("reads a body that is all there in pieces growing to a whole data frame", async () => {
    const body = bytes(4 * 1024 * 1024, 5);
    const request = new Request("https://t.example/upload", { method: "POST", body });
    const { sink, frames } = framingSink(3);
    await pumpRequestBody(sink, request.body!, Number.MAX_SAFE_INTEGER);
    const sizes = frames.map(({ piece }) => piece.byteLength);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(body.byteLength);
    expect(Math.max(...sizes)).toBe(MAX_DATA_CHUNK_BYTES);
    expect(sizes[0]).toBeLessThanOrEqual(64 * KiB);
    // Whole frames after the first few doublings: few reads, few frames.
    expect(frames.length).toBeLessThanOrEqual(4 + body.byteLength / MAX_DATA_CHUNK_BYTES);
  });
});
