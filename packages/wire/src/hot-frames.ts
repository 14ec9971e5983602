/**
 * A hand-written codec for the frames every request sends (data, end, windowUpdate, the two heads
 * and WebSocket messages). capnp-es builds a pointer object per field and costs tens of µs per
 * small frame; these functions read and write the same Cap'n Proto bytes with plain DataView
 * arithmetic. The schema stays the definition: the layout constants below are the generated
 * code's offsets, and codec tests check byte-for-byte agreement with capnp-es both ways.
 *
 * Encoding lays objects out in the order capnp-es allocates them, so the bytes are identical.
 * Decoding accepts only the canonical shapes (one segment, near pointers, structs of exactly the
 * schema's size); anything else returns undefined and takes the generic path, which owns every
 * refusal. So for any input, the fast path either agrees with the generic decoder or stays out.
 */
import type { Frame, Header, Target } from "./frame";

const WORD = 8;
const STREAM_HEADER_BYTES = 8;

// Discriminants of Frame's union, in schema order (gen/frame.ts Frame_Which).
const WHICH_REQUEST_HEAD = 0;
const WHICH_RESPONSE_HEAD = 1;
const WHICH_DATA = 2;
const WHICH_END = 3;
const WHICH_WINDOW_UPDATE = 5;
const WHICH_WEB_SOCKET_MESSAGE = 6;

// Struct sizes as (data words, pointers), from the generated `_capnp.size`.
const FRAME_DATA_WORDS = 2;
const FRAME_POINTERS = 1;
const REQUEST_HEAD_POINTERS = 4; // method, url, headers, target; 1 data word (two bits)
const RESPONSE_HEAD_POINTERS = 3; // statusText, headers, body; 1 data word (status, endStream)
const HEADER_POINTERS = 2; // name, value; no data
const TARGET_POINTERS = 2; // address, serverName; 1 data word
const WEB_SOCKET_MESSAGE_POINTERS = 1; // bytes; 1 data word (text bit)

const LIST_BYTE = 2;
const LIST_COMPOSITE = 7;

const CERT_VERIFICATION_TO_WIRE = { full: 0, ca: 1, none: 2 } as const;
const CERT_VERIFICATION_FROM_WIRE = ["full", "ca", "none"] as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// ---------------------------------------------------------------------------------------------
// Encoding

/** Whether {@link encodeHotFrame} handles this kind; the rest go through capnp-es. */
export function isHotKind(kind: Frame["kind"]): boolean {
  return (
    kind === "data" ||
    kind === "end" ||
    kind === "windowUpdate" ||
    kind === "requestHead" ||
    kind === "responseHead" ||
    kind === "webSocketMessage"
  );
}

/**
 * Writes a hot frame (already validated, `segmentBytes` its exact segment size) into one buffer:
 * stream header, root pointer, Frame struct, then each object in capnp-es allocation order.
 */
