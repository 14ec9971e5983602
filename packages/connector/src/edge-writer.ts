import type { Duplex } from "node:stream";
import { encodeDataFrame, encodeFrame, type Frame } from "@burrow/wire";
import WebSocket from "ws";
import { bodyGarbage } from "./body-garbage";
import { DataFrameSender } from "./data-frame-sender";

/**
 * Writes one connection's frames to the edge. Messages sent in one event-loop turn leave in one
 * write: the TCP socket under the WebSocket is corked on the first and uncorked at the end of the
 * turn (setImmediate), so a hundred answers that came in together cost one syscall, not a
 * hundred, here and in the edge's reads. Each stays its own WebSocket message; nothing waits past
 * the turn. Once the WebSocket is no longer open, every send is dropped.
 */
export class EdgeWriter {
  readonly #socket: WebSocket;
  readonly #dataFrames: DataFrameSender;
  /** The TCP socket is corked until the end of this turn. */
  #corked = false;

  /** `keys`: the masking keys for this edge (masking-keys.ts). */
  constructor(socket: WebSocket, keys: "random" | "zero") {
    this.#socket = socket;
    this.#dataFrames = new DataFrameSender({ keys });
  }

  get #open(): boolean {
    return this.#socket.readyState === WebSocket.OPEN;
  }

  /** One frame, encoded, as one binary message. */
  send(frame: Frame): void {
    if (this.#open) this.#sendMessage(encodeFrame(frame));
  }

  /** A text message (the heartbeat). */
  sendText(text: string): void {
    if (this.#open) this.#socket.send(text);
  }

  /** A data frame of `chunks` joined, through {@link DataFrameSender} (see there why not `ws.send`). */
  sendData(streamId: number, chunks: Uint8Array[], byteLength: number): void {
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

  /** Corks the TCP socket until the end of this turn; null without one. */
  #cork(): Duplex | null {
    // ws keeps its TCP socket in `_socket` (not part of its typed API); without it, no batching.
    const tcp = (this.#socket as unknown as { _socket?: Duplex })._socket ?? null;
    if (tcp && !this.#corked) {
      this.#corked = true;
      tcp.cork();
      setImmediate(() => {
        this.#corked = false;
        tcp.uncork();
      });
    }
    return tcp;
  }
}
