import type http from "node:http";
import { type Header, MAX_DATA_CHUNK_BYTES, type SendWindow } from "@burrow/wire";
import type { OriginHttp1Response } from "./origin-http1/origin-request";

/** An origin's response: node:https's for TLS origins, origin-http1's for plain HTTP. */
export type OriginResponse = http.IncomingMessage | OriginHttp1Response;

/** Where a relayed response goes: the stream's frames towards the edge. */
export interface ResponseSink {
  /** The response head, with `body` carried along (empty for none) and whether it ends here. */
  head(status: number, statusText: string, headers: Header[], body: Uint8Array, end: boolean): void;
  /**
   * One `data` frame made of `chunks` joined (`byteLength` in all), within the window. The chunks
   * are handed over: the sender may mask them in place (data-frame-sender.ts).
   */
  data(chunks: Uint8Array[], byteLength: number): void;
  /** The body is complete: an `end` frame (not called when the head already ended it). */
  end(): void;
  /** The origin's answer broke off before its end: the stream must be reset. */
  aborted(): void;
}

/**
 * Relays one origin response to the edge with as few WebSocket messages as the bytes allow:
 *
 * - a bodiless answer, or one whose declared length fits one chunk, goes out whole in its head
 *   (one message instead of head, data and end);
 * - otherwise the head waits for the end of the event-loop turn in which it arrived and takes the
 *   body bytes read in that turn along; after it, the chunks read in one turn (libuv reads a ready
 *   socket up to 32 times per turn) leave as one `data` frame of up to MAX_DATA_CHUNK_BYTES. A
 *   turn's bytes leave at the end of that turn (setImmediate), so an event stream's event is not
 *   held back waiting for more;
 * - except while the edge's window has less credit than one full frame: then the edge still holds
 *   at least the rest of the window (half of a 1 MiB one) unacknowledged, queued for or draining
 *   to the visitor, so a partial frame gains nothing by leaving now. It waits to be filled by the next
 *   reads, and leaves as soon as the edge's credit reaches a full frame (or the body ends). A
 *   download the edge drains slower than the origin sends, where reads arrive a few per turn,
 *   then goes out in full frames instead of one frame per turn (a quarter to half of them
 *   smaller). Nothing is held by a timer: what waits, waits for the edge.
 *
 * Listeners replace `for await`: the async iterator costs promises and ticks per chunk. Flow
 * control is unchanged: a frame leaves only with the edge's credit, and while it waits for credit
 * the origin's response is paused, so at most one frame's worth plus one read is held here.
 */
export class ResponseRelay {
  readonly #response: OriginResponse;
  readonly #window: SendWindow;
  readonly #sink: ResponseSink;
  readonly #head: { status: number; statusText: string; headers: Header[] };
  /** Until the head has left. */
  #headPending = true;
  /** Whole-body mode: the head waits for the complete (small, declared) body. */
  readonly #whole: boolean;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #turnScheduled = false;
  /** Waiting for the edge's credit; the response is paused meanwhile. */
  #waiting = false;
  /** A partial frame waits for more bytes or for credit (see the class comment); not paused. */
  #holding = false;
  #ended = false;
  #done = false;

