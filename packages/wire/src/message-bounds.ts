/**
 * Checks an untrusted Cap'n Proto message before capnp-es reads it.
 *
 * capnp-es trusts its input in ways a network peer can abuse: its frame parser sizes an array from
 * the segment count before checking the input is that long (a 4-byte header can ask for 2^32
 * slots), and its list reader copies a composite list whose elements are smaller than the schema's
 * (a list of 2^29 zero-word elements costs 8 bytes on the wire and gigabytes to widen). So every
 * segment and every pointer is checked here first, against budgets derived from the input size,
 * the way the C++ reader's traversal limit works.
 */
import type { DecodeFailure } from "./frame";

/** Outcome of {@link checkMessage}; on success the input is safe to hand to capnp-es. */
export type CheckedMessage =
  | { ok: true; segmentCount: number }
  | { ok: false; reason: DecodeFailure; message: string };

/**
 * The C++ reader's defaults are 512 segments and 64 levels. Our encoder always writes one segment
 * and the schema nests four levels deep, so these leave generous room for other writers.
 */
const MAX_SEGMENTS = 64;
const MAX_NESTING_DEPTH = 64;

const WORD_BYTES = 8;

class BoundsError extends Error {
  constructor(
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Splits a stream-framed message into segments and verifies that every pointer reachable from the
 * root lands inside its segment, within a read budget proportional to the message size.
 */
export function checkMessage(input: Uint8Array): CheckedMessage {
  try {
    const segments = splitSegments(input);
    new PointerWalker(segments, input.byteLength).walkRoot();
    return { ok: true, segmentCount: segments.length };
  } catch (error) {
    if (error instanceof BoundsError) {
      return { ok: false, reason: error.reason, message: error.message };
    }
    throw error;
  }
}

interface CheckedSegment {
  id: number;
  view: DataView;
  words: number;
}

/**
 * The length in bytes of the stream-framed message that starts at `offset` of `input`, read from
 * its segment table (a frame batch is such messages back to back: frame-batch.ts); a typed
 * failure when the table is cut short, claims more than {@link MAX_SEGMENTS} segments, or sizes
 * the message past the end of `input`. Nothing but the table is read.
 */
export function framedMessageBytes(
  input: Uint8Array,
  offset: number,
): { ok: true; bytes: number } | { ok: false; reason: DecodeFailure; message: string } {
  const available = input.byteLength - offset;
  if (available < WORD_BYTES) {
    return { ok: false, reason: "truncated", message: `${available} bytes left; a frame needs 8` };
  }
  const header = new DataView(input.buffer, input.byteOffset + offset, available);
  const segmentCount = header.getUint32(0, true) + 1;
  if (segmentCount > MAX_SEGMENTS) {
    return { ok: false, reason: "malformed", message: `message claims ${segmentCount} segments` };
  }
  const headerBytes = Math.ceil((4 + 4 * segmentCount) / WORD_BYTES) * WORD_BYTES;
  if (headerBytes > available) {
    return { ok: false, reason: "truncated", message: "message ends inside its segment table" };
  }
  let bytes = headerBytes;
  for (let i = 0; i < segmentCount; i++) bytes += header.getUint32(4 + 4 * i, true) * WORD_BYTES;
  if (bytes > available) {
    return { ok: false, reason: "truncated", message: "a segment runs past the end of the batch" };
  }
  return { ok: true, bytes };
}

function splitSegments(input: Uint8Array): CheckedSegment[] {
  if (input.byteLength < WORD_BYTES) {
    throw new BoundsError("truncated", `message is ${input.byteLength} bytes; a frame needs 8`);
  }
  if (input.byteLength % WORD_BYTES !== 0) {
    throw new BoundsError("malformed", "message length is not a multiple of 8 bytes");
  }
  const header = new DataView(input.buffer, input.byteOffset, input.byteLength);
  const segmentCount = header.getUint32(0, true) + 1;
  if (segmentCount > MAX_SEGMENTS) {
    throw new BoundsError("malformed", `message claims ${segmentCount} segments`);
  }
  // Segment count, one length per segment, padded to a whole word.
  const headerBytes = Math.ceil((4 + 4 * segmentCount) / WORD_BYTES) * WORD_BYTES;
  if (headerBytes > input.byteLength) {
    throw new BoundsError("truncated", "message ends inside its segment table");
  }
  const segments: CheckedSegment[] = [];
  let offset = headerBytes;
  for (let i = 0; i < segmentCount; i++) {
    const words = header.getUint32(4 + 4 * i, true);
    const end = offset + words * WORD_BYTES;
    if (end > input.byteLength) {
      throw new BoundsError("truncated", `segment ${i} runs past the end of the message`);
    }
    const view = new DataView(input.buffer, input.byteOffset + offset, words * WORD_BYTES);
    segments.push({ id: i, view, words });
    offset = end;
  }
  if (offset !== input.byteLength) {
    throw new BoundsError("malformed", "message has bytes after its last segment");
  }
  if ((segments[0]?.words ?? 0) === 0) {
    throw new BoundsError("truncated", "first segment has no room for the root pointer");
  }
  return segments;
}

/** Bits per element for list element sizes 0-5 (void, bit, byte, 2, 4 and 8 bytes). */
const LIST_ELEMENT_BITS = [0, 1, 8, 16, 32, 64] as const;

class PointerWalker {
  readonly #segments: CheckedSegment[];
  /**
   * Words the walk may still visit. An honest message visits each word at most once, so twice
   * its size (plus slack for tiny frames) refuses only messages whose pointers overlap to amplify.
   * Zero-sized list elements cost one word each, as in the C++ reader.
   */
  #budgetWords: number;

  constructor(segments: CheckedSegment[], inputBytes: number) {
    this.#segments = segments;
    this.#budgetWords = (2 * inputBytes) / WORD_BYTES + 64;
  }

  walkRoot(): void {
    this.#walkPointer(0, 0, MAX_NESTING_DEPTH);
  }

  #spend(words: number): void {
    this.#budgetWords -= Math.max(words, 1);
    if (this.#budgetWords < 0) {
      throw new BoundsError("malformed", "message pointers exceed the read budget for its size");
    }
  }

  #segment(id: number): CheckedSegment {
    const segment = this.#segments[id];
    if (segment === undefined) {
      throw new BoundsError("malformed", `pointer names missing segment ${id}`);
    }
    return segment;
  }

