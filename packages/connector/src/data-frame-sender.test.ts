import type { AddressInfo } from "node:net";
import { type Duplex, PassThrough } from "node:stream";
import { decodeFrame, MAX_DATA_CHUNK_BYTES } from "@burrow/wire";
import { describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";
import { DataFrameSender, maskInJavaScript } from "./data-frame-sender";

/** Bytes that differ per position and per frame, so a stale or misplaced byte shows. */
function pattern(bytes: number, seed: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = (i * 31 + seed * 7) % 256;
  return out;
}

describe("DataFrameSender", () => {
  for (const masking of ["native when present", "JavaScript", "zero keys"] as const) {
    it(`writes masked messages a WebSocket server reads as the data frames, in order with ws's own (${masking} masking)`, async () => {
      const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
      await new Promise<void>((resolve) => server.once("listening", resolve));
      const received: Array<{ binary: boolean; data: Buffer }> = [];
      server.on("connection", (peer) => {
        peer.on("message", (data: Buffer, binary) => received.push({ binary, data }));
      });
      const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      await new Promise((resolve) => client.once("open", resolve));
      const tcp = (client as unknown as { _socket: Duplex })._socket;
      const sender = new DataFrameSender(
        masking === "JavaScript"
          ? { nativeMask: null }
          : masking === "zero keys"
            ? { keys: "zero" }
            : {},
      );

      // Full frames, small ones (every WebSocket length form: 7, 16 and 64 bits), payloads split
      // across chunks at odd offsets (the masking key rotates across them), an empty chunk, and
      // ws's own messages between them.
      const sizes = [MAX_DATA_CHUNK_BYTES, 3, 1_001, MAX_DATA_CHUNK_BYTES - 5, 70_000, 0];
      const expected: Array<{ streamId: number; bytes: Uint8Array } | string> = [];
      for (let round = 0; round < 3; round++) {
        for (const [index, size] of sizes.entries()) {
          const seed = round * sizes.length + index;
          const bytes = pattern(size, seed);
          // The sender masks its chunks in place: what it should send is kept aside.
          expected.push({ streamId: seed + 1, bytes: bytes.slice() });
          const cut = Math.min(size, 1 + ((size * (round + 1)) % 7));
          const chunks = [bytes.subarray(0, cut), new Uint8Array(0), bytes.subarray(cut)];
          sender.send(tcp, seed + 1, chunks, size);
          if (index === 1) {
            client.send(`text ${seed}`);
            expected.push(`text ${seed}`);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      for (let i = 0; i < 100 && received.length < expected.length; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }

      expect(received).toHaveLength(expected.length);
      for (const [i, want] of expected.entries()) {
        const got = received[i]!;
        if (typeof want === "string") {
          expect(got.binary, `message ${i}`).toBe(false);
          expect(got.data.toString(), `message ${i}`).toBe(want);
          continue;
        }
        expect(got.binary, `message ${i}`).toBe(true);
        const decoded = decodeFrame(new Uint8Array(got.data));
        if (!decoded.ok || decoded.frame.kind !== "data") throw new Error(`message ${i} not data`);
        expect(decoded.frame.streamId, `message ${i}`).toBe(want.streamId);
        const same = Buffer.from(decoded.frame.bytes).equals(Buffer.from(want.bytes));
        expect(same, `message ${i}`).toBe(true);
      }
      client.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }

  for (const keys of ["random", "zero"] as const) {
    it(`puts ${keys} masking keys on the wire, the payload masked with them`, () => {
      const wire = new PassThrough();
      const written: Buffer[] = [];
      wire.on("data", (chunk: Buffer) => written.push(chunk));
      const sender = new DataFrameSender({ keys, nativeMask: null });
      const plain = pattern(70_000, 3);
      const frames = 20;
      for (let i = 0; i < frames; i++) sender.send(wire, 1, [plain.slice()], plain.byteLength);
      const bytes = Buffer.concat(written);

      let at = 0;
      const keysSeen = new Set<string>();
      for (let i = 0; i < frames; i++) {
        expect(bytes[at]).toBe(0x82);
        // Masked in both cases (a server refuses an unmasked client frame), 64-bit length form.
        expect(bytes[at + 1]).toBe(0x80 | 127);
        const length = Number(bytes.readBigUInt64BE(at + 2));
        const key = bytes.subarray(at + 10, at + 14);
        keysSeen.add(key.toString("hex"));
        const payload = Buffer.from(bytes.subarray(at + 14, at + 14 + length));
        const unmasked = Buffer.from(payload.map((byte, j) => byte ^ key[j & 3]!));
        const frame = decodeFrame(new Uint8Array(unmasked));
        if (!frame.ok || frame.frame.kind !== "data") throw new Error(`frame ${i} not data`);
        expect(Buffer.from(frame.frame.bytes).equals(Buffer.from(plain))).toBe(true);
        // A zero key leaves the payload as it is; a random one changes it.
        expect(payload.equals(unmasked)).toBe(keys === "zero");
        at += 14 + length;
      }
      expect(at).toBe(bytes.byteLength);
      if (keys === "zero") expect([...keysSeen]).toEqual(["00000000"]);
      else expect(keysSeen.size).toBe(frames);
    });
  }

  it("masks in JavaScript as the byte-by-byte rule does, at any offset and length", () => {
    const key = Uint8Array.from([0x12, 0x9a, 0x00, 0xff]);
    const backing = pattern(300, 5);
    for (let offset = 0; offset < 8; offset++) {
      for (const length of [0, 1, 3, 4, 5, 31, 64, 201]) {
        const bytes = backing.slice().subarray(offset, offset + length);
        const want = Uint8Array.from(bytes, (byte, i) => byte ^ key[i & 3]!);
        maskInJavaScript(bytes, key);
        expect(Buffer.from(bytes).equals(Buffer.from(want)), `${offset}+${length}`).toBe(true);
      }
    }
  });
});
