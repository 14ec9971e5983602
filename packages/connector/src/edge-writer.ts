import type { Duplex } from "node:stream";
import {
  encodeDataFrame,
  encodeFrame,
  type Frame,
  joinFrameBatch,
  MAX_FRAME_BATCH_BYTES,
} from "@burrow/wire";
import WebSocket from "ws";
import { bodyGarbage } from "./body-garbage";
import { DataFrameSender } from "./data-frame-sender";

/**
 * Writes one connection's frames to the edge. Messages sent in one event-loop turn leave in one
 * write: the TCP socket under the WebSocket is corked on the first and uncorked at the end of the
 * turn (setImmediate), so a hundred answers that came in together cost one syscall, not a
 * hundred, here and in the edge's reads. Once the WebSocket is no longer open, every send is
 * dropped.
 *
 * With an edge that reads frame batches (FEATURES.frameBatches), the frames sent in one turn also
 * leave as one WebSocket message (@burrow/wire frame-batch.ts), up to MAX_FRAME_BATCH_BYTES: the
 * edge's connection object then takes one event for them instead of one each. A data frame, a
 * text message or the end of the turn sends the batch first, so the edge reads every frame in the
 * order it was sent; nothing waits past the turn.
 */
export class EdgeWriter {
  readonly #socket: WebSocket;
  readonly #dataFrames: DataFrameSender;
  /** The TCP socket is corked until the end of this turn. */
  #corked = false;
  /** Whether the edge reads several frames from one message (set from its handshake). */
  batchFrames = false;
  /** Encoded frames waiting for the end of this turn, and their bytes. */
  #batch: Uint8Array[] = [];
  #batchBytes = 0;

  /** `keys`: the masking keys for this edge (masking-keys.ts). */
  constructor(socket: WebSocket, keys: "random" | "zero") {
    this.#socket = socket;
    this.#dataFrames = new DataFrameSender({ keys });
  }

  get #open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** One frame, encoded: its own binary message, or part of this turn's batch. */
  send(frame: Frame): void {
    if (!this.#open) return;
    const encoded = encodeFrame(frame);
    if (!this.batchFrames) {
      this.#sendMessage(encoded);
      return;
    }
    if (this.#batchBytes + encoded.byteLength > MAX_FRAME_BATCH_BYTES) this.#sendBatch();
    // The cork's end of turn sends the batch; without a TCP socket to cork, a turn of its own.
    if (this.#batch.length === 0 && !this.#cork()) setImmediate(() => this.#sendBatch());
    this.#batch.push(encoded);
    this.#batchBytes += encoded.byteLength;
  }

  /** A text message (the heartbeat). */
  sendText(text: string): void {
    this.#sendBatch();
    if (this.#open) this.#socket.send(text);
  }

  /** A data frame of `chunks` joined, through {@link DataFrameSender} (see there why not `ws.send`). */
  sendData(streamId: number, chunks: Uint8Array[], byteLength: number): void {
    this.#sendBatch();
    if (!this.#open) return;
    // The origin's socket read these bytes into fresh buffers (see BodyGarbage).
    bodyGarbage.moved(byteLength);
    const tcp = this.#cork();
    if (tcp) this.#dataFrames.send(tcp, streamId, chunks, byteLength);
    else this.#socket.send(encodeDataFrame(streamId, chunks));
  }

  #sendMessage(message: Uint8Array): void {
    this.#cork();
    this.#socket.send(message);
  }

  /** Sends what waits for the end of this turn now (before closing the socket). */
  flush(): void {
    this.#sendBatch();
  }

  /** Sends the frames batched so far as one message (dropped if the socket closed meanwhile). */
  #sendBatch(): void {
    if (this.#batch.length === 0) return;
    const message = joinFrameBatch(this.#batch);
    this.#batch = [];
    this.#batchBytes = 0;
    if (this.#open) this.#sendMessage(message);
  }

  /** Corks the TCP socket until the end of this turn; null without one. */
  #cork(): Duplex | null {
    // ws keeps its TCP socket in `_socket` (not part of its typed API); without it, no batching.
    const tcp = (this.#socket as unknown as { _socket?: Duplex })._socket ?? null;
    if (tcp && !this.#corked) {
      this.#corked = true;
      tcp.cork();
      setImmediate(() => {
        // The turn's batch goes into the still corked socket, so it leaves in the same write.
        this.#sendBatch();
        this.#corked = false;
        tcp.uncork();
      });
    }
    return tcp;
  }
}