export function encodeHotFrame(frame: Frame, segmentBytes: number): Uint8Array {
  const out = new Uint8Array(STREAM_HEADER_BYTES + WORD + segmentBytes);
  const view = new DataView(out.buffer);
  const writer = new Writer(out, view);
  // Stream header: one segment (count − 1 = 0), its length in words.
  view.setUint32(4, (WORD + segmentBytes) / WORD, true);
  // Root pointer at segment word 0: struct right behind it.
  writer.structPointer(8, 16, FRAME_DATA_WORDS, FRAME_POINTERS);
  const root = writer.allocate((FRAME_DATA_WORDS + FRAME_POINTERS) * WORD);
  const rootPointer = root + FRAME_DATA_WORDS * WORD;
  view.setUint32(root, frame.streamId, true);
  switch (frame.kind) {
    case "data":
      view.setUint16(root + 4, WHICH_DATA, true);
      writer.bytes(rootPointer, frame.bytes);
      break;
    case "end":
      view.setUint16(root + 4, WHICH_END, true);
      break;
    case "windowUpdate":
      view.setUint16(root + 4, WHICH_WINDOW_UPDATE, true);
      view.setUint32(root + 8, frame.bytes, true);
      break;
    case "webSocketMessage": {
      view.setUint16(root + 4, WHICH_WEB_SOCKET_MESSAGE, true);
      const message = writer.struct(rootPointer, 1, WEB_SOCKET_MESSAGE_POINTERS);
      if (frame.text) out[message] = 1;
      writer.bytes(message + WORD, frame.bytes);
      break;
    }
    case "responseHead": {
      view.setUint16(root + 4, WHICH_RESPONSE_HEAD, true);
      const head = writer.struct(rootPointer, 1, RESPONSE_HEAD_POINTERS);
      view.setUint16(head, frame.status, true);
      writer.text(head + WORD, frame.statusText);
      writer.headers(head + 2 * WORD, frame.headers);
      // capnp-es leaves an empty body as a null pointer (codec.ts only inits it when non-empty).
      if (frame.body.byteLength > 0) writer.bytes(head + 3 * WORD, frame.body);
      if (frame.endStream) out[head + 2] = 1;
      break;
    }
    case "requestHead": {
      view.setUint16(root + 4, WHICH_REQUEST_HEAD, true);
      const head = writer.struct(rootPointer, 1, REQUEST_HEAD_POINTERS);
      writer.text(head + WORD, frame.method);
      writer.text(head + 2 * WORD, frame.url);
      writer.headers(head + 3 * WORD, frame.headers);
      out[head] = (frame.websocket ? 1 : 0) | (frame.hasBody ? 2 : 0);
      if (frame.target !== null) writer.target(head + 4 * WORD, frame.target);
      break;
    }
    default:
      throw new TypeError(`${frame.kind} is not a hot frame`);
  }
  if (writer.end !== out.byteLength) {
    // A sizing bug, never input-dependent: fail loudly rather than send a corrupt frame.
    throw new Error(`hot ${frame.kind} frame used ${writer.end} of ${out.byteLength} bytes`);
  }
  return out;
}

/**
 * A data frame of `chunks` joined (`payloadBytes` in all, `segmentBytes` its segment size), laid
 * out as {@link encodeHotFrame} lays out `{ kind: "data" }`: each chunk is copied into place.
 */
export function encodeHotDataFrame(
  streamId: number,
  chunks: readonly Uint8Array[],
  payloadBytes: number,
  segmentBytes: number,
): Uint8Array {
  const out = new Uint8Array(STREAM_HEADER_BYTES + WORD + segmentBytes);
  writeHotDataFrame(out, streamId, chunks, payloadBytes);
  return out;
}

/**
 * Writes the data frame into `out` (exactly its size, possibly holding old bytes): every byte the
 * frame does not set (reserved header bits, padding) is zeroed, so a reused buffer encodes the
 * same bytes as a fresh one.
 */
export function writeHotDataFrame(
  out: Uint8Array,
  streamId: number,
  chunks: readonly Uint8Array[],
  payloadBytes: number,
): void {
  let at = writeHotDataFrameHeader(out, streamId, payloadBytes, out.byteLength);
  out.fill(0, at + payloadBytes);
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  if (DATA_FRAME_HEADER_BYTES + ((payloadBytes + 7) & ~7) !== out.byteLength) {
    throw new Error(`hot data frame of ${payloadBytes} bytes given ${out.byteLength}`);
  }
}

/** A data frame's bytes before its payload, whatever the payload's size. */
export const DATA_FRAME_HEADER_BYTES =
  STREAM_HEADER_BYTES + WORD + (FRAME_DATA_WORDS + FRAME_POINTERS) * WORD;

/**
 * Writes the first DATA_FRAME_HEADER_BYTES of a data frame carrying `payloadBytes` (`totalBytes`
 * with its padding) into `out`, zeroing what the header does not set; returns where the payload
 * starts.
 */
