import { randomFillSync } from "node:crypto";
import { createRequire } from "node:module";
import { endianness } from "node:os";
import type { Duplex } from "node:stream";
import { DATA_FRAME_PAYLOAD_OFFSET, encodeDataFrameHeader } from "@burrow/wire";

/** bufferutil's native masking: `output[offset + i] = source[i] ^ mask[i & 3]`. */
type MaskFunction = (
  source: Uint8Array,
  mask: Uint8Array,
  output: Uint8Array,
  offset: number,
  length: number,
) => void;

/** The largest WebSocket frame header: 2 bytes, a 64-bit length, the 4-byte masking key. */
const MAX_WS_HEADER_BYTES = 14;
const FIN_BINARY = 0x82;
const MASKED = 0x80;
/** Below this, a JavaScript loop beats the call into native code (ws uses the same cut). */
const NATIVE_MASK_FROM_BYTES = 48;

/**
 * Sends `data` frames as masked WebSocket messages straight from the chunks the origin's client
 * handed over: each chunk is masked in place (unless the key is zero) and written as it is, between the
 * frame's headers and its padding, so the connector adds no copy of its own to a body's bytes.
 *
 * `ws.send` copies every message once more to mask it (a client must mask every byte, RFC 6455
 * §5.3), and encoding the frame first is a copy of its own. Session 4 cut that to one copy into
 * pooled buffers; now the connector writes the WebSocket header (masking key included), the
 * frame's header, the chunks and the padding, masked with one key as one message, to the TCP
 * socket under the WebSocket, exactly as ws writes a frame: the socket is corked for the turn, so
 * the pieces leave in one writev. Connector CPU per downloaded MiB, paired runs against the pooled
 * copy: 1.65 → 1.15–1.20 ms at load ≈ 2 (not confirmed at load 4–5, where runs spread 1.6–4.4),
 * and 4.7–4.8 → 2.0–3.6 ms without bufferutil (scripts/bench/README.md, session 6). The copy
 * node:http's parser made of every body chunk is gone for plain-HTTP origins since session 11
 * (origin-http1/: the chunks are the socket's own reads); TLS origins still pay it.
 *
 * The chunks are taken over: they are masked in place, so the caller must not read them again
 * (the response relay hands over what the origin's client read for it; the inspector copies what
 * it keeps before). Masking uses bufferutil when it loads, else a loop over 32-bit words: the packaged
 * connector ships without bufferutil, and ws's own JavaScript fallback masks byte by byte
 * (≈ 1.2–1.8 ms per MiB in a micro-benchmark here, against ≈ 0.2 for words and ≈ 0.1 native).
 *
 * Writing beside ws keeps message order: ws writes every frame of its own to the socket at once
 * (it only queues while compressing or reading a Blob, and this connector does neither).
 */
export class DataFrameSender {
  readonly #nativeMask: MaskFunction | null;
  readonly #zeroKeys: boolean;
  readonly #key = Buffer.alloc(4);
  readonly #rotated = Buffer.alloc(4);

  /**
   * `keys`: random masking keys, or all zeros where nothing on the path reads the bytes
   * (masking-keys.ts); `nativeMask`: bufferutil's (the default loads it when present), null masks
   * in JavaScript.
   */
  constructor(options: { keys?: "random" | "zero"; nativeMask?: MaskFunction | null } = {}) {
    this.#zeroKeys = options.keys === "zero";
    this.#nativeMask = options.nativeMask === undefined ? loadNativeMask() : options.nativeMask;
  }

  /** Writes one data frame of `chunks` joined (`byteLength` bytes) to `tcp`; masks the chunks. */
  send(tcp: Duplex, streamId: number, chunks: readonly Uint8Array[], byteLength: number): void {
    const head = Buffer.allocUnsafe(MAX_WS_HEADER_BYTES + DATA_FRAME_PAYLOAD_OFFSET);
    const frameBytes = encodeDataFrameHeader(
      head.subarray(MAX_WS_HEADER_BYTES),
      streamId,
      byteLength,
    );
    const key = this.#key;
    // A zero key masks nothing: the bytes go as they are (the key stays zero from construction).
    if (!this.#zeroKeys) randomFillSync(key);
    // The WebSocket header goes right before the frame's header, in the same buffer.
    const wsHeaderBytes = frameBytes < 126 ? 6 : frameBytes < 65_536 ? 8 : 14;
    const start = MAX_WS_HEADER_BYTES - wsHeaderBytes;
    head[start] = FIN_BINARY;
    if (frameBytes < 126) {
      head[start + 1] = MASKED | frameBytes;
    } else if (frameBytes < 65_536) {
      head[start + 1] = MASKED | 126;
      head.writeUInt16BE(frameBytes, start + 2);
    } else {
      head[start + 1] = MASKED | 127;
      head.writeUInt32BE(Math.floor(frameBytes / 2 ** 32), start + 2);
      head.writeUInt32BE(frameBytes >>> 0, start + 6);
    }
    key.copy(head, MAX_WS_HEADER_BYTES - 4);
    this.#mask(head.subarray(MAX_WS_HEADER_BYTES), 0);
    tcp.write(head.subarray(start));
    let at = DATA_FRAME_PAYLOAD_OFFSET;
    for (const chunk of chunks) {
      if (chunk.byteLength === 0) continue;
      this.#mask(chunk, at);
      tcp.write(chunk);
      at += chunk.byteLength;
    }
    if (at < frameBytes) {
      const padding = Buffer.alloc(frameBytes - at);
      this.#mask(padding, at);
      tcp.write(padding);
    }
  }

  /** Masks `bytes` in place as the part of the message that starts at byte `at` of it. */
  #mask(bytes: Uint8Array, at: number): void {
    if (this.#zeroKeys) return;
    const key = this.#key;
    const rotated = this.#rotated;
    for (let i = 0; i < 4; i++) rotated[i] = key[(at + i) & 3]!;
    if (this.#nativeMask && bytes.byteLength >= NATIVE_MASK_FROM_BYTES) {
      this.#nativeMask(bytes, rotated, bytes, 0, bytes.byteLength);
    } else {
      maskInJavaScript(bytes, rotated);
    }
  }
}

/** bufferutil's mask, unless absent (the packaged connector) or switched off as ws allows. */
function loadNativeMask(): MaskFunction | null {
  if (process.env.WS_NO_BUFFER_UTIL) return null;
  try {
    const bufferUtil = createRequire(import.meta.url)("bufferutil") as { mask?: MaskFunction };
    return typeof bufferUtil.mask === "function" ? bufferUtil.mask : null;
  } catch {
    return null;
  }
}

const LITTLE_ENDIAN = endianness() === "LE";

/**
 * `bytes[i] ^= key[i & 3]` in place, 32 bits at a time over the aligned middle (the words are
 * read in the platform's byte order, so the key word is built in it).
 */
export function maskInJavaScript(bytes: Uint8Array, key: Uint8Array): void {
  const length = bytes.byteLength;
  let i = 0;
  if (LITTLE_ENDIAN) {
    const lead = Math.min(length, (4 - (bytes.byteOffset & 3)) & 3);
    for (; i < lead; i++) bytes[i]! ^= key[i & 3]!;
    const words = (length - i) >>> 2;
    if (words > 0) {
      const word =
        key[i & 3]! |
        (key[(i + 1) & 3]! << 8) |
        (key[(i + 2) & 3]! << 16) |
        (key[(i + 3) & 3]! << 24);
      const view = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
      for (let w = 0; w < words; w++) view[w]! ^= word;
      i += words * 4;
    }
  }
  for (; i < length; i++) bytes[i]! ^= key[i & 3]!;
}
