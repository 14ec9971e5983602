import v8 from "node:v8";
import vm from "node:vm";

/**
 * Body bytes this process moved (either way) after which it runs a young-generation GC itself.
 * What a stream holds is bounded by its 1 MiB window; this bounds the garbage bodies leave behind.
 */
export const BODY_BYTES_PER_YOUNG_GC = 4 * 1024 * 1024;

/**
 * Frees the buffers request and response bodies leave behind, with a cheap young-generation GC
 * every {@link BODY_BYTES_PER_YOUNG_GC} body bytes, before V8 reaches for a full one.
 *
 * Every body byte arrives in fresh memory: Node allocates a new 64 KiB buffer for each socket
 * read (the edge's WebSocket for an upload, the origin's socket for a download), and ws joins a
 * 256 KiB data frame out of four of them into a fifth. Each is garbage a moment later, but only a
 * GC frees it, and V8 counts those buffers against its global heap limit (old generation plus
 * external memory, about 1.1× the ~10 MiB the connector keeps alive): after every ~10 MiB of body
 * V8 ran a full mark-compact that freed nothing of the JS heap (9.4 → 9.4 MiB), 80–120 of them per
 * GiB uploaded, 0.5–1.2 s of the ~3.5 s of CPU a GiB cost, while up to ~35 MiB of dead buffers
 * stayed resident in between (`pnpm bench -- tunnel`, "1 GiB upload: connector RSS growth": 33.8
 * MiB). The buffers' JS objects are young, so a young-generation GC frees them for a few ms; run
 * every 8 MiB it keeps the dead buffers under ~20 MiB and V8 no longer needs the full ones.
 *
 * The GC runs in its own turn (setImmediate), once however many streams crossed the line in this
 * one. Node exposes no GC call without `--expose-gc`, which cannot be passed to a process started
 * as `node burrow.mjs`; setting the flag at run time gives a fresh context its `gc` (the
 * connector's own global never gets one), and it is switched off again at once.
 */
export class BodyGarbage {
  readonly #collect: (() => void) | null;
  readonly #everyBytes: number;
  #bytes = 0;
  #scheduled = false;

  constructor(collect: (() => void) | null, everyBytes = BODY_BYTES_PER_YOUNG_GC) {
    this.#collect = collect;
    this.#everyBytes = everyBytes;
  }

  /** Counts `bytes` of body that passed through fresh buffers; collects once past the line. */
  moved(bytes: number): void {
    if (!this.#collect) return;
    this.#bytes += bytes;
    if (this.#bytes < this.#everyBytes || this.#scheduled) return;
    this.#bytes = 0;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#collect?.();
    });
  }
}

/** V8's young-generation GC as a function, or null where the runtime refuses (then no GC). */
export function youngGenerationGc(): (() => void) | null {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc = vm.runInNewContext("gc") as ((options: { type: "minor" }) => void) | undefined;
    v8.setFlagsFromString("--no-expose-gc");
    return typeof gc === "function" ? () => gc({ type: "minor" }) : null;
  } catch {
    return null;
  }
}

/** One per process: every connection's bodies share the heap whose garbage it frees. */
export const bodyGarbage = new BodyGarbage(youngGenerationGc());