export function writeHotDataFrameHeader(
  out: Uint8Array,
  streamId: number,
  payloadBytes: number,
  totalBytes: number,
): number {
  out.fill(0, 0, DATA_FRAME_HEADER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, DATA_FRAME_HEADER_BYTES);
  const writer = new Writer(out, view);
  view.setUint32(4, (totalBytes - STREAM_HEADER_BYTES) / WORD, true);
  writer.structPointer(8, 16, FRAME_DATA_WORDS, FRAME_POINTERS);
  const root = writer.allocate((FRAME_DATA_WORDS + FRAME_POINTERS) * WORD);
  view.setUint32(root, streamId, true);
  view.setUint16(root + 4, WHICH_DATA, true);
  const at = writer.allocate(payloadBytes);
  writer.listPointer(root + FRAME_DATA_WORDS * WORD, at, LIST_BYTE, payloadBytes);
  return at;
}

/** A `data` frame's stream and payload length, read from its first DATA_FRAME_HEADER_BYTES. */
export interface DataFrameHeader {
  streamId: number;
  payloadBytes: number;
}

/**
 * Reads the header of a `data` frame that is `frameBytes` long in all from its first
 * DATA_FRAME_HEADER_BYTES (`prefix`), for a receiver that takes the payload apart from the header
 * as it arrives. Only the exact layout {@link writeHotDataFrameHeader} writes is accepted: one
 * segment as long as the frame, the root struct right behind its pointer, the byte list right
 * behind the root, and a payload that with its 0–7 bytes of padding ends where the frame ends.
 * For such a frame, `decodeFrame` returns `{ kind: "data", streamId, bytes }` with `bytes` the
 * `payloadBytes` after the header, whatever the padding holds (decodeHotFrame reads no more);
 * anything else returns undefined and must be decoded whole.
 */
export function readDataFrameHeader(
  prefix: Uint8Array,
  frameBytes: number,
): DataFrameHeader | undefined {
  if (prefix.byteLength < DATA_FRAME_HEADER_BYTES || frameBytes < DATA_FRAME_HEADER_BYTES) {
    return undefined;
  }
  if (frameBytes % WORD !== 0) return undefined;
  const view = new DataView(prefix.buffer, prefix.byteOffset, DATA_FRAME_HEADER_BYTES);
  if (view.getUint32(0, true) !== 0) return undefined; // more than one segment
  if (view.getUint32(4, true) * WORD + STREAM_HEADER_BYTES !== frameBytes) return undefined;
  // Root pointer: offset 0, (FRAME_DATA_WORDS, FRAME_POINTERS).
  const root = STREAM_HEADER_BYTES + WORD;
  if (view.getUint32(STREAM_HEADER_BYTES, true) !== 0) return undefined;
  if (
    view.getUint32(STREAM_HEADER_BYTES + 4, true) !==
    ((FRAME_POINTERS << 16) | FRAME_DATA_WORDS)
  ) {
    return undefined;
  }
  if (view.getUint16(root + 4, true) !== WHICH_DATA) return undefined;
  // The byte list: offset 0 (it starts at DATA_FRAME_HEADER_BYTES), element size LIST_BYTE.
  const pointer = root + FRAME_DATA_WORDS * WORD;
  if (view.getUint32(pointer, true) !== 1) return undefined;
  const hi = view.getUint32(pointer + 4, true);
  if ((hi & 7) !== LIST_BYTE) return undefined;
  const payloadBytes = hi >>> 3;
  if (DATA_FRAME_HEADER_BYTES + ((payloadBytes + 7) & ~7) !== frameBytes) return undefined;
  return { streamId: view.getUint32(root, true), payloadBytes };
}

class Writer {
  /** Next free byte of `out`: objects are appended in order, as capnp-es's allocator does. */
  end = STREAM_HEADER_BYTES + WORD;
  readonly #out: Uint8Array;
  readonly #view: DataView;

  constructor(out: Uint8Array, view: DataView) {
    this.#out = out;
    this.#view = view;
  }

  allocate(bytes: number): number {
    const at = this.end;
    this.end += (bytes + 7) & ~7;
    return at;
  }

  /** A near struct pointer at byte `pointer` to the struct at byte `target`. */
  structPointer(pointer: number, target: number, dataWords: number, pointers: number): void {
    this.#view.setUint32(pointer, ((target - pointer - WORD) / WORD) << 2, true);
    this.#view.setUint16(pointer + 4, dataWords, true);
    this.#view.setUint16(pointer + 6, pointers, true);
  }

