import type { DecodeFailure } from "./frame";
import { framedMessageBytes } from "./message-bounds";

/**
 * A WebSocket message may carry several frames back to back when the edge announced
 * `frame-batches` (FEATURES.frameBatches): each frame is a standard stream-framed Cap'n Proto
 * message, whose segment table gives its length, so a batch needs no framing of its own and a
 * message of one frame is a batch of one.
 *
 * Why: the edge's connection object takes each connector message as a Hibernation API event,
 * which costs workerd about a tenth of its CPU per small request at c=100 against `accept()`ed
 * sockets (scripts/bench/README.md, session 10), and the connector already writes the answers
 * that complete in one event-loop turn together (~16 per write at c=100, `strace`). Joined into
 * one message, they cost the object one event.
 */

/** A batch stops growing past this many bytes (the small frames it carries are a few hundred). */
export const MAX_FRAME_BATCH_BYTES = 256 * 1024;

/** The frames of one message, as views into it; a typed failure for a batch that does not add up. */
export type SplitBatch =
  | { ok: true; frames: Uint8Array[] }
  | { ok: false; reason: DecodeFailure; message: string };

/**
 * Splits `message` into its frames by their segment tables; each is then decoded on its own. A
 * message over {@link MAX_FRAME_BATCH_BYTES} must be one frame (a large data frame): the sender
 * never batches past it, and the bound keeps a batch to a few thousand frames.
 */
export function splitFrameBatch(message: Uint8Array): SplitBatch {
  const frames: Uint8Array[] = [];
  let offset = 0;
  do {
    const length = framedMessageBytes(message, offset);
    if (!length.ok) return length;
    frames.push(message.subarray(offset, offset + length.bytes));
    offset += length.bytes;
    if (offset < message.byteLength && message.byteLength > MAX_FRAME_BATCH_BYTES) {
      return {
        ok: false,
        reason: "too_large",
        message: `a batch of several frames is ${message.byteLength} bytes; the limit is ${MAX_FRAME_BATCH_BYTES}`,
      };
    }
  } while (offset < message.byteLength);
  return { ok: true, frames };
}

/** One message holding `frames` (encoded frames) back to back. */
export function joinFrameBatch(frames: readonly Uint8Array[]): Uint8Array {
  if (frames.length === 1) return frames[0]!;
  let total = 0;
  for (const frame of frames) total += frame.byteLength;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const frame of frames) {
    joined.set(frame, offset);
    offset += frame.byteLength;
  }
  return joined;
}