  constructor(
    response: OriginResponse,
    options: { bodyless: boolean; window: SendWindow; sink: ResponseSink },
  ) {
    this.#response = response;
    this.#window = options.window;
    this.#sink = options.sink;
    this.#head = {
      status: response.statusCode ?? 502,
      statusText: response.statusMessage ?? "",
      headers: pairs(response.rawHeaders),
    };
    const declared = Number(response.headers["content-length"] ?? Number.NaN);
    this.#whole =
      options.bodyless || (Number.isInteger(declared) && declared <= MAX_DATA_CHUNK_BYTES);
  }

  start(): void {
    const response = this.#response;
    response.on("data", this.#onData);
    response.on("end", this.#onEnd);
    // A socket closed mid-body ends the message with "aborted" and 'close', never 'end'.
    response.on("close", this.#onClose);
    response.on("error", () => {});
    // The head leaves at the end of this turn even if no byte of body comes with it.
    if (!this.#whole) this.#scheduleTurnEnd();
  }

  /** The edge granted credit: a frame held for it leaves once a full one would fit. */
  credited(): void {
    if (this.#holding && !this.#waiting && !this.#done) {
      if (this.#window.credit >= MAX_DATA_CHUNK_BYTES) this.#flush();
    }
  }

  /** Stops relaying (the stream is over); a pending credit wait resolves false on its own. */
  stop(): void {
    this.#done = true;
    this.#pending = [];
    this.#pendingBytes = 0;
  }

  #onData = (chunk: Uint8Array): void => {
    if (this.#done) return;
    const relaying = !this.#whole && !this.#waiting;
    // Chunks are joined, not cut, to fill a frame: what is held leaves before a chunk that would
    // not fit with it, so no frame ends up smaller than the reads it carries. (A partial frame
    // held for credit stays, and the frame it fills is cut from the chunk: a view, not a copy.)
    const over =
      this.#pendingBytes > 0 && this.#pendingBytes + chunk.byteLength > MAX_DATA_CHUNK_BYTES;
    if (relaying && over) this.#flush();
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.byteLength;
    if (this.#whole || this.#waiting) return;
    // A full frame leaves at once (with the head, if that is still here), so what is held never
    // grows past one frame while libuv keeps reading within this turn.
    if (this.#pendingBytes >= MAX_DATA_CHUNK_BYTES) this.#flush(true);
    if (this.#pendingBytes > 0 || this.#headPending) this.#scheduleTurnEnd();
  };

  #onEnd = (): void => {
    if (this.#done) return;
    if (!this.#response.complete) {
      this.#abort();
      return;
    }
    this.#ended = true;
    if (this.#whole) {
      this.#done = true;
      const body = join(this.#pending, this.#pendingBytes);
      this.#pending = [];
      const { status, statusText, headers } = this.#head;
      this.#sink.head(status, statusText, headers, body, true);
      return;
    }
    if (!this.#waiting) this.#flush();
  };

  #onClose = (): void => {
    if (!this.#done && !this.#ended) this.#abort();
  };

  #abort(): void {
    this.stop();
    this.#sink.aborted();
  }

  #scheduleTurnEnd(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(this.#onTurnEnd);
  }

  #onTurnEnd = (): void => {
    this.#turnScheduled = false;
    if (!this.#done && !this.#waiting) this.#flush();
  };

  /**
   * Sends what is pending, frame by frame, as credit allows; then `end` once the body is in.
   * Mid-turn (`fullFramesOnly`) a partial frame stays for the turn's end, to be joined by more.
   */
  #flush(fullFramesOnly = false): void {
    if (this.#headPending) {
      this.#headPending = false;
      // The head's body counts against the edge's window like a data frame's bytes.
      const bytes = Math.min(this.#pendingBytes, MAX_DATA_CHUNK_BYTES);
      const granted = bytes > 0 ? this.#window.take(bytes) : true;
      const body = granted === true ? this.#takePending(bytes) : [];
      const { status, statusText, headers } = this.#head;
      const endsHere = this.#ended && this.#pendingBytes === 0;
      this.#sink.head(status, statusText, headers, join(body, byteLength(body)), endsHere);
      if (endsHere) {
        this.#done = true;
        return;
      }
      if (granted !== true && granted !== false) {
        // Cannot happen with a fresh window (credit ≥ one chunk), but stay correct if it does.
        this.#wait(granted, bytes);
        return;
      }
    }
    const least = fullFramesOnly ? MAX_DATA_CHUNK_BYTES : 1;
    // Mid-turn, a held partial frame stays held (and is looked at again at the turn's end).
    if (!fullFramesOnly) this.#holding = false;
    while (this.#pendingBytes >= least && !this.#done) {
      const bytes = Math.min(this.#pendingBytes, MAX_DATA_CHUNK_BYTES);
      if (bytes < MAX_DATA_CHUNK_BYTES && !this.#ended) {
        if (this.#window.credit < MAX_DATA_CHUNK_BYTES) {
          this.#holding = true;
          return;
        }
      }
      const granted = this.#window.take(bytes);
      if (granted === false) return; // the stream is gone
      if (granted !== true) {
        this.#wait(granted, bytes);
        return;
      }
      this.#sink.data(this.#takePending(bytes), bytes);
    }
    if (this.#ended && this.#pendingBytes === 0 && !this.#done) {
      this.#done = true;
      this.#sink.end();
    }
  }

  #wait(granted: Promise<boolean>, bytes: number): void {
    this.#waiting = true;
    this.#response.pause();
    void granted.then((open) => {
      this.#waiting = false;
      if (!open || this.#done) return;
      this.#sink.data(this.#takePending(bytes), bytes);
      this.#response.resume();
      this.#flush();
    });
  }

  /** Removes the first `bytes` from the pending chunks, splitting one without copying. */
  #takePending(bytes: number): Uint8Array[] {
    const taken: Uint8Array[] = [];
    let left = bytes;
    while (left > 0) {
      const chunk = this.#pending[0]!;
      if (chunk.byteLength <= left) {
        taken.push(chunk);
        this.#pending.shift();
        left -= chunk.byteLength;
      } else {
        taken.push(chunk.subarray(0, left));
        this.#pending[0] = chunk.subarray(left);
        left = 0;
      }
    }
    this.#pendingBytes -= bytes;
    return taken;
  }
}

function byteLength(chunks: Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.byteLength;
  return total;
}

/** The chunks as one array; a single chunk is returned as it is. */
function join(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    joined.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return joined;
}

/** Node's flat `rawHeaders` as name/value pairs, in order. */
export function pairs(raw: string[]): Header[] {
  const out: Header[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}