  listPointer(pointer: number, target: number, elementSize: number, count: number): void {
    this.#view.setUint32(pointer, (((target - pointer - WORD) / WORD) << 2) | 1, true);
    this.#view.setUint32(pointer + 4, ((count << 3) | elementSize) >>> 0, true);
  }

  struct(pointer: number, dataWords: number, pointers: number): number {
    const at = this.allocate((dataWords + pointers) * WORD);
    this.structPointer(pointer, at, dataWords, pointers);
    return at;
  }

  bytes(pointer: number, bytes: Uint8Array): void {
    const at = this.allocate(bytes.byteLength);
    this.listPointer(pointer, at, LIST_BYTE, bytes.byteLength);
    this.#out.set(bytes, at);
  }

  /** UTF-8 and a NUL; empty text stays a null pointer, as codec.ts's setText leaves it. */
  text(pointer: number, value: string): void {
    if (value === "") return;
    const at = this.end;
    let length = 0;
    // ASCII is nearly every header byte; encodeInto's call overhead dominates strings this short.
    for (; length < value.length; length++) {
      const code = value.charCodeAt(length);
      if (code >= 0x80) break;
      this.#out[at + length] = code;
    }
    if (length < value.length) {
      length += encoder.encodeInto(value.slice(length), this.#out.subarray(at + length)).written;
    }
    this.allocate(length + 1);
    this.listPointer(pointer, at, LIST_BYTE, length + 1);
  }

  headers(pointer: number, headers: readonly Header[]): void {
    if (headers.length === 0) return;
    const tag = this.allocate(WORD + headers.length * HEADER_POINTERS * WORD);
    this.listPointer(pointer, tag, LIST_COMPOSITE, headers.length * HEADER_POINTERS);
    // The composite tag: element count in the offset field, then the element struct size.
    this.#view.setUint32(tag, headers.length << 2, true);
    this.#view.setUint16(tag + 6, HEADER_POINTERS, true);
    for (let i = 0; i < headers.length; i++) {
      const [name, value] = headers[i]!;
      const element = tag + WORD + i * HEADER_POINTERS * WORD;
      this.text(element, name);
      this.text(element + WORD, value);
    }
  }

  target(pointer: number, target: Target): void {
    const at = this.struct(pointer, 1, TARGET_POINTERS);
    this.text(at + WORD, target.address);
    this.#view.setUint16(at, target.port, true);
    // Bits 16 and 17: tls, verifyCertificate (kept meaningful for old connectors; see schema).
    this.#out[at + 2] = (target.tls ? 1 : 0) | (target.certVerification !== "none" ? 2 : 0);
    this.text(at + 2 * WORD, target.serverName);
    this.#view.setUint16(at + 4, CERT_VERIFICATION_TO_WIRE[target.certVerification], true);
  }
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Thrown inside the reader to leave the fast path; never escapes {@link decodeHotFrame}. */
const NOT_CANONICAL = Symbol("not canonical");

/**
 * Reads a hot frame in its canonical shape, or returns undefined so the generic decoder handles
 * the input (including every refusal). Values are not validated here: the caller applies the same
 * rules as for any decoded frame. Payload bytes are copies, never views into `input`, unless
 * `viewPayload` is set (see DecodeOptions.viewPayload).
 */
export function decodeHotFrame(input: Uint8Array, viewPayload = false): Frame | undefined {
  const length = input.byteLength;
  if (length < STREAM_HEADER_BYTES + 4 * WORD || length % WORD !== 0) return undefined;
  const view = new DataView(input.buffer, input.byteOffset, length);
  if (view.getUint32(0, true) !== 0) return undefined; // more than one segment
  if (view.getUint32(4, true) * WORD + STREAM_HEADER_BYTES !== length) return undefined;
  try {
    return new Reader(input, view, viewPayload).frame();
  } catch (error) {
    if (error === NOT_CANONICAL) return undefined;
    throw error;
  }
}

class Reader {
  readonly #input: Uint8Array;
  readonly #view: DataView;
  /**
   * The words the generic path's pointer walk (message-bounds.ts) may visit: twice the input plus
   * slack. The fast path counts the same way and steps aside when over it, so overlapping
   * pointers that amplify a small input are refused by the generic path as before.
   */
  #budgetWords: number;

  readonly #viewPayload: boolean;

  constructor(input: Uint8Array, view: DataView, viewPayload: boolean) {
    this.#input = input;
    this.#view = view;
    this.#viewPayload = viewPayload;
    this.#budgetWords = (2 * input.byteLength) / WORD + 64;
  }

  frame(): Frame | undefined {
    const root = this.#struct(STREAM_HEADER_BYTES, FRAME_DATA_WORDS, FRAME_POINTERS);
    if (root === undefined) return undefined;
    const view = this.#view;
    const streamId = view.getUint32(root, true);
    const which = view.getUint16(root + 4, true);
    const pointer = root + FRAME_DATA_WORDS * WORD;
    switch (which) {
      case WHICH_DATA:
        return { kind: "data", streamId, bytes: this.#bytes(pointer) };
      case WHICH_END:
        // The generic path walks the union's pointer slot whatever the member; keep it simple.
        if (!this.#isNull(pointer)) return undefined;
        return { kind: "end", streamId };
      case WHICH_WINDOW_UPDATE:
        if (!this.#isNull(pointer)) return undefined;
        return { kind: "windowUpdate", streamId, bytes: view.getUint32(root + 8, true) };
      case WHICH_WEB_SOCKET_MESSAGE: {
        const message = this.#struct(pointer, 1, WEB_SOCKET_MESSAGE_POINTERS);
        if (message === undefined) return undefined; // generic path: "has no body"
        const text = (this.#input[message]! & 1) !== 0;
        return { kind: "webSocketMessage", streamId, text, bytes: this.#bytes(message + WORD) };
      }
      case WHICH_RESPONSE_HEAD: {
        const head = this.#struct(pointer, 1, RESPONSE_HEAD_POINTERS);
        if (head === undefined) return undefined;
        return this.#withinBudget({
          kind: "responseHead",
          streamId,
          status: view.getUint16(head, true),
          statusText: this.#text(head + WORD),
          headers: this.#headers(head + 2 * WORD),
          body: this.#bytes(head + 3 * WORD),
          endStream: (this.#input[head + 2]! & 1) !== 0,
        });
      }
      case WHICH_REQUEST_HEAD: {
        const head = this.#struct(pointer, 1, REQUEST_HEAD_POINTERS);
        if (head === undefined) return undefined;
        const bits = this.#input[head]!;
        return this.#withinBudget({
          kind: "requestHead",
          streamId,
          method: this.#text(head + WORD),
          url: this.#text(head + 2 * WORD),
          headers: this.#headers(head + 3 * WORD),
          websocket: (bits & 1) !== 0,
          hasBody: (bits & 2) !== 0,
          target: this.#target(head + 4 * WORD),
        });
      }
      default:
        return undefined;
    }
  }

  #withinBudget(frame: Frame): Frame {
    if (this.#budgetWords < 0) throw NOT_CANONICAL;
    return frame;
  }

  #spend(words: number): void {
    this.#budgetWords -= Math.max(words, 1);
  }

  #isNull(pointer: number): boolean {
    return (
      this.#view.getUint32(pointer, true) === 0 && this.#view.getUint32(pointer + 4, true) === 0
    );
  }

  /**
   * Follows a near struct pointer of exactly the schema's size; undefined when null. Byte offsets
   * are into `input`; the segment spans from STREAM_HEADER_BYTES to the end.
   */
  #struct(pointer: number, dataWords: number, pointers: number): number | undefined {
    const view = this.#view;
    const lo = view.getUint32(pointer, true);
    const hi = view.getUint32(pointer + 4, true);
    if (lo === 0 && hi === 0) return undefined;
    if ((lo & 3) !== 0 || hi !== ((pointers << 16) | dataWords) >>> 0) throw NOT_CANONICAL;
    const words = dataWords + pointers;
    const target = pointer + WORD + (lo >> 2) * WORD;
    this.#inSegment(target, words * WORD);
    this.#spend(words);
    return target;
  }

  #inSegment(start: number, bytes: number): void {
    if (start < STREAM_HEADER_BYTES || start + bytes > this.#input.byteLength) throw NOT_CANONICAL;
  }

  /** A byte list's start and length, or undefined when the pointer is null. */
  #byteList(pointer: number): { start: number; count: number } | undefined {
    const view = this.#view;
    const lo = view.getUint32(pointer, true);
    const hi = view.getUint32(pointer + 4, true);
    if (lo === 0 && hi === 0) return undefined;
    if ((lo & 3) !== 1 || (hi & 7) !== LIST_BYTE) throw NOT_CANONICAL;
    const count = hi >>> 3;
    const start = pointer + WORD + (lo >> 2) * WORD;
    const words = Math.ceil(count / WORD);
    this.#inSegment(start, words * WORD);
    this.#spend(words);
    return { start, count };
  }

