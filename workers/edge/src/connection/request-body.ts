import { MAX_DATA_CHUNK_BYTES, ResetCode } from "@burrow/wire";

/** How long an upload may sit idle with coalesced bytes pending before they are sent anyway. */
const UPLOAD_FLUSH_IDLE_MS = 2;
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
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
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
      const { done, value } = await reader.read();
      if (done) controller.close();
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
 * Streams `body` into `sink`, then ends it. workerd hands request bodies over in ~4 KiB reads and
 * every frame has a fixed cost, so reads are coalesced up to MAX_DATA_CHUNK_BYTES; whatever is
 * pending goes out as soon as the sender pauses for a moment, so a slow upload is not held back.
 */
export async function pumpRequestBody(
  sink: BodySink,
  body: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<void> {
  const reader = body.getReader();
  const pending = new ChunkBuffer();
  let total = 0;
  try {
    let next = reader.read();
    for (;;) {
      let result = pending.bytes > 0 ? await settledWithin(next, UPLOAD_FLUSH_IDLE_MS) : await next;
      if (result === null) {
        if (!(await sink.sendData(pending.take()))) return;
        result = await next;
      }
      if (result.done) break;
      next = reader.read();
      total += result.value.byteLength;
      if (total > maxBytes) {
        sink.reset(ResetCode.tooLarge, "request body too large");
        return;
      }
      pending.push(result.value);
      if (pending.bytes >= MAX_DATA_CHUNK_BYTES && !(await sink.sendData(pending.take()))) return;
    }
    if (pending.bytes > 0 && !(await sink.sendData(pending.take()))) return;
    sink.endData();
  } catch {
    // The visitor went away mid-upload: tell the connector so the origin sees an aborted body.
    sink.reset(ResetCode.cancelled, "visitor aborted the request body");
  } finally {
    reader.releaseLock();
  }
}

/** Small reads gathered into one frame-sized piece. */
class ChunkBuffer {
  #chunks: Uint8Array[] = [];
  bytes = 0;

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.bytes += chunk.byteLength;
  }

  /** Everything gathered, as one array (no copy when there is a single chunk). */
  take(): Uint8Array {
    const chunks = this.#chunks;
    const joined = chunks.length === 1 ? chunks[0]! : new Uint8Array(this.bytes);
    if (chunks.length > 1) {
      let offset = 0;
      for (const chunk of chunks) {
        joined.set(chunk, offset);
        offset += chunk.byteLength;
      }
    }
    this.#chunks = [];
    this.bytes = 0;
    return joined;
  }
}

/** `promise`'s value if it settles within `ms`, else null (the promise keeps running). */
async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const idle = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, idle]);
  } finally {
    clearTimeout(timer);
  }
}
