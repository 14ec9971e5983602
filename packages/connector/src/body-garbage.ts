import v8 from "node:v8";
import vm from "node:vm";
import { bodyHeapGrowth } from "./heap-sizing";

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
 * read (the edge's WebSocket for an upload, the origin's socket for a download), and ws joined a
 * 256 KiB data frame out of four of them into a fifth (until DataFrameReceiver, session 7, handed
 * data frames on as the reads themselves). Each is garbage a moment later, but only a
 * GC frees it. Left to V8 (built bundle, `--trace-gc`): it forces a young GC by itself only once
 * 32 MiB of young buffers have piled up (`2 × DefaultMaxSemiSpaceSize`, whatever the flags), and
 * meanwhile it ran a full mark-compact after about every 10 MiB of body, 70–120 per GiB either
 * way, each freeing nothing of the JS heap (9.4 → 9.4 MiB) and together 0.5–1.2 s of the ~3.5 s
 * of CPU a GiB cost; `pnpm bench -- tunnel` read 31–35 MiB of "1 GiB upload / download:
 * connector RSS growth". The buffers' JS objects are young, so a young-generation GC frees them:
 * run every 4 MiB (1–4 ms each), full GCs all but stop (0–1 per GiB), a GiB costs ~1.3–2 s, and
 * the growth read 3–9 MiB. Small requests move a few hundred bytes each: one GC per ~10,000.
 *
 * The GC runs in its own turn (setImmediate), once however many streams crossed the line in this
 * one. Node exposes no GC call without `--expose-gc`, which cannot be passed to a process started
 * as `node burrow.mjs`; setting the flag at run time gives a fresh context its `gc` (the
 * connector's own global never gets one), and it is switched off again at once.
 */
export class BodyGarbage {
  readonly #collect: (() => void) | null;
  readonly #everyBytes: number;
  readonly #growth: { crossed(): void } | null;
  #bytes = 0;
  #scheduled = false;

  /** `growth` hears of each crossing of the line too (heap-sizing.ts BodyHeapGrowth). */
  constructor(
    collect: (() => void) | null,
    everyBytes = BODY_BYTES_PER_YOUNG_GC,
    growth: { crossed(): void } | null = null,
  ) {
    this.#collect = collect;
    this.#everyBytes = everyBytes;
    this.#growth = growth;
  }

  /** Counts `bytes` of body that passed through fresh buffers; collects once past the line. */
  moved(bytes: number): void {
    if (!this.#collect) return;
    this.#bytes += bytes;
    if (this.#bytes < this.#everyBytes || this.#scheduled) return;
    this.#bytes = 0;
    this.#scheduled = true;
    this.#growth?.crossed();
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
export const bodyGarbage = new BodyGarbage(
  youngGenerationGc(),
  BODY_BYTES_PER_YOUNG_GC,
  bodyHeapGrowth,
);