  #bytes(pointer: number): Uint8Array {
    const list = this.#byteList(pointer);
    if (list === undefined) return new Uint8Array(0);
    const end = list.start + list.count;
    return this.#viewPayload
      ? this.#input.subarray(list.start, end)
      : this.#input.slice(list.start, end);
  }

  /** Text as capnp-es reads it: every byte but the last (the NUL), through a default TextDecoder. */
  #text(pointer: number): string {
    const list = this.#byteList(pointer);
    if (list === undefined) return "";
    if (list.count === 0) throw NOT_CANONICAL; // capnp-es throws on a text without its NUL
    const input = this.#input;
    const end = list.start + list.count - 1;
    let ascii = "";
    for (let i = list.start; i < end; i++) {
      const byte = input[i]!;
      // Anything beyond ASCII (and a BOM, which TextDecoder drops) goes through the decoder.
      if (byte >= 0x80) return decoder.decode(input.subarray(list.start, end));
      ascii += String.fromCharCode(byte);
    }
    return ascii;
  }

  #headers(pointer: number): Header[] {
    const view = this.#view;
    const lo = view.getUint32(pointer, true);
    const hi = view.getUint32(pointer + 4, true);
    if (lo === 0 && hi === 0) return [];
    if ((lo & 3) !== 1 || (hi & 7) !== LIST_COMPOSITE) throw NOT_CANONICAL;
    const wordCount = hi >>> 3;
    const tag = pointer + WORD + (lo >> 2) * WORD;
    this.#inSegment(tag, WORD + wordCount * WORD);
    const tagLo = view.getUint32(tag, true);
    const tagHi = view.getUint32(tag + 4, true);
    if ((tagLo & 3) !== 0 || tagHi !== HEADER_POINTERS << 16) throw NOT_CANONICAL;
    const count = tagLo >>> 2;
    if (count * HEADER_POINTERS !== wordCount) throw NOT_CANONICAL;
    this.#spend(Math.max(wordCount, count) + 1);
    // Refuse before decoding text for a list the budget already rules out.
    if (this.#budgetWords < 0) throw NOT_CANONICAL;
    const headers: Header[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const element = tag + WORD + i * HEADER_POINTERS * WORD;
      headers[i] = [this.#text(element), this.#text(element + WORD)];
    }
    return headers;
  }

  #target(pointer: number): Target | null {
    const target = this.#struct(pointer, 1, TARGET_POINTERS);
    if (target === undefined) return null;
    const view = this.#view;
    const bits = this.#input[target + 2]!;
    const verifyCertificate = (bits & 2) !== 0;
    const mode = CERT_VERIFICATION_FROM_WIRE[view.getUint16(target + 4, true)];
    // Contradictory or unknown modes are refused by the generic path, with its message.
    if (mode === undefined) throw NOT_CANONICAL;
    if (verifyCertificate ? mode === "none" : mode === "ca") throw NOT_CANONICAL;
    return {
      address: this.#text(target + WORD),
      port: view.getUint16(target, true),
      tls: (bits & 1) !== 0,
      serverName: this.#text(target + 2 * WORD),
      certVerification: verifyCertificate ? mode : "none",
    };
  }
}
