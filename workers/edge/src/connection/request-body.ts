import {
  DATA_FRAME_PAYLOAD_OFFSET,
  dataFrameBytes,
  encodeDataFrameAround,
  MAX_DATA_CHUNK_BYTES,
  ResetCode,
} from "@burrow/wire";

/**
 * A VPC request body up to this size is held so the request can be replayed on the next address
 * when the first one refuses the connection; a larger body streams to the first address only.
 */
const MAX_REPLAY_BODY_BYTES = 1024 * 1024;

/** A request body as the proxy sends it, once or (when `replayable`) on every attempt. */
export interface RequestBody {
  present: boolean;
  /** Whether another attempt may send it again. */
  replayable: boolean;
  /** The bytes for one attempt. */
  stream(): ReadableStream<Uint8Array>;
}

/** No body: every attempt may be replayed as far as the body goes. */
export const NO_BODY: RequestBody = {
  present: false,
  replayable: true,
  stream: () => new ReadableStream(),
};

/** A body streamed once, as it arrives (public traffic: nothing is held in the DO). */
export function streamedBody(body: ReadableStream<Uint8Array>): RequestBody {
  return { present: true, replayable: false, stream: () => body };
}

/** Holds a small body in memory so a refused connection can be retried on the next address. */
export async function heldBody(body: ReadableStream<Uint8Array> | null): Promise<RequestBody> {
  if (!body) return NO_BODY;
  const reader = new ChunkReader(body);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const value = await reader.read();
    if (value === null) {
      return {
        present: true,
        replayable: true,
        stream: () =>
          new ReadableStream({
            start(controller) {
              for (const chunk of chunks) controller.enqueue(chunk);
              controller.close();
            },
          }),
      };
    }
    chunks.push(value);
    size += value.byteLength;
    if (size > MAX_REPLAY_BODY_BYTES) break;
  }
  // Too large to hold: the prefix read so far, then the rest, once.
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
    },
    async pull(controller) {
      const value = await reader.read();
      if (value === null) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return { present: true, replayable: false, stream: () => rest };
}

/** Where an upload goes: a stream's data frames within its window (http-stream.ts). */
export interface BodySink {
  /** Sends `bytes` as data frames within the window; false once the stream is gone. */
  sendData(bytes: Uint8Array): Promise<boolean>;
  /** Ends the upload (`end` frame), unless the stream is already done. */
  endData(): void;
  reset(code: ResetCode, message: string): void;
}

/**
 * Streams `body` into `sink`, then ends it: each read is what has arrived, up to one data frame,
 * so a fast upload goes out in full frames and a slow one is never held back.
 */
export async function pumpRequestBody(
  sink: BodySink,
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<void> {
  const reader = new ChunkReader(body);
  let total = 0;
  try {
    // One read ahead, so the next piece arrives while this one waits for window.
    let next = reader.read();
    for (;;) {
      const chunk = await next;
      if (chunk === null) break;
      total += chunk.byteLength;
      if (total > maxBytes) {
        sink.reset(ResetCode.tooLarge, "request body too large");
        return;
      }
      next = reader.read();
      if (!(await sink.sendData(chunk))) return;
    }
    sink.endData();
  } catch {
    // The visitor went away mid-upload: tell the connector so the origin sees an aborted body.
    sink.reset(ResetCode.cancelled, "visitor aborted the request body");
  } finally {
    reader.release();
  }
}

/**
 * The buffers {@link ChunkReader} read pieces into: each has room for a data frame's header
 * before its piece and the padding after it, so the piece is framed where it lies
 * ({@link frameInPlace}). Only these: any other piece's buffer may hold someone else's bytes
 * around it (a consumer Worker's body stream, for a VPC call).
 */
const frameBuffers = new WeakSet<ArrayBufferLike>();

/**
 * A piece this module read, framed where it lies as a `data` frame of `streamId` (a view of its
 * buffer, header and padding written around the piece, the piece untouched); null for any other
 * piece, which is encoded into a frame of its own. Encoding a frame copies the payload into a
 * fresh, zero-filled buffer: per MiB uploaded, another MiB allocated and zeroed and a MiB copied
 * in workerd, on top of the read's own (perf of the edge's workerd while uploading: memset ≈ 10 %
 * and memmove ≈ 3 % of its CPU).
 */
export function frameInPlace(piece: Uint8Array, streamId: number): Uint8Array | null {
  if (
    piece.byteOffset !== DATA_FRAME_PAYLOAD_OFFSET ||
    piece.byteLength > MAX_DATA_CHUNK_BYTES ||
    !frameBuffers.has(piece.buffer)
  ) {
    return null;
  }
  return encodeDataFrameAround(new Uint8Array(piece.buffer), streamId, piece.byteLength);
}

/** The smallest room a BYOB read gets: a socket read's worth. */
const MIN_READ_BYTES = 64 * 1024;

/**
 * Room for the next read after one of `room` bytes returned `read`: twice what arrived (so a
 * steady upload's reads fit), doubling while reads fill their room, up to a data frame.
 *
 * A read returns what has arrived, and a curl upload's reads here average 90–107 KiB; with room
 * for a whole frame every time, workerd zero-filled ≈ 5 MiB of fresh buffers per MiB uploaded
 * (perf of workerd: the `Uint8Array` constructor ≈ 14 % of its samples, memset ≈ 8.5 %).
 */
export function nextReadBytes(room: number, read: number): number {
  const wanted = read >= room ? 2 * room : 2 * read;
  return Math.min(MAX_DATA_CHUNK_BYTES, Math.max(MIN_READ_BYTES, wanted));
}

/**
 * Reads a body in pieces of up to one data frame. workerd's default reader hands a request body
 * over in 4 KiB reads (2,049 reads for 8 MiB, where a BYOB reader into a 64 KiB view needs 129,
 * five times faster); every read and every frame has a fixed cost. A stream that is not a byte
 * stream (a held body replayed from memory) is read as it is: its chunks are already large.
 */
class ChunkReader {
  readonly #byob: ReadableStreamBYOBReader | null;
  readonly #plain: ReadableStreamDefaultReader<Uint8Array> | null;
  /** Room for the next BYOB read (see nextReadBytes). */
  #readBytes = MIN_READ_BYTES;

  constructor(body: ReadableStream<Uint8Array>) {
    let byob: ReadableStreamBYOBReader | null = null;
    try {
      byob = body.getReader({ mode: "byob" });
    } catch {
      // Not a byte stream: read it chunk by chunk.
    }
    this.#byob = byob;
    this.#plain = byob ? null : body.getReader();
  }

  /** The next piece, or null at the end. */
  async read(): Promise<Uint8Array | null> {
    if (this.#byob) {
      // A fresh buffer each time: the piece read may still be on its way when the next read
      // starts (a WebSocket's send() keeps a view of the bytes it queues, not a copy), and BYOB
      // reads take their buffer away. It has room to be framed in place.
      const room = this.#readBytes;
      const buffer = new Uint8Array(dataFrameBytes(room));
      const view = buffer.subarray(DATA_FRAME_PAYLOAD_OFFSET, DATA_FRAME_PAYLOAD_OFFSET + room);
      const { done, value } = await this.#byob.read(view);
      if (done || !value) return null;
      this.#readBytes = nextReadBytes(room, value.byteLength);
      frameBuffers.add(value.buffer);
      return value;
    }
    const { done, value } = await this.#plain!.read();
    return done ? null : value;
  }

  cancel(reason: unknown): Promise<void> {
    return (this.#byob ?? this.#plain)!.cancel(reason);
  }

  release(): void {
    (this.#byob ?? this.#plain)!.releaseLock();
  }
}
