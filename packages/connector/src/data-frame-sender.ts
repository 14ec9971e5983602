import type { Duplex } from "node:stream";
import { dataFrameBytes, encodeDataFrameInto, MAX_DATA_CHUNK_BYTES } from "@burrow/wire";
import * as ws from "ws";

/** ws's frame builder (ws exports `Sender`; @types/ws does not declare it). */
interface SenderStatic {
  frame(
    data: Buffer,
    options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean },
  ): Buffer[];
}
const Sender = (ws as unknown as { Sender: SenderStatic }).Sender;

const BINARY_OPCODE = 2;

/** The largest data frame's encoding: every pooled buffer has this size. */
const POOLED_BUFFER_BYTES = dataFrameBytes(MAX_DATA_CHUNK_BYTES);
/**
 * Frames from this size on are encoded into a pooled buffer; smaller ones get a buffer of their
 * own size, so a queue of small frames never holds a full-size buffer each (at most 2× here).
 */
const POOLED_FROM_BYTES = POOLED_BUFFER_BYTES / 2;
/**
 * Buffers kept for reuse per connection (2 × 512 KiB): a stream's initial window in full frames,
 * what a download at full speed has in the socket at once. More streams at once allocate the rest.
 */
const POOL_SIZE = 2;

/**
 * Sends `data` frames as masked WebSocket messages without the copy `ws.send` makes of each one,
 * from frame buffers that are reused.
 *
 * `ws.send` treats what it is given as read-only, so for a client (which must mask every byte,
 * RFC 6455 §5.3) it allocates a second buffer of the message's size and masks into it: per MiB of
 * body, a MiB encoded plus a MiB masked, both fresh memory, on top of node:http's two (its socket
 * read and its parser's copy). Fresh external memory is what starts V8's full mark-compacts in a
 * download (perf: ≈ 20–25 % of the connector's CPU; 6 per 50 MiB downloaded, 4 with this sender).
 * Here the frame is encoded into a buffer this sender owns, masked in place by ws's own frame
 * builder (same random masks, bufferutil when present), and written to the TCP socket under the
 * WebSocket, exactly as ws writes a frame; a full-size buffer goes back to a small pool once the
 * socket has written it, so a steady download allocates no frame buffers at all.
 *
 * Writing beside ws keeps message order: ws writes every frame of its own to the socket at once
 * (it only queues while compressing or reading a Blob, and this connector does neither).
 */
export class DataFrameSender {
  readonly #pool: Buffer[] = [];

  /** Writes one data frame of `chunks` joined (`byteLength` bytes) to `tcp`. */
  send(tcp: Duplex, streamId: number, chunks: readonly Uint8Array[], byteLength: number): void {
    const frameBytes = dataFrameBytes(byteLength);
    const pooled = frameBytes >= POOLED_FROM_BYTES;
    const buffer = pooled
      ? (this.#pool.pop() ?? Buffer.allocUnsafeSlow(POOLED_BUFFER_BYTES))
      : Buffer.allocUnsafe(frameBytes);
    const message = buffer.subarray(0, encodeDataFrameInto(buffer, streamId, chunks));
    const [header, payload] = Sender.frame(message, {
      fin: true,
      opcode: BINARY_OPCODE,
      mask: true,
      readOnly: false,
      rsv1: false,
    });
    tcp.write(header!);
    tcp.write(payload!, pooled ? () => this.#release(buffer) : undefined);
  }

  #release(buffer: Buffer): void {
    if (this.#pool.length < POOL_SIZE) this.#pool.push(buffer);
  }
}