  #checkRange(segment: CheckedSegment, startWord: number, words: number): void {
    if (startWord < 0 || startWord + words > segment.words) {
      throw new BoundsError("malformed", "pointer target lies outside its segment");
    }
  }

  /** Checks the pointer at `word` of segment `segmentId` and everything it reaches. */
  #walkPointer(segmentId: number, word: number, depth: number): void {
    if (depth <= 0) {
      throw new BoundsError("malformed", "message nests deeper than 64 levels");
    }
    const segment = this.#segment(segmentId);
    const lo = segment.view.getUint32(word * WORD_BYTES, true);
    const hi = segment.view.getUint32(word * WORD_BYTES + 4, true);
    if (lo === 0 && hi === 0) return;

    // Resolve far pointers to the tag word and the first word of the content it describes.
    let tagLo = lo;
    let tagHi = hi;
    let contentSegment = segment;
    let contentWord: number;
    if ((lo & 3) === 2) {
      this.#spend(1);
      const padSegment = this.#segment(hi);
      const padWord = lo >>> 3;
      const doubleFar = (lo & 4) !== 0;
      this.#checkRange(padSegment, padWord, doubleFar ? 2 : 1);
      const padLo = padSegment.view.getUint32(padWord * WORD_BYTES, true);
      const padHi = padSegment.view.getUint32(padWord * WORD_BYTES + 4, true);
      if (!doubleFar) {
        if ((padLo & 3) === 2) {
          throw new BoundsError("malformed", "far pointer lands on another far pointer");
        }
        tagLo = padLo;
        tagHi = padHi;
        contentSegment = padSegment;
        contentWord = padWord + 1 + (padLo >> 2);
      } else {
        if ((padLo & 3) !== 2 || (padLo & 4) !== 0) {
          throw new BoundsError("malformed", "double-far landing pad is not a single far pointer");
        }
        tagLo = padSegment.view.getUint32((padWord + 1) * WORD_BYTES, true);
        tagHi = padSegment.view.getUint32((padWord + 1) * WORD_BYTES + 4, true);
        if ((tagLo & 3) === 2) {
          throw new BoundsError("malformed", "double-far tag is a far pointer");
        }
        contentSegment = this.#segment(padHi);
        contentWord = padLo >>> 3;
      }
    } else {
      // Signed 30-bit word offset from the end of the pointer.
      contentWord = word + 1 + (lo >> 2);
    }

    switch (tagLo & 3) {
      case 0:
        this.#walkStruct(contentSegment, contentWord, tagHi, depth);
        return;
      case 1:
        this.#walkList(contentSegment, contentWord, tagHi, depth);
        return;
      default:
        // Capabilities only mean something with capnp-RPC, which Burrow does not use.
        throw new BoundsError("malformed", "message contains a capability pointer");
    }
  }

  #walkStruct(segment: CheckedSegment, start: number, sizeWord: number, depth: number): void {
    const dataWords = sizeWord & 0xffff;
    const pointerCount = sizeWord >>> 16;
    this.#checkRange(segment, start, dataWords + pointerCount);
    this.#spend(dataWords + pointerCount);
    for (let i = 0; i < pointerCount; i++) {
      this.#walkPointer(segment.id, start + dataWords + i, depth - 1);
    }
  }

  #walkList(segment: CheckedSegment, start: number, sizeWord: number, depth: number): void {
    const elementSize = sizeWord & 7;
    const count = sizeWord >>> 3;
    const id = segment.id;
    if (elementSize === 7) {
      // Composite: `count` is the element words; a tag word before them holds the element count.
      this.#checkRange(segment, start, count + 1);
      const tagLo = segment.view.getUint32(start * WORD_BYTES, true);
      const tagHi = segment.view.getUint32(start * WORD_BYTES + 4, true);
      if ((tagLo & 3) !== 0) {
        throw new BoundsError("malformed", "composite list tag is not a struct pointer");
      }
      const elements = tagLo >>> 2;
      const dataWords = tagHi & 0xffff;
      const pointerCount = tagHi >>> 16;
      const elementWords = dataWords + pointerCount;
      if (elements * elementWords > count) {
        throw new BoundsError("malformed", "composite list elements overrun the list");
      }
      this.#spend(Math.max(count, elements) + 1);
      for (let e = 0; e < elements; e++) {
        const first = start + 1 + e * elementWords + dataWords;
        for (let i = 0; i < pointerCount; i++) {
          this.#walkPointer(id, first + i, depth - 1);
        }
      }
      return;
    }
    if (elementSize === 6) {
      this.#checkRange(segment, start, count);
      this.#spend(count);
      for (let i = 0; i < count; i++) {
        this.#walkPointer(id, start + i, depth - 1);
      }
      return;
    }
    const bits = LIST_ELEMENT_BITS[elementSize] ?? 0;
    const words = Math.ceil((count * bits) / 64);
    this.#checkRange(segment, start, words);
    this.#spend(bits === 0 ? count : words);
  }
}
