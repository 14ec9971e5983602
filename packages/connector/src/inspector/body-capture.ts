/**
 * The first `capBytes` of a body, copied as it passes: the proxied bytes are never held, and past
 * the cap only the size is counted, so a 50 MiB download costs the inspector `capBytes` at most.
 */
export class BodyCapture {
  readonly #capBytes: number;
  readonly #chunks: Uint8Array[] = [];
  #capturedBytes = 0;
  /** Every byte seen, captured or not. */
  size = 0;

  constructor(capBytes: number) {
    this.#capBytes = capBytes;
  }

  /** True once bytes past the cap were seen (and dropped). */
  get truncated(): boolean {
    return this.size > this.#capturedBytes;
  }

  /** Counts `bytes` and keeps what fits under the cap; returns how many bytes were kept. */
  add(bytes: Uint8Array): number {
    this.size += bytes.byteLength;
    const room = this.#capBytes - this.#capturedBytes;
    if (room <= 0 || bytes.byteLength === 0) return 0;
    // A copy: the frame's buffer may be reused or be a view of a much larger message.
    const copy = bytes.slice(0, Math.min(room, bytes.byteLength));
    this.#chunks.push(copy);
    this.#capturedBytes += copy.byteLength;
    return copy.byteLength;
  }

  /** Bytes kept. */
  get captured(): number {
    return this.#capturedBytes;
  }

  /** The captured bytes, joined. */
  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
